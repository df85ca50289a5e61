"""The receive loop: long polls in batches, a bounded pool of handler threads, a drain on stop."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ...contract.messages import Envelope, MessageDecodeError, Payload, S3TestEvent, decode
from .. import logs
from ..aws import Aws, is_transient
from . import deliveries
from .heartbeat import InFlightSet, heartbeat
from .outcomes import Action, Backoff, action_for
from .sqs import MAX_BATCH, MAX_DELAY, Message, WorkQueue, attempt_of, deferrals_of

log = logging.getLogger(__name__)

# A plain function of the typed payload; it never sees SQS.
Handler = Callable[[Any], None]

# Messages acknowledged without a handler: S3 sends a test event when a notification is configured.
ACKNOWLEDGED = frozenset({S3TestEvent.TYPE})


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
        self.queue = WorkQueue(aws, queue_name)
        self.queue_name = queue_name
        self._handlers = {model.TYPE: handler for model, handler in handlers.items()}
        self._concurrency = concurrency
        self._visibility = visibility_timeout
        self._wait = wait_time
        self._drain = drain_seconds
        self._backoff = backoff or Backoff()
        self._slots = threading.Semaphore(concurrency)
        self._work: queue.Queue[Message] = queue.Queue()
        self._inflight = InFlightSet()
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
        threading.Thread(target=heartbeat, args=(self.queue, self._inflight, self._visibility, stop),
                         name=f"heartbeat-{self.queue_name}", daemon=True).start()
        failures = 0
        while not stop.is_set():
            if not self._slots.acquire(timeout=1):
                self.last_poll = time.monotonic()  # busy, not hung
                continue
            taken = 1
            # One at a time from a FIFO queue: a receive may return several messages of one group, which would
            # then run side by side, and one-at-a-time per group is what FIFO is there for.
            batch = 1 if self.queue.fifo else min(MAX_BATCH, self._concurrency)
            while taken < batch and self._slots.acquire(blocking=False):
                taken += 1
            try:
                messages = self.queue.receive(taken, self._wait, self._visibility)
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
                    self.queue.set_visibility(message, 0)  # not started: hand it straight back
                    self._slots.release()
                    continue
                self._inflight.add(message)
                self._work.put(message)
        self._drain_inflight()

    def _release_slots(self, n: int) -> None:
        for _ in range(n):
            self._slots.release()

    def _drain_inflight(self) -> None:
        left = self._inflight.wait_empty(time.monotonic() + self._drain)
        for item in left:
            log.warning("releasing unfinished message %s", item.message["MessageId"])
            if item.delivery is not None:
                item.delivery.released()  # e.g. the job's lease, so the next worker starts at once
            self._hand_back(item.message)
        log.info("consumer of %s stopped (%d released)", self.queue_name, len(left))

    def _hand_back(self, message: Message) -> None:
        """Another worker may take it at once. Sent again rather than made visible: a stop is not the
        message's failure, and every receive counts toward the dead-letter limit, so a few rolling
        restarts must not dead-letter work they interrupted. Handlers are idempotent: redoing is safe."""
        try:
            self.queue.send_again(message, 0, deferrals_of(message))
        except Exception as e:
            log.warning("could not send %s again (%s); making it visible instead", message["MessageId"], e)
            self.queue.set_visibility(message, 0)
            return
        self.queue.delete(message)

    # -- handling ------------------------------------------------------------------------------------

    def _work_loop(self) -> None:
        while True:
            message = self._work.get()
            try:
                self._process(message)
            finally:
                self._inflight.finish(message)
                self._slots.release()

    def _process(self, message: Message) -> None:
        attempt = attempt_of(message)
        with logs.bound(sqs_message_id=message["MessageId"], queue=self.queue_name, attempt=attempt):
            try:
                envelope = decode(message["Body"])
            except MessageDecodeError as e:
                log.error("poison message (id %s) to the dead-letter queue: %s", e.message_id, e)
                self.queue.dead_letter(message, f"undecodable: {e}")
                return
            with logs.bound(correlation_id=envelope.correlation_id, message_id=envelope.id, type=envelope.type):
                self._handle(message, envelope, attempt)

    def _handle(self, message: Message, envelope: Envelope[Payload], attempt: int) -> None:
        if envelope.type in ACKNOWLEDGED:
            self.queue.delete(message)
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            log.error("no handler for %s on %s", envelope.type, self.queue_name)
            self.queue.dead_letter(message, f"no handler for {envelope.type} on {self.queue_name}")
            return
        started = time.monotonic()
        deferrals = deferrals_of(message)
        now = deliveries.Delivery(attempt, self.queue.max_receives(), deferrals, undo=[])
        self._inflight.attach(message, now)
        token = deliveries.current.set(now)
        error: BaseException | None = None
        try:
            handler(envelope.data)
        except Exception as e:
            error = e
        finally:
            deliveries.current.reset(token)
        self._settle(message, envelope, attempt, deferrals, error, started)

    def _settle(self, message: Message, envelope: Envelope[Payload], attempt: int, deferrals: int,
                error: BaseException | None, started: float) -> None:
        action = action_for(error)
        if action is Action.DELETE:
            self.queue.delete(message)
            log.info("handled %s in %.3fs", envelope.type, time.monotonic() - started)
        elif action is Action.DEFER:
            assert isinstance(error, deliveries.Deferred)
            self._defer(message, error.seconds, deferrals + 1, str(error))
        elif action is Action.DEAD_LETTER:
            log.error("permanent failure, to the dead-letter queue: %s", error)
            self.queue.dead_letter(message, f"permanent: {error}")
        else:
            delay = self._backoff.delay(attempt)
            if action is Action.RETRY:
                log.warning("retryable failure (attempt %d), again in %ss: %s", attempt, delay, error)
            else:
                log.error("unexpected failure (attempt %d), again in %ss", attempt, delay, exc_info=error)
            self.queue.set_visibility(message, delay)

    def _defer(self, message: Message, seconds: float, deferrals: int, why: str) -> None:
        """Send the body again, delayed, then delete this copy; if the send fails, retry by visibility."""
        delay = max(0, min(MAX_DELAY, round(seconds)))
        if delay and self.queue.fifo and attempt_of(message) < self.queue.max_receives() - 1:
            # No per-message delay on FIFO: wait invisible, keeping the message's place in its group. That
            # counts as a receive, so before the redrive policy would take it, a fresh copy goes instead
            # (sent again below, undelayed: it waits its turn at the end of its group).
            self.queue.set_visibility(message, delay)
            log.info("deferred for %ss by visibility: %s", delay, why)
            return
        if self.queue.fifo:
            delay = 0
        try:
            self.queue.send_again(message, delay, deferrals)
        except Exception as e:
            log.warning("could not defer %s (%s); retrying it by visibility", message["MessageId"], e)
            self.queue.set_visibility(message, self._backoff.delay(1))
            return
        # A crash between the send and this delete leaves two copies: harmless, every handler is idempotent.
        self.queue.delete(message)
        log.info("deferred for %ss (deferral %d): %s", delay, deferrals, why)
