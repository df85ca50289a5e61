"""The annotator service on the emulator: a good job, a bad job, a redelivery, and kill -9 mid-job."""

import itertools
import json
import re
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.synthetic.bundle import DEMO_ID, sha256, write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from gas_shared.contract.messages import JobRequested
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.bundles import Bundles
from gas_shared.store.jobs import JobStore
from gas_shared.store.table import to_item
from gas_tools.polling import wait_until

GENOME = generate()


class Gas:
    """Plays the web app's part: a user, an uploaded file, a PENDING job, job.requested."""

    def __init__(self, aws, names, tmp_path, tap, mailbox):
        self.aws, self.names, self.tap, self.mailbox = aws, names, tap, mailbox
        self.s3, self.sqs = aws.client("s3"), aws.client("sqs")
        self.jobs = JobStore(aws.client("dynamodb"), names.jobs_table)
        self.user_id = uuid.uuid4()
        self.email = f"{names.prefix}@example.org"
        aws.client("dynamodb").put_item(TableName=names.users_table, Item=to_item(
            {"user_id": str(self.user_id), "email": self.email, "name": "Rosalind Franklin", "plan": "free"}))
        bundle = tmp_path / "bundle"
        write_bundle(GENOME, bundle, reference_id=DEMO_ID, assembly="GASdemo1", source="test")
        Bundles(self.s3, names.bucket("references")).install(bundle)

    def add_user(self) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.aws.client("dynamodb").put_item(TableName=self.names.users_table, Item=to_item(
            {"user_id": str(user_id), "email": f"{user_id}@example.org", "name": "Other", "plan": "free"}))
        return user_id

    def submit(self, body: bytes, filename: str, reference_id: str = DEMO_ID,
               user_id: uuid.UUID | None = None) -> tuple[str, JobRequested]:
        job_id, user_id = uuid.uuid4(), user_id or self.user_id
        key = f"{user_id}/{job_id}/input/{'input.vcf.gz' if filename.endswith('.gz') else 'input.vcf'}"
        self.s3.put_object(Bucket=self.names.bucket("inputs"), Key=key, Body=body)
        request = JobRequested(job_id=job_id, user_id=user_id, reference_id=reference_id, input_key=key,
                               input_filename=filename, submitted_at=datetime.now(UTC))
        self.jobs.create(request, input_size=len(body))  # the size the web app checked against the plan
        Publisher(self.aws, self.names, "web").publish(request)
        return str(job_id), request

    def wait_status(self, job_id: str, *statuses: str, within: float = 60) -> dict:
        wait_until(lambda: self.jobs.get(job_id).status in statuses, within, what=f"job {job_id} {statuses}")
        return self.jobs.get(job_id)

    def published(self, type_: str, job_id: str) -> list:
        return self.tap.published(type_, job_id)

    def mail(self) -> list[dict]:
        return self.mailbox(self.email)


@pytest.fixture
def gas(aws, names, provisioned, tmp_path, tap, mailbox):
    return Gas(aws, names, tmp_path, tap, mailbox)


