"""The dead-letter queues, for operators: how many messages each holds, and moving them back to be redone.

Redriving is safe at any time: every handler is idempotent, so a message whose effect already happened is
acknowledged without repeating it. Fix the cause first (a bug, a missing reference, an outage), then redrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gas_shared.contract.topology import QUEUES, Names
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.consumer.sqs import (
    CONSUMER_ATTRIBUTES,
    DEAD_LETTER_REASON,
    MAX_BATCH,
    fifo_fields,
    sendable_attributes,
)


@dataclass(frozen=True)
class Depth:
    queue: str
    waiting: int  # visible in the work queue
    dead: int  # in its dead-letter queue


class DeadLetters:
    def __init__(self, aws: Aws, names: Names):
        self._sqs = aws.client("sqs")
        self._names = names

    def _url(self, name: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=name)["QueueUrl"])

    def _visible(self, name: str) -> int:
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._url(name),
                                                    AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def depths(self) -> list[Depth]:
        return [Depth(q.key, self._visible(self._names.queue(q.key)), self._visible(self._names.dlq(q.key)))
                for q in QUEUES]

    def peek(self, key: str, limit: int = 10) -> list[dict[str, Any]]:
        """Up to `limit` dead letters with their reason, left in place and visible again at once."""
        url = self._url(self._names.dlq(key))
        answer = self._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(MAX_BATCH, limit),
                                           VisibilityTimeout=30, MessageAttributeNames=["All"], WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        for m in messages:
            self._sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        return [{"id": m["MessageId"], "body": m["Body"],
                 "reason": m.get("MessageAttributes", {}).get(DEAD_LETTER_REASON, {}).get("StringValue")}
                for m in messages]

    def redrive(self, key: str, limit: int | None = None) -> int:
        """Move dead letters of queue `key` back to it (at most `limit`); the number moved.

        Each is sent before it is deleted, so a failure in between leaves a copy in both: harmless.
        """
        source_name = self._names.queue(key)
        source, dlq = self._url(source_name), self._url(self._names.dlq(key))
        moved = 0
        while limit is None or moved < limit:
            want = MAX_BATCH if limit is None else min(MAX_BATCH, limit - moved)
            answer = self._sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=want, VisibilityTimeout=60,
                                               MessageAttributeNames=["All"], WaitTimeSeconds=1,
                                               MessageSystemAttributeNames=["MessageGroupId"])
            messages = answer.get("Messages", [])
            if not messages:
                break
            for message in messages:
                attributes = {name: attr for name, attr in
                              sendable_attributes(message.get("MessageAttributes", {})).items()
                              if name not in CONSUMER_ATTRIBUTES}
                self._sqs.send_message(QueueUrl=source, MessageBody=message["Body"],
                                       **({"MessageAttributes": attributes} if attributes else {}),
                                       **fifo_fields(source_name, message))
                self._sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved
