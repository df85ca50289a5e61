"""The real AWS emulator the integration tests run against, chosen by GAS_TEST_BACKEND:

- `moto` (default): an embedded moto server on a free loopback port, started for the session;
- `localstack`: a LocalStack container through testcontainers (needs a Docker-compatible engine);
- `endpoint`: whatever answers at GAS_TEST_AWS_ENDPOINT (a running LocalStack, a compose stack, ...).

Every test provisions its own resources under a fresh prefix, so tests never see each other's messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gas_shared.contract.topology import Names
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.consumer.sqs import fifo_send
from gas_tools.devstack import Child, Emulator, aws_environment, http_ok
from gas_tools.polling import wait_until
from gas_tools.provisioning import Options, Provisioned, provision

BACKEND = os.environ.get("GAS_TEST_BACKEND", "moto")
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_base() -> int:
    """A GAS_PORT_BASE whose ports (web and workers +0..+4, fake Globus +9, moto +10) are all free."""
    import random
    for _ in range(50):
        base = random.randrange(20000, 50000, 20)
        try:
            for offset in (*range(5), 9, 10):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise RuntimeError("no free port range")


@dataclass
class Backend:
    kind: str
    endpoint: str


def _localstack() -> Iterator[Backend]:
    try:
        import docker

        docker.from_env().ping()
    except Exception as e:
        pytest.skip(f"GAS_TEST_BACKEND=localstack but no Docker-compatible engine answers: {e}")
    from testcontainers.community.localstack import LocalStackContainer

    container = LocalStackContainer(os.environ.get("GAS_TEST_LOCALSTACK_IMAGE", "localstack/localstack:4.14"))
    container.with_services("s3", "sqs", "sns", "dynamodb", "sts", "ses")
    if os.environ.get("LOCALSTACK_AUTH_TOKEN"):
        container.with_env("LOCALSTACK_AUTH_TOKEN", os.environ["LOCALSTACK_AUTH_TOKEN"])
    with container:
        yield Backend("localstack", container.get_url())


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if BACKEND == "moto":
        emulator = Emulator(free_port(), tmp_path_factory.mktemp("moto") / "moto.log")
        emulator.start()
        yield Backend("moto", emulator.endpoint)
        emulator.stop()
    elif BACKEND == "localstack":
        yield from _localstack()
    elif BACKEND == "endpoint":
        yield Backend("endpoint", os.environ["GAS_TEST_AWS_ENDPOINT"])
    else:
        raise pytest.UsageError(f"GAS_TEST_BACKEND must be moto, localstack or endpoint, not {BACKEND!r}")


@pytest.fixture
def aws_env(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The SDK environment pointing at the emulator, set for this process and handed to children."""
    env = aws_environment(backend.endpoint)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def aws(aws_env: dict[str, str]) -> Aws:
    return Aws()


@pytest.fixture
def names() -> Names:
    return Names(f"t{uuid.uuid4().hex[:12]}")


PLAN = Options(retention_seconds=2, max_receives=3, visibility_timeout=10)


@pytest.fixture
def provisioned(aws: Aws, names: Names) -> Provisioned:
    return provision(aws, names, PLAN)


class Queues:
    """Reading what landed in the stack's queues."""

    def __init__(self, aws: Aws, done: Provisioned):
        self.sqs = aws.client("sqs")
        self.done = done

    def receive(
        self, key: str, *, dead: bool = False, wait: float = 5, expect: int | None = None
    ) -> list[dict[str, Any]]:
        """Everything in a queue (deleting it), waiting up to `wait` s for `expect` messages if given.

        S3's s3:TestEvent (sent when a bucket notification is configured) is dropped: no test wants it.
        """
        url = (self.done.dead_letter_queues if dead else self.done.queues)[key]
        got: list[dict[str, Any]] = []

        def more() -> bool:
            answer = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                              MessageAttributeNames=["All"], VisibilityTimeout=30,
                                              MessageSystemAttributeNames=["MessageGroupId"])
            for m in answer.get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                if '"s3:TestEvent"' not in m["Body"]:
                    got.append(m)
            return expect is not None and len(got) >= expect

        with contextlib.suppress(TimeoutError):  # fewer than expected is the caller's to judge
            wait_until(more, wait, every=0.2)
        return got

    def depth(self, key: str, *, dead: bool = False) -> int:
        url = (self.done.dead_letter_queues if dead else self.done.queues)[key]
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return sum(int(v) for v in attrs.values())

    def send(self, key: str, body: str, *, group: str = "test") -> None:
        self.sqs.send_message(QueueUrl=self.done.queues[key], MessageBody=body,
                              **fifo_send(self.done.queues[key], group))


