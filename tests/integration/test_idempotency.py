"""At-least-once delivery, exactly-once effects: the transition helper and a redelivered message."""

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest

from gas_shared.contract.messages import JobCompleted, JobRequested, decode, encode, new_message
from gas_shared.runtime.consumer import Backoff, Consumer
from gas_shared.runtime.consumer.sqs import fifo_send
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import Once
from gas_shared.store.records import Counts, Job
from gas_shared.store.table import Outcome, StateTable
from gas_tools.polling import wait_until


@pytest.fixture
def jobs(aws, names, provisioned):
    return StateTable(aws.client("dynamodb"), names.jobs_table, key="job_id")


def test_transitions_apply_once_and_say_why_not_otherwise(jobs):
    job_id = str(uuid.uuid4())
    assert jobs.create({"job_id": job_id, "status": "PENDING", "user_id": "u"})
    assert not jobs.create({"job_id": job_id, "status": "PENDING", "user_id": "u"})

    first = jobs.transition(job_id, from_states=["PENDING"], to="RUNNING", set_fields={"attempt": 1})
    assert first.outcome is Outcome.APPLIED and first.item["attempt"] == 1
    again = jobs.transition(job_id, from_states=["PENDING"], to="RUNNING", set_fields={"attempt": 2})
    assert again.outcome is Outcome.ALREADY and again.item["attempt"] == 1  # the second write did nothing
    wrong = jobs.transition(job_id, from_states=["PENDING"], to="COMPLETED")
    assert wrong.outcome is Outcome.CONFLICT and wrong.item["status"] == "RUNNING"
    assert jobs.transition(str(uuid.uuid4()), from_states=["PENDING"], to="RUNNING").outcome is Outcome.MISSING
    done = jobs.transition(job_id, from_states=["RUNNING"], to="COMPLETED", remove_fields=["attempt"])
    assert done.applied and "attempt" not in jobs.get(job_id)


def test_a_redelivered_message_repeats_no_effect(aws, names, jobs, queues, golden):
    """The handler crashes after its effect (before the ack), and the same message is also published twice."""
    request = decode(golden("job.requested")).data
    job_id = str(request.job_id)
    jobs.create({"job_id": job_id, "status": "PENDING", "user_id": str(request.user_id)})
    publisher = Publisher(aws, names, "test")
    calls, effects, crashed = [], [], threading.Event()

    def handle(job: JobRequested) -> None:
        calls.append(job)
        step = jobs.transition(str(job.job_id), from_states=["PENDING"], to="COMPLETED")
        if step.applied:
            effects.append(job)
            publisher.publish(JobCompleted(
                job_id=job.job_id, user_id=job.user_id, completed_at=datetime.now(UTC),
                results={"vcf": f"{job.user_id}/{job.job_id}/results/out.vcf.gz"}, variant_count=3,
            ))
        if not crashed.is_set():
            crashed.set()
            raise RuntimeError("worker died after the effect, before the ack")

    message = new_message(request, source="web")
    publisher.publish(request, message_id=message.id)
    publisher.publish(request, message_id=message.id)  # a republish: FIFO drops it
    sqs = aws.client("sqs")
    # A duplicate that got past deduplication (SQS's window is 5 minutes).
    sqs.send_message(QueueUrl=queues.done.queues["annotate"], MessageBody=encode(message),
                     **fifo_send(queues.done.queues["annotate"], "user:0"))

    consumer = Consumer(aws, names.queue("annotate"), {JobRequested: handle}, concurrency=2,
                        visibility_timeout=10, wait_time=1, drain_seconds=5, backoff=Backoff(base=1, cap=1))
    stop = threading.Event()
    thread = consumer.start(stop)
    try:
        wait_until(lambda: len(calls) >= 3 and queues.depth("annotate") == 0, 30, what="all deliveries handled")
    finally:
        stop.set()
        thread.join(15)
    assert len(calls) == 3  # delivered three times: original, duplicate, redelivery after the crash
    assert len(effects) == 1
    completed = queues.receive("archive", wait=6, expect=1)
    assert len(completed) == 1
    assert json.loads(completed[0]["Body"])["data"]["job_id"] == job_id
    assert jobs.get(job_id)["status"] == "COMPLETED"
    assert queues.depth("annotate", dead=True) == 0


