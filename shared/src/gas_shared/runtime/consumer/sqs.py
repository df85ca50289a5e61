"""The SQS operations of one work queue, and the attributes GAS adds to the messages it moves."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from ...contract.topology import FIFO
from ..aws import Aws

log = logging.getLogger(__name__)

MAX_BATCH = 10  # receive_message returns at most 10 messages a call
MAX_VISIBILITY = 43_200  # 12 h: the most change_message_visibility accepts
MAX_ATTRIBUTE_TEXT = 1_000  # keep the dead-letter reason well inside SQS's 256 KiB message limit
MAX_DELAY = 900  # SendMessage's DelaySeconds ceiling; a longer wait is several hops
UNKNOWN_MAX_RECEIVES = 1_000_000  # no redrive policy read: never claim a delivery is the last

# Attributes the consumer adds when it dead-letters or defers a message; the dead-letter tool drops them
# when it redrives, so a redriven message starts afresh.
DEAD_LETTER_REASON = "gas_dead_letter_reason"
SOURCE_QUEUE = "gas_source_queue"
DEFERRALS = "gas_deferrals"  # how often a message was sent again to wait; handlers back off on it
CONSUMER_ATTRIBUTES = (DEAD_LETTER_REASON, SOURCE_QUEUE, DEFERRALS)

Message = dict[str, Any]  # as receive_message returns it


def sendable_attributes(received: Mapping[str, Any]) -> dict[str, Any]:
    """Received message attributes as SendMessage takes them (it rejects the list fields receive adds)."""
    return {name: {k: v for k, v in attr.items() if k not in ("StringListValues", "BinaryListValues")}
            for name, attr in received.items()}


def fifo_fields(queue_name: str, message: Mapping[str, Any]) -> dict[str, str]:
    """What SendMessage needs to put a received message on `queue_name` if that queue is FIFO: the message's
    own group (so it keeps its place among its user's jobs) and a fresh deduplication id (the message is
    sent again on purpose; its first id would be dropped as a duplicate for 5 minutes)."""
    group = message.get("Attributes", {}).get("MessageGroupId") or message.get("MessageId", "gas")
    return fifo_send(queue_name, group)


def fifo_send(queue: str, group: str) -> dict[str, str]:
    """SendMessage's FIFO fields for `queue` (a name or URL), none if it is a standard queue."""
    return {"MessageGroupId": group, "MessageDeduplicationId": uuid.uuid4().hex} if queue.endswith(FIFO) else {}


def attempt_of(message: Message) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))


def deferrals_of(message: Mapping[str, Any]) -> int:
    value = message.get("MessageAttributes", {}).get(DEFERRALS, {}).get("StringValue", "0")
    try:
        return max(0, int(value))
    except ValueError:
        return 0


class WorkQueue:
    """One queue by name; its URL, redrive policy and dead-letter queue are looked up once."""

    def __init__(self, aws: Aws, name: str):
        self._sqs = aws.client("sqs")
        self.name = name
        self._url: str | None = None
        self._dlq_url: str | None = None
        self._redrive_policy: dict[str, Any] | None = None

    @property
    def fifo(self) -> bool:
        """A FIFO queue takes no per-message delay: a wait is spent invisible instead."""
        return self.name.endswith(FIFO)

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self._sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
        return self._url

    def receive(self, n: int, wait: int, visibility: int) -> list[Message]:
        answer = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=n,
            WaitTimeSeconds=wait,
            VisibilityTimeout=visibility,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def set_visibility(self, message: Message, seconds: int) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
            )
        except Exception as e:  # the message reappears when its visibility runs out anyway
            log.warning("could not change visibility of %s: %s", message["MessageId"], e)

    def extend(self, messages: list[Message], seconds: int) -> None:
        """Keep several messages invisible for `seconds` more, MAX_BATCH to a call."""
        for start in range(0, len(messages), MAX_BATCH):
            batch = messages[start : start + MAX_BATCH]
            try:
                self._sqs.change_message_visibility_batch(QueueUrl=self.url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": seconds}
                    for n, m in enumerate(batch)
                ])
            except Exception as e:
                log.warning("visibility heartbeat failed: %s", e)

    def delete(self, message: Message) -> None:
        try:
            self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as e:  # redelivery is harmless: every effect is idempotent
            log.warning("could not delete %s: %s", message["MessageId"], e)

    def max_receives(self) -> int:
        """The redrive policy's maxReceiveCount, read once."""
        try:
            return int(self._redrive().get("maxReceiveCount", UNKNOWN_MAX_RECEIVES))
        except Exception:
            return UNKNOWN_MAX_RECEIVES

    def _redrive(self) -> dict[str, Any]:
        if self._redrive_policy is None:
            attrs = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["RedrivePolicy"])
            self._redrive_policy = dict(json.loads(attrs["Attributes"]["RedrivePolicy"]))
        return self._redrive_policy

    def _dead_letter_url(self) -> str:
        if self._dlq_url is None:
            self._dlq_url = self._sqs.get_queue_url(QueueName=self._dead_letter_name())["QueueUrl"]
        return self._dlq_url

    def _dead_letter_name(self) -> str:
        return str(self._redrive()["deadLetterTargetArn"]).rsplit(":", 1)[-1]

    def dead_letter(self, message: Message, reason: str) -> None:
        """Move to the DLQ now, with the reason beside it; if that fails, redrive will get it there."""
        attributes = sendable_attributes(message.get("MessageAttributes", {}))
        attributes[DEAD_LETTER_REASON] = {
            "DataType": "String", "StringValue": reason[:MAX_ATTRIBUTE_TEXT] or "unknown",
        }
        attributes[SOURCE_QUEUE] = {"DataType": "String", "StringValue": self.name}
        try:
            self._sqs.send_message(
                QueueUrl=self._dead_letter_url(), MessageBody=message["Body"], MessageAttributes=attributes,
                **fifo_fields(self._dead_letter_name(), message),
            )
        except Exception as e:
            log.error("could not dead-letter %s (%s); leaving it to the redrive policy", message["MessageId"], e)
            return
        self.delete(message)

    def send_again(self, message: Message, delay: int, deferrals: int) -> None:
        """The same body, delayed (not on a FIFO queue), with `deferrals` recorded on it; raises if the send
        fails."""
        assert not (delay and self.fifo), "a FIFO queue takes no per-message delay"
        attributes = sendable_attributes(message.get("MessageAttributes", {}))
        attributes[DEFERRALS] = {"DataType": "Number", "StringValue": str(deferrals)}
        timing: dict[str, Any] = {**fifo_fields(self.name, message)} or {"DelaySeconds": delay}
        self._sqs.send_message(QueueUrl=self.url, MessageBody=message["Body"], MessageAttributes=attributes,
                               **timing)