@pytest.fixture
def queues(aws: Aws, provisioned: Provisioned) -> Queues:
    return Queues(aws, provisioned)


class Tap:
    """Queues subscribed to the jobs and requests topics with no filter: every job.* message GAS publishes
    lands here too (job requests on a FIFO queue of the tap's own, as a FIFO topic needs)."""

    def __init__(self, aws: Aws, names: Names):
        from gas_shared.runtime.publisher import Publisher

        self.sqs = aws.client("sqs")
        self.urls = []
        for topic, name, attributes in (("jobs", f"{names.prefix}-tap", {}),
                                        ("requests", f"{names.prefix}-tap.fifo", {"FifoQueue": "true"})):
            url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            aws.client("sns").subscribe(TopicArn=Publisher(aws, names, "t").topic_arn(topic), Protocol="sqs",
                                        Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
            self.urls.append(url)
        self.seen: list[Any] = []

    def published(self, type_: str, job_id: str) -> list[Any]:
        """Every message of that type about the job seen on the tap so far (as decoded envelopes)."""
        from gas_shared.contract.messages import decode

        for url in self.urls:
            while True:
                answer = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                if not answer.get("Messages"):
                    break
                for m in answer["Messages"]:
                    self.seen.append(decode(m["Body"]))
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return [m for m in self.seen if m.type == type_ and str(m.data.job_id) == job_id]


@pytest.fixture
def tap(aws: Aws, provisioned: Provisioned, names: Names) -> Tap:
    return Tap(aws, names)


@pytest.fixture
def mailbox(backend: Backend) -> Callable[[str], list[dict[str, str]]]:
    """mailbox(address): the mail the emulator has sent to that address so far."""
    return lambda address: sent_mail(backend, address)


def sent_mail(backend: Backend, address: str) -> list[dict[str, str]]:
    """Mail sent to `address`, as the emulator recorded it: {subject, body}."""
    import urllib.request

    if backend.kind == "moto":
        with urllib.request.urlopen(f"{backend.endpoint}/moto-api/data.json") as answer:
            sent = [(m["destinations"]["ToAddresses"], m["subject"], m["body"])
                    for m in json.load(answer)["ses"]["Message"]]
    elif backend.kind == "localstack":
        with urllib.request.urlopen(f"{backend.endpoint}/_aws/ses") as answer:
            sent = [(m["Destination"]["ToAddresses"], m["Subject"], m["Body"].get("text_part", ""))
                    for m in json.load(answer)["messages"]]
    else:
        pytest.skip("no way to read the mail this emulator sent")
    return [{"subject": subject, "body": body} for to, subject, body in sent if any(address in t for t in to)]


@dataclass
class Service:
    child: Child
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def status(self, path: str) -> int:
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    def log(self) -> list[dict[str, Any]]:
        lines = self.child.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        self.child.signal(signum)
        code = self.child.wait(timeout)
        self.child.close()
        return code


@pytest.fixture
def start_service(aws_env: dict[str, str], names: Names, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start a real service process (or a script) against the emulator; stopped at the end of the test."""
    started: list[Service] = []

    def start(name: str, argv: list[str] | None = None, ready: bool = True, **env: str) -> Service:
        port = free_port()
        child = Child(
            name, argv or [sys.executable, "-m", name],
            {**aws_env, "GAS_PREFIX": names.prefix, "GAS_HTTP_PORT": str(port), "GAS_WAIT_TIME_SECONDS": "1",
             "GAS_VISIBILITY_TIMEOUT": "10", "GAS_SECRET_KEY": "x" * 40, "GAS_DEPLOYMENT": "development", **env},
            tmp_path / f"{name}-{port}.log",
        )
        child.start()
        service = Service(child, port)
        started.append(service)
        what = "/readyz" if ready else "/healthz"
        wait_until(lambda: child.running and http_ok(service.url(what)), 60, what=f"{name} {what}")
        return service

    yield start
    for service in started:
        if service.child.running:
            service.stop(signal.SIGKILL, timeout=5)