def test_a_job_is_claimed_once_waits_on_a_live_lease_and_is_taken_over_after_it(aws, names, provisioned, golden):
    from gas_shared.store.jobs import JobStore

    store = JobStore(aws.client("dynamodb"), names.jobs_table)
    request = decode(golden("job.requested")).data
    job_id = str(request.job_id)
    assert store.create(request) and not store.create(request)

    first = store.claim(job_id, "worker-a", lease_seconds=1.5)
    assert first.granted and first.job.worker == "worker-a"
    duplicate = store.claim(job_id, "worker-b", lease_seconds=1.5)  # the same message, delivered twice
    assert not duplicate.granted and 0 < duplicate.retry_after <= 1.5
    assert store.progress(job_id, "worker-a", "validating", 10)
    assert not store.progress(job_id, "worker-b", "validating", 99)  # only the lease holder writes

    # worker-a is gone; worker-c keeps asking, and is refused until the lease runs out.
    claims = []
    wait_until(lambda: claims.append(store.claim(job_id, "worker-c", lease_seconds=30)) or claims[-1].granted,
               10, every=0.2, what="the takeover")
    takeover = claims[-1]
    assert len(claims) > 1 and not any(c.granted for c in claims[:-1])
    assert takeover.granted and takeover.job.worker == "worker-c" and takeover.job.attempts == 1
    assert not store.renew(job_id, "worker-a", 30)  # the dead worker, back, has lost the job
    assert store.complete(job_id, "worker-c", {"vcf": "k"}, Counts(variants=1)) is Outcome.APPLIED
    finished = store.claim(job_id, "worker-d", lease_seconds=30)
    assert not finished.granted and finished.job.status == "COMPLETED"
    assert store.once(job_id, "notified_at", lambda: None).ran
    assert store.once(job_id, "notified_at", lambda: None).outcome is Once.DONE


def test_a_once_per_cycle_effect_runs_once_when_two_deliveries_race(aws, names, provisioned):
    from gas_shared.runtime.consumer import Deferred, defer_while_busy
    from gas_shared.store.jobs import JobStore

    store = JobStore(aws.client("dynamodb"), names.jobs_table)
    job = Job(job_id=str(uuid.uuid4()), status="COMPLETED", user_id="u", submitted_at="2026-11-23T10:00:00Z", cycle=1)
    store.table.create(job.to_item())
    ran, answers, started, release = [], [], threading.Event(), threading.Event()

    def slow_mail():
        ran.append("first")
        started.set()
        release.wait(10)

    first = threading.Thread(
        target=lambda: answers.append(store.once_per_cycle(job, "restored_notified", slow_mail).ran))
    first.start()
    assert started.wait(10)
    with pytest.raises(Deferred, match="under way elsewhere"):  # the second delivery comes back later
        defer_while_busy(store.once_per_cycle(job, "restored_notified", lambda: ran.append("second")))
    release.set()
    first.join(10)
    assert ran == ["first"] and answers == [True]
    # Later deliveries, even holding the record as it was before the mark: done already.
    assert store.once_per_cycle(job, "restored_notified", lambda: ran.append("third")).ran is False
    assert ran == ["first"] and store.get(job.job_id).restored_notified == 1

    # An effect that fails gives its claim up at once, and the next delivery runs it.
    def broken():
        raise ConnectionError("SES down")

    with pytest.raises(ConnectionError):
        store.once_per_cycle(job, "archive_announced", broken)
    assert store.once_per_cycle(job, "archive_announced", lambda: ran.append("retried")).ran is True
    assert ran == ["first", "retried"]
    # A new archive cycle is a new occasion.
    next_cycle = job.model_copy(update={"cycle": 2})
    assert store.once_per_cycle(next_cycle, "restored_notified", lambda: ran.append("cycle 2")).ran is True
