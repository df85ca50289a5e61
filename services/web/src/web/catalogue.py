"""What changes rarely and is read on every page, read at most every few seconds: the installed reference
bundles, the annotate queue's depth, and the job summaries (a result key is written once, never changed)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from gas_shared.contract.bundle import Manifest
from gas_shared.runtime.aws import Aws

from .objects import Objects

T = TypeVar("T")
SUMMARIES_KEPT = 256  # summaries held in memory per process (each at most a few hundred KB)
SUMMARY_LIMIT = 16 * 1024 * 1024


class Cached(Generic[T]):
    """A value read at most every `seconds`."""

    def __init__(self, seconds: float, read: Callable[[], T]):
        self.seconds = seconds
        self._read = read
        self._value: T | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.seconds:
                self._value, self._at = self._read(), time.monotonic()
            return self._value


class Catalogue:
    """The reference bundles users may pick."""

    def __init__(self, read: Callable[[], list[Manifest]], seconds: float = 30):
        self._list = Cached(seconds, read)

    def references(self) -> list[Manifest]:
        return list(self._list.get())

    def reference(self, reference_id: str) -> Manifest | None:
        return next((m for m in self.references() if m.id == reference_id), None)


class QueueDepth:
    """Jobs waiting for an annotator (SQS's approximate count, read at most every few seconds)."""

    def __init__(self, aws: Aws, queue_name: str, seconds: float = 3):
        def read() -> int:
            sqs = aws.client("sqs")
            url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            return int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        self._depth = Cached(seconds, read)

    def __call__(self) -> int:
        return self._depth.get()


class Summaries:
    """Jobs' summary.json documents, kept in memory once read: the job page's live panel asks for one every
    few seconds during the Free countdown."""

    def __init__(self, results: Objects):
        self._results = results
        self._kept: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            if key in self._kept:
                return self._kept[key]
        text = self._results.read_text(key, limit=SUMMARY_LIMIT)
        found = json.loads(text) if text else None
        if found is not None:
            with self._lock:
                if len(self._kept) >= SUMMARIES_KEPT:
                    self._kept.pop(next(iter(self._kept)))  # the oldest read goes first
                self._kept[key] = found
        return found
