"""An in-memory SQS for the consumer loop's unit tests: visibility, receive counts and a DLQ."""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class _Message:
    id: str
    body: str
    attributes: dict[str, Any]
    visible_at: float = 0.0
    receives: int = 0
    handle: str = ""


@dataclass
class FakeSqs:
    queues: dict[str, list[_Message]] = field(default_factory=lambda: {"work": [], "work-dlq": []})
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ids: Any = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, queue: str, body: str, attributes: dict[str, Any] | None = None) -> None:
        with self._lock:
            self.queues[queue].append(_Message(f"m{next(self._ids)}", body, attributes or {}))

    def _find(self, handle: str) -> tuple[str, _Message]:
        for name, messages in self.queues.items():
            for m in messages:
                if m.handle == handle:
                    return name, m
        raise KeyError(handle)

    # -- the boto3 SQS client methods the consumer uses --
    def get_queue_url(self, QueueName):
        return {"QueueUrl": QueueName}

    def get_queue_attributes(self, QueueUrl, AttributeNames):
        target = f"arn:aws:sqs:us-east-1:123456789012:{QueueUrl}-dlq"
        return {"Attributes": {"RedrivePolicy": json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 5})}}

    def receive_message(self, QueueUrl, MaxNumberOfMessages, WaitTimeSeconds, VisibilityTimeout, **_):
        self.calls.append(("receive", {"n": MaxNumberOfMessages}))
        deadline = time.monotonic() + min(WaitTimeSeconds, 0.2)
        while True:
            with self._lock:
                now = time.monotonic()
                ready = [m for m in self.queues[QueueUrl] if m.visible_at <= now][:MaxNumberOfMessages]
                for m in ready:
                    m.receives += 1
                    m.visible_at = now + VisibilityTimeout
                    m.handle = f"{m.id}-r{m.receives}"
            if ready or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        return {"Messages": [
            {"MessageId": m.id, "ReceiptHandle": m.handle, "Body": m.body, "MessageAttributes": m.attributes,
             "Attributes": {"ApproximateReceiveCount": str(m.receives)}} for m in ready
        ]}

    def delete_message(self, QueueUrl, ReceiptHandle):
        with self._lock:
            self.calls.append(("delete", {"handle": ReceiptHandle}))
            self.queues[QueueUrl] = [m for m in self.queues[QueueUrl] if m.handle != ReceiptHandle]

    def change_message_visibility(self, QueueUrl, ReceiptHandle, VisibilityTimeout):
        with self._lock:
            self.calls.append(("visibility", {"handle": ReceiptHandle, "seconds": VisibilityTimeout}))
            _, m = self._find(ReceiptHandle)
            m.visible_at = time.monotonic() + VisibilityTimeout

    def change_message_visibility_batch(self, QueueUrl, Entries):
        self.calls.append(("heartbeat", {"n": len(Entries)}))
        for e in Entries:
            self.change_message_visibility(QueueUrl, e["ReceiptHandle"], e["VisibilityTimeout"])

    def send_message(self, QueueUrl, MessageBody, MessageAttributes=None, DelaySeconds=0):
        self.calls.append(("send", {"queue": QueueUrl, "delay": DelaySeconds}))
        self.send(QueueUrl, MessageBody, MessageAttributes)
        if DelaySeconds:
            with self._lock:
                self.queues[QueueUrl][-1].visible_at = time.monotonic() + DelaySeconds


class FakeAws:
    def __init__(self, sqs: FakeSqs):
        self.sqs = sqs

    def client(self, name, probe=False):
        assert name == "sqs"
        return self.sqs


@pytest.fixture
def sqs() -> FakeSqs:
    return FakeSqs()


@pytest.fixture
def fake_aws(sqs) -> FakeAws:
    return FakeAws(sqs)
