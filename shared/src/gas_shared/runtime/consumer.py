"""The one SQS consumer loop that every worker runs.

Long polls in batches, hands each message to its own handler thread (bounded), keeps in-flight messages
invisible with a heartbeat, and sorts every outcome: done -> delete; poison or permanent -> dead-letter
queue at once; retryable -> back to the queue after a jittered backoff; unexpected -> logged with its
traceback and retried the same way until the queue's redrive policy gives up on it; deferred -> sent again
with a delay (work that is not due yet: a retention window, a Glacier restore still under way).
"""

from __future__ import annotations

import contextvars
import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..messages import Envelope, MessageDecodeError, Payload, S3TestEvent, decode
from . import logs
from .aws import Aws, is_transient

log = logging.getLogger(__name__)

# A plain function of the typed payload; it never sees SQS.
Handler = Callable[[Any], None]

MAX_BATCH = 10  # receive_message returns at most 10 messages a call
MAX_VISIBILITY = 43_200  # 12 h: the most change_message_visibility accepts
MAX_ATTRIBUTE_TEXT = 1_000  # keep the dead-letter reason well inside SQS's 256 KiB message limit
MAX_DELAY = 900  # SendMessage's DelaySeconds ceiling; a longer wait is several hops
DEFERRALS_ATTRIBUTE = "gas_deferrals"  # how often a message was sent again to wait; handlers back off on it
# Messages acknowledged without a handler: S3 sends a test event when a notification is configured.
ACKNOWLEDGED = frozenset({S3TestEvent.TYPE})


@dataclass(frozen=True)
class Delivery:
    """Which delivery of its message a handler is running: on the last one, a failure dead-letters it."""

    attempt: int
    max_receives: int
    deferrals: int = 0  # times this message was deferred before (see Deferred)

    @property
    def last(self) -> bool:
        return self.attempt >= self.max_receives


# A frozen dataclass: the shared default cannot be changed in place.
_OUTSIDE = Delivery(1, 1_000_000)
_delivery: contextvars.ContextVar[Delivery] = contextvars.ContextVar("gas_delivery", default=_OUTSIDE)


def delivery() -> Delivery:
    """The delivery the current handler runs for (valid inside a handler)."""
    return _delivery.get()


class PermanentError(Exception):
    """The message can never succeed as it is: move it to the dead-letter queue now."""


class RetryableError(Exception):
    """A passing condition: put the message back and try again after a backoff."""


class Deferred(Exception):
    """Not due yet: handle this message again in `seconds`.

    The consumer sends the body again with a delay and deletes this copy, rather than hiding it (visibility):
    every receive counts toward the redrive policy's maxReceiveCount, so waiting by visibility would
    dead-letter a message whose work is merely hours away (a Standard Glacier restore, a long retention).
    """

    def __init__(self, seconds: float, why: str):
        super().__init__(why)
        self.seconds = seconds


def recheck_delay(base: float, deferrals: int, rng: random.Random | None = None) -> float:
    """How long to defer work that is still not due: base, doubling with each deferral, at most one hop."""
    ceiling = min(float(MAX_DELAY), base * 2.0 ** max(0, deferrals))
    return (rng or random).uniform(0.8, 1.0) * ceiling  # jitter: many jobs deferred together spread out


@dataclass
class Backoff:
    """Exponential backoff with full jitter, in whole seconds (SQS visibility is an integer)."""

    base: float = 2.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> int:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return max(1, min(MAX_VISIBILITY, round(self.rng.uniform(ceiling / 2, ceiling))))


@dataclass
class _InFlight:
    message: dict[str, Any]
    started: float


