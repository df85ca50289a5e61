import pytest

from gas_shared.contract.topology import QUEUES, Names, queues_of
from gas_shared.runtime.settings import SettingsError, WorkerSettings, load


def test_settings_come_from_gas_variables(monkeypatch):
    monkeypatch.setenv("GAS_PREFIX", "lab-a")
    monkeypatch.setenv("GAS_CONCURRENCY", "3")
    monkeypatch.setenv("GAS_HTTP_PORT", "9101")
    settings = load(WorkerSettings)
    assert (settings.prefix, settings.concurrency, settings.http_port) == ("lab-a", 3, 9101)


def test_bad_settings_stop_the_service_with_every_problem_named(monkeypatch):
    monkeypatch.setenv("GAS_PREFIX", "Not A Prefix!")
    monkeypatch.setenv("GAS_CONCURRENCY", "zero")
    with pytest.raises(SettingsError) as caught:
        load(WorkerSettings)
    assert "GAS_PREFIX" in str(caught.value) and "GAS_CONCURRENCY" in str(caught.value)


def test_every_resource_name_derives_from_the_prefix():
    names = Names("lab-a")
    assert names.bucket("inputs") == "lab-a-inputs"
    assert names.jobs_table == "lab-a-jobs"
    assert names.queue("archive") == "lab-a-archive"
    assert names.dlq("archive") == "lab-a-archive-dlq"
    assert names.topic("users") == "lab-a-users"
    # Job requests are FIFO end to end (SQS requires the suffix, and a FIFO queue's dead letters FIFO too).
    assert names.topic("requests") == "lab-a-requests.fifo"
    assert names.queue("annotate") == "lab-a-annotate.fifo"
    assert names.dlq("annotate") == "lab-a-annotate-dlq.fifo"


def test_a_job_request_goes_to_its_users_lane():
    import uuid

    from gas_shared.contract.messages import JobRequested

    def request(user: uuid.UUID, n: int) -> JobRequested:
        job = uuid.UUID(f"00000000-0000-4000-8000-{n:012x}")
        return JobRequested(job_id=job, user_id=user, reference_id="r", input_key=f"{user}/{job}/in.vcf",
                            input_filename="in.vcf", submitted_at="2026-12-07T00:00:00Z")

    u1, u2 = uuid.uuid4(), uuid.uuid4()
    jobs = [request(u1, n) for n in range(6)]
    assert {job.message_group() for job in jobs} == {f"{u1}:0"}
    assert {job.message_group(2) for job in jobs} == {f"{u1}:0", f"{u1}:1"}
    assert jobs[3].message_group(2) == request(u1, 3).message_group(2)  # a republish: the same group
    assert request(u2, 0).message_group() != jobs[0].message_group()


def test_every_worker_has_a_queue_and_every_queue_one_consumer():
    assert {q.consumer for q in QUEUES} == {"annotator", "archiver", "restorer", "thawer"}
    assert [q.key for q in queues_of("archiver")] == ["archive", "downgrade"]
    assert queues_of("web") == ()
