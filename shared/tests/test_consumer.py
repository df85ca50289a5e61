import json
import logging
import random
import threading
import time

import pytest

from gas_shared.contract.messages import JobCompleted, JobRequested
from gas_shared.runtime.consumer import Backoff, Consumer, Deferred, PermanentError, RetryableError, delivery
from gas_tools.polling import wait_until


def make_consumer(fake_aws, handlers, **kw):
    options = dict(concurrency=2, visibility_timeout=30, wait_time=1, drain_seconds=5,
                   backoff=Backoff(base=2, cap=60, rng=random.Random(7)))
    options.update(kw)
    return Consumer(fake_aws, "work", handlers, **options)


class Running:
    """A consumer on its own thread for the length of a with-block."""

    def __init__(self, consumer):
        self.consumer, self.stop = consumer, threading.Event()

    def __enter__(self):
        self.thread = self.consumer.start(self.stop)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "consumer did not stop"


def test_handled_message_is_deleted_and_handler_gets_the_typed_payload(sqs, fake_aws, golden):
    seen = []
    sqs.send("work", golden("job.requested"))
    with Running(make_consumer(fake_aws, {JobRequested: seen.append})):
        wait_until(lambda: not sqs.queues["work"], 5)
    assert len(seen) == 1 and isinstance(seen[0], JobRequested)
    assert sqs.queues["work-dlq"] == []


@pytest.mark.parametrize("body", ["{not json", json.dumps({"type": "job.requested", "version": 1, "data": {}})])
def test_poison_message_goes_to_the_dead_letter_queue_at_once(sqs, fake_aws, body):
    called = []
    sqs.send("work", body, {"type": {"DataType": "String", "StringValue": "job.requested"}})
    with Running(make_consumer(fake_aws, {JobRequested: called.append})):
        wait_until(lambda: sqs.queues["work-dlq"], 5)
    assert called == [] and sqs.queues["work"] == []
    dead = sqs.queues["work-dlq"][0]
    assert dead.body == body
    assert dead.attributes["gas_dead_letter_reason"]["StringValue"].startswith("undecodable:")
    assert dead.attributes["gas_source_queue"]["StringValue"] == "work"
    assert dead.attributes["type"]["StringValue"] == "job.requested"  # original attributes kept
    assert dead.receives == 0  # received once from the work queue, never retried


def test_permanent_error_dead_letters_with_the_reason(sqs, fake_aws, golden):
    def refuse(_):
        raise PermanentError("input is not a VCF")

    sqs.send("work", golden("job.requested"))
    with Running(make_consumer(fake_aws, {JobRequested: refuse})):
        wait_until(lambda: sqs.queues["work-dlq"], 5)
    assert sqs.queues["work-dlq"][0].attributes["gas_dead_letter_reason"]["StringValue"] == (
        "permanent: input is not a VCF"
    )


def test_message_type_without_a_handler_is_dead_lettered(sqs, fake_aws, golden):
    sqs.send("work", golden("job.failed"))
    with Running(make_consumer(fake_aws, {JobRequested: lambda _: None})):
        wait_until(lambda: sqs.queues["work-dlq"], 5)
    assert "no handler for job.failed" in sqs.queues["work-dlq"][0].attributes["gas_dead_letter_reason"]["StringValue"]


@pytest.mark.parametrize("error", [RetryableError("busy"), RuntimeError("bug")])
def test_failures_go_back_to_the_queue_after_a_growing_backoff(sqs, fake_aws, golden, error, caplog):
    attempts = []

    def fail(_):
        attempts.append(time.monotonic())
        raise error

    sqs.send("work", golden("job.requested"))
    caplog.set_level(logging.WARNING)
    # base 1 s, cap 2 s: the first backoff is 1 s (SQS counts whole seconds), the second 1-2 s
    consumer = make_consumer(fake_aws, {JobRequested: fail}, backoff=Backoff(base=1, cap=2, rng=random.Random(1)))
    with Running(consumer):
        wait_until(lambda: len(attempts) >= 2, 10)
    delays = [c[1]["seconds"] for c in sqs.calls if c[0] == "visibility"]
    assert delays[0] == 1 and 1 <= delays[1] <= 2
    assert attempts[1] - attempts[0] >= 0.9
    assert sqs.queues["work"] and not sqs.queues["work-dlq"]  # the redrive policy decides when to give up
    if isinstance(error, RuntimeError):
        assert any(r.exc_info and "bug" in str(r.exc_info[1]) for r in caplog.records)


def test_deferred_work_is_sent_again_delayed_without_counting_a_receive(sqs, fake_aws, golden):
    """Waiting (a long retention window, a slow restore) must never walk a message toward the DLQ."""
    seen = []

    def not_yet(_):
        seen.append(delivery())
        if len(seen) < 4:
            raise Deferred(1 if len(seen) < 3 else 5_000, "not due")

    sqs.send("work", golden("job.completed"), {"type": {"DataType": "String", "StringValue": "job.completed",
                                                         "StringListValues": []}})
    with Running(make_consumer(fake_aws, {JobCompleted: not_yet})):
        wait_until(lambda: len(seen) >= 3, 10)
        # The third deferral asks for more than SQS allows: one hop of the maximum, 900 s.
        wait_until(lambda: [c for c in sqs.calls if c[0] == "send"][2:], 5)
    assert [d.deferrals for d in seen] == [0, 1, 2]
    assert all(d.attempt == 1 for d in seen)  # a fresh message each time: no receive counted twice
    assert [c[1]["delay"] for c in sqs.calls if c[0] == "send"] == [1, 1, 900]
    (waiting,) = sqs.queues["work"]
    assert waiting.body == golden("job.completed") and waiting.attributes["type"]["StringValue"] == "job.completed"
    assert waiting.attributes["gas_deferrals"]["StringValue"] == "3" and not sqs.queues["work-dlq"]