class Consumer:
    """Consumes one queue; `handlers` maps each payload class this queue carries to its handler."""

    def __init__(
        self,
        aws: Aws,
        queue_name: str,
        handlers: Mapping[type[Payload], Handler],
        *,
        concurrency: int,
        visibility_timeout: int,
        wait_time: int,
        drain_seconds: float,
        backoff: Backoff | None = None,
    ):
        self._sqs = aws.client("sqs")
        self.queue_name = queue_name
        self._handlers = {model.TYPE: handler for model, handler in handlers.items()}
        self._concurrency = concurrency
        self._visibility = visibility_timeout
        self._wait = wait_time
        self._drain = drain_seconds
        self._backoff = backoff or Backoff()
        self._slots = threading.Semaphore(concurrency)
        self._work: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._inflight: dict[str, _InFlight] = {}
        self._inflight_changed = threading.Condition()
        self._url: str | None = None
        self._dlq_url: str | None = None
        self._redrive_policy: dict[str, Any] | None = None
        self.last_poll = time.monotonic()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self, stop: threading.Event) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, args=(stop,), name=f"consumer-{self.queue_name}")
        self._thread.start()
        return self._thread

    @property
    def alive(self) -> bool:
        """The loop thread runs and has polled recently (a hung poll is not alive)."""
        stale_after = self._wait + 60 + self._backoff.cap
        return (
            self._thread is not None
            and self._thread.is_alive()
            and time.monotonic() - self.last_poll < stale_after
        )

    def run(self, stop: threading.Event) -> None:
        """Receive until `stop` is set, then drain: finish or release what is in hand."""
        for i in range(self._concurrency):
            # Daemon threads: a handler still running after the drain window must not hold up exit.
            threading.Thread(target=self._work_loop, name=f"{self.queue_name}-{i}", daemon=True).start()
        heartbeat = threading.Thread(target=self._heartbeat_loop, args=(stop,), daemon=True)
        heartbeat.start()
        failures = 0
        while not stop.is_set():
            if not self._slots.acquire(timeout=1):
                self.last_poll = time.monotonic()  # busy, not hung
                continue
            taken = 1
            while taken < min(MAX_BATCH, self._concurrency) and self._slots.acquire(blocking=False):
                taken += 1
            try:
                messages = self._receive(taken)
                failures = 0
            except Exception as e:
                failures += 1
                self._release_slots(taken)
                delay = self._backoff.delay(failures) if is_transient(e) else self._backoff.cap
                log.warning("receive from %s failed (%s); again in %ss", self.queue_name, e, delay)
                stop.wait(min(delay, 10))
                continue
            finally:
                self.last_poll = time.monotonic()
            self._release_slots(taken - len(messages))
            for message in messages:
                if stop.is_set():
                    self._set_visibility(message, 0)  # not started: hand it straight back
                    self._slots.release()
                    continue
                with self._inflight_changed:
                    self._inflight[message["MessageId"]] = _InFlight(message, time.monotonic())
                self._work.put(message)
        self._drain_inflight()

    def _release_slots(self, n: int) -> None:
        for _ in range(n):
            self._slots.release()

    def _drain_inflight(self) -> None:
        deadline = time.monotonic() + self._drain
        with self._inflight_changed:
            while self._inflight and time.monotonic() < deadline:
                self._inflight_changed.wait(timeout=max(0.0, deadline - time.monotonic()))
            left = list(self._inflight.values())
        for item in left:
            # Visibility 0 lets another worker take it at once; handlers are idempotent, so redoing is safe.
            log.warning("releasing unfinished message %s", item.message["MessageId"])
            self._set_visibility(item.message, 0)
        log.info("consumer of %s stopped (%d released)", self.queue_name, len(left))

    # -- SQS calls -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self._sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        return self._url

    def _receive(self, n: int) -> list[dict[str, Any]]:
        answer = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=n,
            WaitTimeSeconds=self._wait,
            VisibilityTimeout=self._visibility,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def _set_visibility(self, message: dict[str, Any], seconds: int) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
            )
        except Exception as e:  # the message reappears when its visibility runs out anyway
            log.warning("could not change visibility of %s: %s", message["MessageId"], e)

    def _delete(self, message: dict[str, Any]) -> None:
        try:
            self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as e:  # redelivery is harmless: every effect is idempotent
            log.warning("could not delete %s: %s", message["MessageId"], e)

    def _redrive(self) -> dict[str, Any]:
        """The queue's redrive policy (dead-letter target, maxReceiveCount), read once."""
        if self._redrive_policy is None:
            attrs = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["RedrivePolicy"])
            self._redrive_policy = dict(json.loads(attrs["Attributes"]["RedrivePolicy"]))
        return self._redrive_policy

    def _dead_letter_url(self) -> str:
        if self._dlq_url is None:
            dlq_name = self._redrive()["deadLetterTargetArn"].rsplit(":", 1)[-1]
            self._dlq_url = self._sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
        return self._dlq_url

    def _dead_letter(self, message: dict[str, Any], reason: str) -> None:
        """Move to the DLQ now, with the reason beside it; if that fails, redrive will get it there."""
        attributes = sendable_attributes(message.get("MessageAttributes", {}))
        attributes["gas_dead_letter_reason"] = {
            "DataType": "String", "StringValue": reason[:MAX_ATTRIBUTE_TEXT] or "unknown",
        }
        attributes["gas_source_queue"] = {"DataType": "String", "StringValue": self.queue_name}
        try:
            self._sqs.send_message(
                QueueUrl=self._dead_letter_url(), MessageBody=message["Body"], MessageAttributes=attributes
            )
        except Exception as e:
            log.error("could not dead-letter %s (%s); leaving it to the redrive policy", message["MessageId"], e)
            return
        self._delete(message)

    # -- handling ------------------------------------------------------------------------------------

    def _work_loop(self) -> None:
        while True:
            message = self._work.get()
            if message is None:
                return
            try:
                self._process(message)
            finally:
                with self._inflight_changed:
                    self._inflight.pop(message["MessageId"], None)
                    self._inflight_changed.notify_all()
                self._slots.release()

    def _process(self, message: dict[str, Any]) -> None:
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        with logs.bound(sqs_message_id=message["MessageId"], queue=self.queue_name, attempt=attempt):
            try:
                envelope = decode(message["Body"])
            except MessageDecodeError as e:
                log.error("poison message (id %s) to the dead-letter queue: %s", e.message_id, e)
                self._dead_letter(message, f"undecodable: {e}")
                return
            with logs.bound(correlation_id=envelope.correlation_id, message_id=envelope.id, type=envelope.type):
                self._handle(message, envelope, attempt)

    def _handle(self, message: dict[str, Any], envelope: Envelope[Payload], attempt: int) -> None:
        if envelope.type in ACKNOWLEDGED:
            self._delete(message)
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            log.error("no handler for %s on %s", envelope.type, self.queue_name)
            self._dead_letter(message, f"no handler for {envelope.type} on {self.queue_name}")
            return
        started = time.monotonic()
        try:
            max_receives = int(self._redrive().get("maxReceiveCount", 1_000_000))
        except Exception:  # unknown: never claim a delivery is the last
            max_receives = 1_000_000
        deferrals = _deferrals(message)
        token = _delivery.set(Delivery(attempt, max_receives, deferrals))
        try:
            handler(envelope.data)
        except Deferred as e:
            self._defer(message, e.seconds, deferrals + 1, str(e))
        except PermanentError as e:
            log.error("permanent failure, to the dead-letter queue: %s", e)
            self._dead_letter(message, f"permanent: {e}")
        except Exception as e:
            delay = self._backoff.delay(attempt)
            if isinstance(e, RetryableError) or is_transient(e):
                log.warning("retryable failure (attempt %d), again in %ss: %s", attempt, delay, e)
            else:
                log.exception("unexpected failure (attempt %d), again in %ss", attempt, delay)
            self._set_visibility(message, delay)
        else:
            self._delete(message)
            log.info("handled %s in %.3fs", envelope.type, time.monotonic() - started)
        finally:
            _delivery.reset(token)

    def _defer(self, message: dict[str, Any], seconds: float, deferrals: int, why: str) -> None:
        """Send the body again, delayed, then delete this copy; if the send fails, retry by visibility."""
        delay = max(0, min(MAX_DELAY, round(seconds)))
        attributes = sendable_attributes(message.get("MessageAttributes", {}))
        attributes[DEFERRALS_ATTRIBUTE] = {"DataType": "Number", "StringValue": str(deferrals)}
        try:
            self._sqs.send_message(QueueUrl=self.url, MessageBody=message["Body"], DelaySeconds=delay,
                                   MessageAttributes=attributes)
        except Exception as e:
            log.warning("could not defer %s (%s); retrying it by visibility", message["MessageId"], e)
            self._set_visibility(message, self._backoff.delay(1))
            return
        # A crash between the send and this delete leaves two copies: harmless, every handler is idempotent.
        self._delete(message)
        log.info("deferred for %ss (deferral %d): %s", delay, deferrals, why)

    def _heartbeat_loop(self, stop: threading.Event) -> None:
        """Keep long work invisible: extend every in-flight message well before its visibility ends."""
        interval = max(1.0, self._visibility / 3)
        while True:
            time.sleep(interval)
            with self._inflight_changed:
                due = [i.message for i in self._inflight.values() if time.monotonic() - i.started >= interval]
            for start in range(0, len(due), MAX_BATCH):
                batch = due[start : start + MAX_BATCH]
                try:
                    self._sqs.change_message_visibility_batch(
                        QueueUrl=self.url,
                        Entries=[
                            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self._visibility}
                            for n, m in enumerate(batch)
                        ],
                    )
                except Exception as e:
                    log.warning("visibility heartbeat failed: %s", e)
            if stop.is_set() and not due:
                return


def sendable_attributes(received: Mapping[str, Any]) -> dict[str, Any]:
    """Received message attributes as SendMessage takes them (it rejects the list fields receive adds)."""
    return {name: {k: v for k, v in attr.items() if k not in ("StringListValues", "BinaryListValues")}
            for name, attr in received.items()}


def _deferrals(message: Mapping[str, Any]) -> int:
    value = message.get("MessageAttributes", {}).get(DEFERRALS_ATTRIBUTE, {}).get("StringValue", "0")
    try:
        return max(0, int(value))
    except ValueError:
        return 0