@pytest.fixture
def annotator(start_service, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def start(**env):
        service = start_service("annotator", TMPDIR=str(scratch), GAS_REFERENCE_CACHE=str(tmp_path / "cache"),
                                GAS_CONCURRENCY="2", **env)
        service.scratch = scratch
        return service

    return start


def _sample(tmp_path: Path, count: int) -> bytes:
    return write_vcf(GENOME, tmp_path / f"sample-{count}.vcf", count).read_bytes()


def test_one_users_burst_waits_behind_itself_not_in_front_of_another_users_job(gas, annotator, tmp_path):
    # A standard queue hands the burst to both workers in turn and the other user's job starts after all of
    # it; with the requests FIFO and grouped by user, the burst holds one worker and the other takes B at once.
    body = _sample(tmp_path, 3000)
    burst = [gas.submit(body, f"a-{n}.vcf")[0] for n in range(8)]
    other = gas.submit(body, "b.vcf", user_id=gas.add_user())[0]
    annotator()
    started_b = gas.wait_status(other, "COMPLETED").started_at
    assert started_b is not None
    started_a = sorted(s for s in (gas.jobs.get(job).started_at for job in burst) if s is not None)
    assert started_a and len([s for s in started_a if s < started_b]) <= 1, (started_a, started_b)
    # ...and the burst ran one at a time (its lane), in the order it was sent.
    for job in burst:
        gas.wait_status(job, "COMPLETED", within=120)
    runs = sorted((gas.jobs.get(job).started_at, gas.jobs.get(job).completed_at, n) for n, job in enumerate(burst))
    assert [n for _, _, n in runs] == list(range(len(burst)))
    assert all(done <= start for (_, done, _), (start, _, _) in itertools.pairwise(runs))


def test_an_input_replaced_after_its_size_was_checked_fails_the_job(gas, annotator, tmp_path):
    small = _sample(tmp_path, 50)
    job_id, request = gas.submit(small, "small.vcf")
    big = _sample(tmp_path, 5000)  # swapped in before any annotator ran (as a reused upload link would)
    gas.s3.put_object(Bucket=gas.names.bucket("inputs"), Key=request.input_key, Body=big)
    annotator()
    job = gas.wait_status(job_id, "FAILED")
    assert job.failure_reason and "changed after it was checked" in job.failure_reason
    assert f"{len(big):,} bytes now, {len(small):,} when it was submitted" in job.failure_reason
    assert not job.results


def test_a_good_job_completes_with_results_message_and_mail(gas, annotator, tmp_path, queues):
    service = annotator()
    job_id, request = gas.submit(_sample(tmp_path, 2000), "family <trio>.vcf")
    job = gas.wait_status(job_id, "COMPLETED")

    assert job.counts.variants == 2000 and job.progress.stage == "done"
    assert set(job.results) == {"vcf", "index", "plain_vcf", "log", "summary", "explore"}
    for key in job.results.values():
        assert key.startswith(f"{request.user_id}/{job_id}/results/")
        gas.s3.head_object(Bucket=gas.names.bucket("results"), Key=key)
    stored = gas.s3.get_object(Bucket=gas.names.bucket("results"), Key=job.results["summary"])
    summary = json.loads(stored["Body"].read())
    assert summary["variants"] == 2000 and summary["reference"] == DEMO_ID and summary["job_id"] == job_id
    annotated = gas.s3.get_object(Bucket=gas.names.bucket("results"), Key=job.results["plain_vcf"])["Body"].read()
    assert f"##GAS_job={job_id}".encode() in annotated and b"BCSQ=" in annotated

    wait_until(lambda: gas.published("job.completed", job_id), 10, what="job.completed")
    completed = gas.published("job.completed", job_id)
    assert len(completed) == 1 and completed[0].data.results == job.results
    assert len(queues.receive("archive", wait=6, expect=1)) == 1  # the archiver's (delayed) copy
    wait_until(gas.mail, 10, what="the completion e-mail")
    (mail,) = gas.mail()
    assert mail["subject"] == "GAS: \"family trio.vcf\" is annotated"  # the name, without its markup
    assert f"/jobs/{job_id}" in mail["body"] and "Variants annotated: 2000" in mail["body"]
    assert re.search(r"On the Free plan the files are kept for \d+ (minute|second|hour)", mail["body"])
    # Per-job temp dirs are gone.
    assert [p.name for p in service.scratch.iterdir() if p.name.startswith("gas-")] == []


def test_a_bad_job_fails_with_its_reason_and_line(gas, annotator):
    annotator()
    body = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t12x\t.\tA\tC\t.\t.\t.\n"
    job_id, _ = gas.submit(body, "typo.vcf")
    job = gas.wait_status(job_id, "FAILED")
    assert job.failure_reason == "POS '12x' is not a positive whole number" and job.failure_line == 3
    assert "results" not in job
    wait_until(lambda: gas.published("job.failed", job_id), 10, what="job.failed")
    (failed,) = gas.published("job.failed", job_id)
    assert failed.data.line == 3 and "12x" in failed.data.reason
    wait_until(gas.mail, 10, what="the failure e-mail")
    (mail,) = gas.mail()
    assert "could not be annotated" in mail["subject"] and "(line 3)" in mail["body"]


def test_a_redelivered_request_annotates_nothing_again(gas, annotator, tmp_path, queues, golden):
    service = annotator()
    job_id, request = gas.submit(_sample(tmp_path, 500), "again.vcf")
    job = gas.wait_status(job_id, "COMPLETED")
    wait_until(gas.mail, 10, what="the first e-mail")
    stored = gas.s3.head_object(Bucket=gas.names.bucket("results"), Key=job.results["vcf"])["LastModified"]

    again = Publisher(gas.aws, gas.names, "web").publish(request)  # the same request, delivered again
    wait_until(lambda: sum(line["message"].startswith("handled job.requested") for line in service.log()) == 2,
               30, what="the redelivery handled")
    assert again.data == request
    assert gas.s3.head_object(Bucket=gas.names.bucket("results"), Key=job.results["vcf"])["LastModified"] == stored
    assert len(gas.published("job.completed", job_id)) == 1
    assert len(gas.mail()) == 1
    assert gas.jobs.get(job_id).completed_at == job.completed_at


def test_a_worker_killed_mid_job_leaves_it_to_another_which_completes_it_once(gas, annotator, tmp_path):
    first = annotator(GAS_LEASE_SECONDS="5")
    job_id, _ = gas.submit(_sample(tmp_path, 100_000), "big.vcf")
    wait_until(lambda: gas.jobs.get(job_id).progress.stage in ("validating", "annotating"),
               60, every=0.05, what="the job under way")
    first.stop(signal.SIGKILL, timeout=10)
    assert gas.jobs.get(job_id).status == "RUNNING"

    annotator(GAS_LEASE_SECONDS="5")  # SQS hands the message back after its 10 s visibility
    job = gas.wait_status(job_id, "COMPLETED", within=120)
    assert job.counts.variants == 100_000
    assert job.attempts == 1  # taken over once, from the dead worker
    wait_until(lambda: gas.published("job.completed", job_id) and gas.mail(), 20, what="message and mail")
    assert len(gas.published("job.completed", job_id)) == 1
    assert len(gas.mail()) == 1


def test_a_worker_stopped_mid_job_frees_it_for_the_next_at_once_and_the_message_starts_afresh(
        gas, annotator, tmp_path):
    """SIGTERM with a short drain: the lease is given up (not waited out: 120 s here), and the message is
    sent again rather than counted as a failed receive."""
    first = annotator(GAS_LEASE_SECONDS="120", GAS_DRAIN_SECONDS="0.2")
    variants = 1_000_000  # several seconds of work: more than a stop takes, even on a busy machine
    job_id, _ = gas.submit(_sample(tmp_path, variants), "big.vcf")
    wait_until(lambda: gas.jobs.get(job_id).progress.stage == "annotating",
               60, every=0.05, what="the job under way")
    assert first.stop(signal.SIGTERM, timeout=15) == 0
    stopped = gas.jobs.get(job_id)
    assert stopped.status == "RUNNING" and (stopped.lease_until or 0) == 0  # given up, not held for 120 s
    assert any("releasing unfinished message" in line["message"] for line in first.log())

    second = annotator(GAS_LEASE_SECONDS="120")
    job = gas.wait_status(job_id, "COMPLETED", within=90)  # well inside the first worker's lease
    assert job.counts.variants == variants and job.attempts == 1
    wait_until(lambda: gas.published("job.completed", job_id) and gas.mail(), 20, what="message and mail")
    handled = [line for line in second.log() if line["message"].startswith("handled job.requested")]
    assert [int(line["attempt"]) for line in handled] == [1]  # a fresh message, not a second receive
    assert len(gas.published("job.completed", job_id)) == 1 and len(gas.mail()) == 1


def _results_of(gas, user_id, job_id) -> list[str]:
    answer = gas.s3.list_objects_v2(Bucket=gas.names.bucket("results"), Prefix=f"{user_id}/{job_id}/")
    return [o["Key"] for o in answer.get("Contents", [])]


def test_a_running_job_cancelled_stops_within_seconds_and_keeps_and_says_nothing(gas, annotator, tmp_path):
    service = annotator()
    job_id, request = gas.submit(_sample(tmp_path, 400_000), "big.vcf")
    wait_until(lambda: gas.jobs.get(job_id).progress.stage == "annotating", 60, every=0.05, what="under way")
    assert gas.jobs.cancel(job_id).applied
    wait_until(lambda: any("was cancelled" in line["message"] for line in service.log()), 10, every=0.1,
               what="the annotator stopping")  # its next progress write, a second or so
    wait_until(lambda: [p for p in service.scratch.iterdir() if p.name.startswith("gas-")] == [], 10,
               what="the scratch directory gone")
    job = gas.jobs.get(job_id)
    assert job.status == "CANCELLED" and job.cancelled_at and not job.results
    assert _results_of(gas, request.user_id, job_id) == []
    # Still healthy: the next job completes; the cancelled one never announced, never mailed.
    other, _ = gas.submit(_sample(tmp_path, 500), "next.vcf")
    gas.wait_status(other, "COMPLETED")
    wait_until(lambda: gas.published("job.completed", other), 10, what="the next job's message")
    assert gas.published("job.completed", job_id) == [] and gas.published("job.failed", job_id) == []
    assert [m for m in gas.mail() if "big.vcf" in m["subject"]] == []


def test_a_cancel_beside_a_kill_9_is_kept_by_the_next_worker(gas, annotator, tmp_path, queues):
    """The worker dies mid-job, the owner cancels, the message comes back: the next worker ends it quietly."""
    first = annotator(GAS_LEASE_SECONDS="5")
    job_id, request = gas.submit(_sample(tmp_path, 400_000), "big.vcf")
    wait_until(lambda: gas.jobs.get(job_id).progress.stage == "annotating", 60, every=0.05, what="under way")
    first.stop(signal.SIGKILL, timeout=10)
    assert gas.jobs.cancel(job_id).applied
    second = annotator(GAS_LEASE_SECONDS="5")  # SQS hands the message back after its 10 s visibility
    wait_until(lambda: any(line["message"].startswith("handled job.requested") for line in second.log()), 60,
               what="the redelivery handled")
    assert gas.jobs.get(job_id).status == "CANCELLED" and _results_of(gas, request.user_id, job_id) == []
    assert not gas.jobs.cancel(job_id).applied  # a second cancel changes nothing
    wait_until(lambda: queues.depth("annotate") == 0, 15, what="the message acknowledged")
    assert queues.depth("annotate", dead=True) == 0
    assert gas.published("job.completed", job_id) == [] and gas.mail() == []


def test_an_unexpected_engine_failure_fails_the_job_on_its_last_delivery(gas, annotator, tmp_path, queues):
    """A reference whose gene models bcftools cannot read: retried, then FAILED on the last delivery."""
    broken = tmp_path / "broken"
    write_bundle(GENOME, broken, reference_id="broken-1", assembly="GASdemo1", source="test")
    (broken / "genes.gff3").write_text("##gff-version 3\nchr1\tGAS\tgene\tten\t1\t.\t+\t.\tID=gene:x\n")
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["files"]["genes.gff3"] = sha256(broken / "genes.gff3")
    (broken / "manifest.json").write_text(json.dumps(manifest))
    Bundles(gas.s3, gas.names.bucket("references")).install(broken)

    service = annotator()
    job_id, _ = gas.submit(_sample(tmp_path, 100), "fine.vcf", reference_id="broken-1")
    job = gas.wait_status(job_id, "FAILED", within=90)  # three deliveries (the tests' maxReceiveCount)
    assert job.failure_reason.startswith("internal error: RuntimeError: bcftools csq failed")
    retries = [line for line in service.log() if line["message"].startswith("unexpected failure (attempt")]
    assert len(retries) == 2  # attempts 1 and 2 went back to the queue; attempt 3 ended the job
    wait_until(lambda: queues.depth("annotate") == 0, 15, what="the last delivery acknowledged")
    assert queues.depth("annotate", dead=True) == 0  # ended, not dead-lettered
    wait_until(lambda: gas.published("job.failed", job_id), 10, what="job.failed")
