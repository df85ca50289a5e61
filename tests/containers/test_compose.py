"""The docker compose stack end to end, from the host: five healthy containers, one job from upload to
COMPLETED by the annotator container, and its archive and restore by the lifecycle containers.

Run by `make test-containers`, which builds the images, starts the stack with a 5 s retention window, runs
this module and takes the stack down. It talks to the stack's LocalStack on 127.0.0.1:4566 and its web
port 8080, under the stack's prefix `gas`.
"""

import json
import os
import subprocess
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest

from annotator.synthetic.bundle import DEMO_ID
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from gas_shared.contract.messages import JobRequested, UserPlanChanged
from gas_shared.contract.topology import SERVICES, Names
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import ARCHIVED, AVAILABLE, JobStore
from gas_shared.store.results import STANDARD, ResultObjects
from gas_shared.store.table import to_item
from gas_shared.store.users import UserStore
from gas_tools.devstack import aws_environment, http_ok
from gas_tools.polling import wait_until

AWS_ENDPOINT = os.environ.get("GAS_COMPOSE_AWS_ENDPOINT", "http://127.0.0.1:4566")
WEB = os.environ.get("GAS_COMPOSE_WEB", "http://127.0.0.1:8080")
NAMES = Names("gas")


def compose_health() -> dict[str, str]:
    answer = subprocess.run(["docker", "compose", "ps", "--all", "--format", "json"], capture_output=True,
                            text=True, check=True).stdout
    rows = [json.loads(line) for line in answer.splitlines() if line.strip()]
    if len(rows) == 1 and isinstance(rows[0], list):  # older compose prints one JSON array
        rows = rows[0]
    return {row["Service"]: row.get("Health") or row.get("State", "") for row in rows}


@pytest.fixture(scope="module")
def aws():
    for key, value in aws_environment(AWS_ENDPOINT).items():
        if key.startswith("AWS_"):
            os.environ[key] = value
    os.environ["GAS_S3_ADDRESSING_STYLE"] = "path"
    return Aws()


@pytest.fixture(scope="module", autouse=True)
def stack_healthy():
    wait_until(lambda: all(compose_health().get(s) == "healthy" for s in SERVICES), 300, every=2,
               what="every GAS container healthy")


def test_every_service_container_is_healthy_and_the_web_app_answers():
    health = compose_health()
    assert {s: health[s] for s in SERVICES} == dict.fromkeys(SERVICES, "healthy")
    assert health["provision"] == "exited"  # the one-shot provisioning ran and finished
    assert http_ok(f"{WEB}/healthz") and http_ok(f"{WEB}/readyz")


def test_a_job_is_annotated_then_archived_and_restored_by_the_containers(aws, tmp_path):
    ddb, s3 = aws.client("dynamodb"), aws.client("s3")
    jobs, users = JobStore(ddb, NAMES.jobs_table), UserStore(ddb, NAMES.users_table)
    publisher = Publisher(aws, NAMES, "test")
    user_id, job_id = uuid.uuid4(), uuid.uuid4()
    email = f"compose-{user_id.hex[:8]}@example.org"
    ddb.put_item(TableName=NAMES.users_table, Item=to_item(
        {"user_id": str(user_id), "email": email, "name": "Ada Lovelace", "plan": "free"}))

    # What the web app does on the upload callback: the object in the inputs bucket, a PENDING job, the request.
    key = f"{user_id}/{job_id}/input/input.vcf"
    sample = write_vcf(generate(), tmp_path / "sample.vcf", 300).read_bytes()
    s3.put_object(Bucket=NAMES.bucket("inputs"), Key=key, Body=sample)
    request = JobRequested(job_id=job_id, user_id=user_id, reference_id=DEMO_ID, input_key=key,
                           input_filename="sample.vcf", submitted_at=datetime.now(UTC))
    jobs.create(request)
    publisher.publish(request)

    wait_until(lambda: jobs.get(str(job_id)).status == "COMPLETED", 120, every=0.5, what="COMPLETED")
    job = jobs.get(str(job_id))
    assert job.counts.variants == 300 and job.storage == AVAILABLE

    wait_until(lambda: jobs.get(str(job_id)).storage == ARCHIVED, 120, every=0.5, what="ARCHIVED")
    objects = ResultObjects(s3, NAMES.bucket("results"))
    assert {objects.state(k).storage_class for k in job.result_keys} == {"GLACIER"}

    publisher.publish(UserPlanChanged.of(str(user_id), "premium", users.change_plan(str(user_id), "premium")))
    wait_until(lambda: jobs.get(str(job_id)).storage == AVAILABLE, 120, every=0.5, what="AVAILABLE again")
    for result_key in job.results.values():
        assert objects.state(result_key).storage_class == STANDARD
        assert s3.get_object(Bucket=NAMES.bucket("results"), Key=result_key)["Body"].read()

    def subjects() -> list[str]:
        with urllib.request.urlopen(f"{AWS_ENDPOINT}/_aws/ses") as answer:
            return [m["Subject"] for m in json.load(answer)["messages"]
                    if any(email in to for to in m["Destination"]["ToAddresses"])]

    wait_until(lambda: len(subjects()) == 2, 30, what="the completion and the restored e-mail")
    assert sorted(subjects()) == ['GAS: "sample.vcf" is annotated',  # file names in mail: mail_name
                                  'GAS: the results of "sample.vcf" are available again']


def test_an_upload_through_the_api_goes_from_the_host_straight_to_localstack(tmp_path):
    """The presigned POST works from the host (web shares LocalStack's network), and LocalStack, unlike
    moto, enforces its policy: a Free user's file over 150 KB is refused by S3 itself."""
    import requests

    token = requests.post(f"{WEB}/api/v1/dev/tokens", json={"name": "Compose", "email": "compose-api@example.org"},
                          timeout=10).json()["token"]
    api = {"Authorization": f"Bearer {token}"}
    sample = write_vcf(generate(), tmp_path / "sample.vcf", 200).read_bytes()

    def upload(body: bytes) -> tuple[dict, requests.Response]:
        made = requests.post(f"{WEB}/api/v1/uploads", json={"filename": "api.vcf", "reference_id": DEMO_ID},
                             headers=api, timeout=10).json()
        assert made["url"].startswith("http://127.0.0.1:4566"), made["url"]
        return made, requests.post(made["url"], data=made["fields"], files={"file": ("api.vcf", body)}, timeout=30)

    too_big = upload(sample + b"#" * (151 * 1024))[1]
    assert too_big.status_code == 400 and "EntityTooLarge" in too_big.text
    made, sent = upload(sample)
    assert sent.status_code == 204
    job = requests.post(f"{WEB}/api/v1/jobs", json={"ticket": made["ticket"]}, headers=api, timeout=10).json()
    wait_until(lambda: requests.get(f"{WEB}/api/v1/jobs/{job['job_id']}", headers=api, timeout=10)
               .json()["status"] == "COMPLETED", 120, every=0.5, what="the API job COMPLETED")
    files = requests.get(f"{WEB}/api/v1/jobs/{job['job_id']}/files", headers=api, timeout=10).json()
    assert requests.get(files["input"], timeout=10).content == sample
