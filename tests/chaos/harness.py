"""Load for the chaos scenarios, and the books that say whether anything was lost or done twice.

Jobs are submitted as the web app's upload callback does (input object, PENDING record, job.requested),
for a few Free users, with a fixed seed. `account()` then reads every effect GAS leaves behind: job
records, the messages on the jobs topic (through a tap queue) and the e-mail the emulator sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.synthetic.bundle import DEMO_ID
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import records
from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import JobRequested, UserPlanChanged
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import JobStore
from gas_shared.store.table import to_item
from gas_shared.store.users import UserStore
from gas_tools.polling import wait_until
from tests.integration.web_site import install_demo

GENOME = generate()
REPORT = Path(os.environ.get("GAS_TEST_OUTPUT", "test-output")) / "chaos.json"
FAULTY = str(Path(__file__).parents[1] / "integration" / "faulty_service.py")
FAST = {"GAS_FREE_RETENTION_SECONDS": "2", "GAS_RECHECK_SECONDS": "1", "GAS_CONCURRENCY": "2",
        "GAS_WAIT_TIME_SECONDS": "1", "GAS_VISIBILITY_TIMEOUT": "10", "GAS_LEASE_SECONDS": "6"}


def vcf(count: int, seed: int) -> bytes:
    header = ["##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length={len(s)}>" for c, s in GENOME.contigs.items()]
    header.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    return ("\n".join(header) + "\n" + "".join(records(GENOME, count, seed))).encode()


@dataclass
class Books:
    """What happened to each job: the outcome a scenario asserts and reports."""

    jobs: int
    completed: int
    lost: list[str]
    doubled: dict[str, str]
    messages: Counter[str] = field(default_factory=Counter)
    mails: int = 0

    def summary(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "completed": self.completed, "lost": len(self.lost), "doubled": len(self.doubled),
                "messages": dict(self.messages), "mails": self.mails}


class Load:
    def __init__(self, aws: Any, names: Any, tap: Any, mailbox: Any, tmp_path: Path, seed: int, users: int = 4):
        self.aws, self.names, self.tap, self.mailbox = aws, names, tap, mailbox
        self.rng = random.Random(seed)
        self.s3 = aws.client("s3")
        self.jobs = JobStore(aws.client("dynamodb"), names.jobs_table)
        self.users = UserStore(aws.client("dynamodb"), names.users_table)
        self.publisher = Publisher(aws, names, "chaos")
        self.people = [(str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                        f"chaos{i}-{names.prefix}@example.org") for i in range(users)]
        for user_id, email in self.people:
            aws.client("dynamodb").put_item(TableName=names.users_table, Item=to_item(
                {"user_id": user_id, "email": email, "name": f"Chaos {email[:6]}", "plan": "free"}))
        install_demo(self.s3, names.bucket("references"), tmp_path)
        self.submitted: dict[str, tuple[str, str]] = {}  # job id -> (user id, file name)
        self.phases: dict[str, float] = {}  # how long each wait took, for the report
        self.mail_retries = 0  # e-mails sent again because their sender died mid-effect

    def submit(self, count: int, variants: int = 300, *, twice: bool = False) -> list[str]:
        made = []
        for i in range(count):
            user_id, _ = self.people[i % len(self.people)]
            job_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            filename = f"chaos-{len(self.submitted):03d}.vcf"
            key = f"{user_id}/{job_id}/input.vcf"
            body = vcf(variants, self.rng.randrange(10**6))
            self.s3.put_object(Bucket=self.names.bucket("inputs"), Key=key, Body=body)
            request = JobRequested(job_id=uuid.UUID(job_id), user_id=uuid.UUID(user_id), reference_id=DEMO_ID,
                                   input_key=key, input_filename=filename, submitted_at=datetime.now(UTC))
            self.jobs.create(request)
            for _ in range(2 if twice else 1):
                self.publisher.publish(request, message_id=stable_id(job_id, "job.requested"))
            self.submitted[job_id] = (user_id, filename)
            made.append(job_id)
        return made

    def upgrade_all(self, *, twice: bool = False) -> None:
        for user_id, _ in self.people:
            self.publisher.publish(UserPlanChanged.of(user_id, "premium", self.users.change_plan(user_id, "premium")))
            if twice:  # a retried publish of the same change
                from gas_shared.contract.times import now
                self.publisher.publish(UserPlanChanged(user_id=uuid.UUID(user_id), plan="premium",
                                                       previous_plan="free", changed_at=now()))

    def wait(self, done: Any, within: float, what: str) -> None:
        began = time.monotonic()
        wait_until(lambda: all((job := self.jobs.get(j)) is not None and done(job) for j in self.submitted), within,
                   every=0.5, what=what)
        self.phases[what] = round(time.monotonic() - began, 1)

    def account(self, *, expect: dict[str, int], upgraded: bool = False, settle: float = 90) -> Books:
        """Every job COMPLETED, each effect once: one message id per type and job, its "annotated" e-mail once,
        and, when the users `upgraded`, one "available again" e-mail per user naming every job of theirs.

        E-mail may trail the state: an effect claimed by a worker that was then killed is tried again once
        the claim runs out (30 s). So the books wait up to `settle` s for every job's mail before closing.
        """
        lost, doubled = [], {}
        messages: Counter[str] = Counter()

        def all_mail() -> dict[str, list[dict[str, str]]]:
            return {email: self.mailbox(email) for _, email in self.people}

        with contextlib.suppress(TimeoutError):  # what is missing then is reported below
            wanted = len(self.submitted) + (len({u for u, _ in self.submitted.values()}) if upgraded else 0)
            wait_until(lambda: sum(len(v) for v in all_mail().values()) >= wanted, settle, every=1)
        mails = all_mail()
        self.tap.published("", "")  # drain the tap once; then read what it saw
        seen: dict[tuple[str, str], set[Any]] = {}
        for m in self.tap.seen:
            seen.setdefault((m.type, str(m.data.job_id)), set()).add(m.id)
        for job_id, (user_id, filename) in self.submitted.items():
            job = self.jobs.get(job_id)
            if job is None or job.status != "COMPLETED":
                lost.append(job_id)
                continue
            for type_, wanted in expect.items():
                ids = seen.get((type_, job_id), set())
                messages[type_] += len(ids)
                if len(ids) != wanted:
                    doubled[job_id] = f"{len(ids)} distinct {type_} messages, wanted {wanted}"
            email = next(e for u, e in self.people if u == user_id)
            mine = [m for m in mails[email] if filename in m["subject"] and "available again" not in m["subject"]]
            # An e-mail whose sender died between sending and marking it sent is sent again (at least once,
            # never lost); the job's record says so. Only such an e-mail may come twice.
            record = self.jobs.table.get(job_id) or {}
            retried = int(record.get("notified_at_retried", 0))
            if not 1 <= len(mine) <= 1 + retried:
                doubled[job_id] = f"{len(mine)} e-mails, wanted 1: {[m['subject'] for m in mine]}"
            self.mail_retries += retried
        if upgraded:
            self._account_upgrade_mail(mails, doubled)
        return Books(len(self.submitted), len(self.submitted) - len(lost), lost, doubled, messages,
                     sum(len(v) for v in mails.values()))

    def _account_upgrade_mail(self, mails: dict[str, list[dict[str, str]]], doubled: dict[str, str]) -> None:
        """One "available again" e-mail per user (again only if its sender died mid-send), naming every job."""
        for user_id, email in self.people:
            jobs = [j for j, (u, _) in self.submitted.items() if u == user_id]
            if not jobs:
                continue
            back = [m for m in mails[email] if "available again" in m["subject"]]
            retried = sum(int((self.jobs.table.get(j) or {}).get("restored_notified_retried", 0)) for j in jobs)
            named = {j for j in jobs if any(j in m["body"] for m in back)}
            if not 1 <= len(back) <= 1 + retried or named != set(jobs):
                doubled[user_id] = (f"{len(back)} upgrade e-mails naming {len(named)} of {len(jobs)} jobs: "
                                    f"{[m['subject'] for m in back]}")
            self.mail_retries += retried


def record(scenario: str, facts: dict[str, Any]) -> None:
    """Add a scenario's counts to test-output/chaos.json (the figures the README and notes quote)."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    found[scenario] = {**facts, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    REPORT.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")


def moto_pid(endpoint: str) -> int:
    """The moto server process listening at `endpoint` (started by the test session)."""
    port = endpoint.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"gas_tools.emulator" in argv and port.encode() in argv:
                return int(entry.name)
    raise LookupError(f"no moto server on port {port}")


def pause(pid: int, seconds: float) -> None:
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)  # the outage itself: nothing to poll for
    finally:
        os.kill(pid, signal.SIGCONT)


def faulty(name: str) -> list[str]:
    return [sys.executable, FAULTY, name]
