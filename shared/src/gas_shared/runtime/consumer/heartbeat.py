"""Keeps long work invisible: every in-flight message is extended well before its visibility ends."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .deliveries import Delivery
from .sqs import Message, WorkQueue


@dataclass
class InFlight:
    message: Message
    started: float
    delivery: Delivery | None = None  # set once its handler starts


class InFlightSet:
    """The messages being handled, by id; waiters are told when one finishes."""

    def __init__(self) -> None:
        self._items: dict[str, InFlight] = {}
        self.changed = threading.Condition()

    def add(self, message: Message) -> None:
        with self.changed:
            self._items[message["MessageId"]] = InFlight(message, time.monotonic())

    def attach(self, message: Message, delivery: Delivery) -> None:
        with self.changed:
            if (item := self._items.get(message["MessageId"])) is not None:
                item.delivery = delivery

    def finish(self, message: Message) -> None:
        with self.changed:
            self._items.pop(message["MessageId"], None)
            self.changed.notify_all()

    def older_than(self, seconds: float) -> list[Message]:
        with self.changed:
            return [i.message for i in self._items.values() if time.monotonic() - i.started >= seconds]

    def wait_empty(self, until: float) -> list[InFlight]:
        """Wait until none is left or the monotonic deadline passes; those still in hand."""
        with self.changed:
            while self._items and time.monotonic() < until:
                self.changed.wait(timeout=max(0.0, until - time.monotonic()))
            return list(self._items.values())


def heartbeat(queue: WorkQueue, inflight: InFlightSet, visibility: int, stop: threading.Event) -> None:
    """Run until `stop` is set and nothing is left in flight."""
    interval = max(1.0, visibility / 3)
    while True:
        time.sleep(interval)
        due = inflight.older_than(interval)
        queue.extend(due, visibility)
        if stop.is_set() and not due:
            return