def test_s3_test_event_is_acknowledged_without_a_handler(sqs, fake_aws, golden):
    sqs.send("work", golden("s3.test_event"))
    with Running(make_consumer(fake_aws, {})):
        wait_until(lambda: not sqs.queues["work"], 5)
    assert not sqs.queues["work-dlq"]


def test_concurrency_is_bounded(sqs, fake_aws, golden):
    active, peak, lock = [0], [0], threading.Lock()

    def slow(_):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1

    for _ in range(8):
        sqs.send("work", golden("job.completed"))
    with Running(make_consumer(fake_aws, {JobCompleted: slow}, concurrency=3)):
        wait_until(lambda: not sqs.queues["work"], 10)
    assert peak[0] == 3
    assert all(c[1]["n"] <= 3 for c in sqs.calls if c[0] == "receive")


def test_heartbeat_keeps_long_work_invisible(sqs, fake_aws, golden):
    sqs.send("work", golden("job.requested"))
    with Running(make_consumer(fake_aws, {JobRequested: lambda _: time.sleep(2.5)}, visibility_timeout=2)):
        wait_until(lambda: not sqs.queues["work"], 10)
    assert any(c[0] == "heartbeat" for c in sqs.calls)
    assert len([c for c in sqs.calls if c[0] == "delete"]) == 1  # never received twice meanwhile


def _stop_once_started(consumer, started: threading.Event) -> None:
    """Run the consumer until its handler has started, then stop it and wait for its drain."""
    with Running(consumer) as running:
        assert started.wait(5)
        running.stop.set()
        running.thread.join(10)


def test_stop_finishes_work_in_hand_within_the_drain_window(sqs, fake_aws, golden):
    started, finished = threading.Event(), []

    def work(job):
        started.set()
        time.sleep(0.5)
        finished.append(job)

    sqs.send("work", golden("job.requested"))
    consumer = make_consumer(fake_aws, {JobRequested: work}, drain_seconds=5)
    _stop_once_started(consumer, started)
    assert finished and not sqs.queues["work"]


def test_stop_hands_back_work_that_outlasts_the_drain_window_as_a_fresh_message(sqs, fake_aws, golden):
    started, undone = threading.Event(), []

    def work(_job):
        delivery().on_release(lambda: undone.append("lease given up"))
        started.set()
        time.sleep(3)

    sqs.send("work", golden("job.requested"))
    consumer = make_consumer(fake_aws, {JobRequested: work}, drain_seconds=0.2)
    _stop_once_started(consumer, started)
    assert undone == ["lease given up"]  # the handler's undo ran before the message went back
    (back,) = sqs.queues["work"]
    # Sent again, visible at once, and with no receive counted against it: a stop is not its failure.
    assert back.receives == 0 and back.visible_at <= time.monotonic() and back.body == golden("job.requested")
    assert [c[1]["delay"] for c in sqs.calls if c[0] == "send"] == [0]
    assert len([c for c in sqs.calls if c[0] == "delete"]) == 1  # the copy in hand


def test_a_failed_hand_back_falls_back_to_visibility(sqs, fake_aws, golden):
    started = threading.Event()

    def refuse(**_kw):
        raise ConnectionError("emulator away")

    sqs.send_message = refuse
    sqs.send("work", golden("job.requested"))
    consumer = make_consumer(fake_aws, {JobRequested: lambda _: (started.set(), time.sleep(3))}, drain_seconds=0.2)
    _stop_once_started(consumer, started)
    released = [c for c in sqs.calls if c[0] == "visibility" and c[1]["seconds"] == 0]
    assert len(released) == 1 and sqs.queues["work"][0].visible_at <= time.monotonic()


def test_on_release_outside_a_consumer_does_nothing():
    delivery().on_release(lambda: pytest.fail("no consumer hands anything back here"))
    delivery().released()


def test_receive_errors_do_not_kill_the_loop(sqs, fake_aws, golden):
    real, failures = sqs.receive_message, [0]

    def flaky(**kw):
        if failures[0] < 2:
            failures[0] += 1
            raise ConnectionError("emulator away")
        return real(**kw)

    sqs.receive_message = flaky
    sqs.send("work", golden("job.requested"))
    seen = []
    consumer = make_consumer(fake_aws, {JobRequested: seen.append}, backoff=Backoff(base=0.1, cap=0.2))
    with Running(consumer):
        wait_until(lambda: seen, 10)
        assert consumer.alive


def test_backoff_grows_and_is_capped():
    backoff = Backoff(base=2, cap=60, rng=random.Random(3))
    delays = [backoff.delay(n) for n in range(1, 10)]
    assert delays[0] in (1, 2) and max(delays) <= 60 and delays[-1] >= 30
    assert all(d >= 1 for d in delays)


def test_handlers_know_which_delivery_they_run_for(sqs, fake_aws, golden):
    from gas_shared.runtime.consumer import delivery

    seen = []
    sqs.send("work", golden("job.requested"))
    sqs.send("work", golden("job.completed"))
    sqs.queues["work"][1].receives = 4  # delivered four times before: the queue allows five
    handlers = {JobRequested: lambda _: seen.append(("requested", delivery())),
                JobCompleted: lambda _: seen.append(("completed", delivery()))}
    with Running(make_consumer(fake_aws, handlers)):
        wait_until(lambda: len(seen) == 2, 5)
    found = dict(seen)
    assert (found["requested"].attempt, found["requested"].last) == (1, False)
    assert (found["completed"].attempt, found["completed"].max_receives, found["completed"].last) == (5, 5, True)
