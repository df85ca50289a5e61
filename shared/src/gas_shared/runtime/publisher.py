"""Publishes messages to their SNS topic with the attributes that subscriptions filter on."""

from __future__ import annotations

import logging
import uuid

from ..contract.messages import Envelope, Payload, encode, new_message
from ..contract.topology import FIFO_TOPICS, Names
from .aws import Aws

log = logging.getLogger(__name__)


class Publisher:
    """One per process; `source` is the publishing service's name."""

    def __init__(self, aws: Aws, names: Names, source: str):
        self._aws = aws
        self._names = names
        self.source = source

    def topic_arn(self, topic: str) -> str:
        return self._aws.arn("sns", self._names.topic(topic))

    def publish(self, payload: Payload, *, message_id: uuid.UUID | None = None,
                group: str | None = None) -> Envelope[Payload]:
        """`group`: the message group on a FIFO topic, if not the payload's own (a standard topic takes none)."""
        message = new_message(payload, source=self.source, message_id=message_id)
        fifo: dict[str, str] = {}
        if payload.TOPIC in FIFO_TOPICS:
            group = group or payload.message_group()
            if not group:
                raise ValueError(f"{message.type} goes to a FIFO topic: it needs a message group")
            # Deduplicated by the message id: a republish (same id) within SQS's 5-minute window is dropped.
            fifo = {"MessageGroupId": group, "MessageDeduplicationId": str(message.id)}
        attributes = {
            "type": {"DataType": "String", "StringValue": message.type},
            "version": {"DataType": "Number", "StringValue": str(message.version)},
        }
        for name in payload.ROUTING:
            attributes[name] = {"DataType": "String", "StringValue": str(getattr(payload, name))}
        self._aws.client("sns").publish(
            TopicArn=self.topic_arn(payload.TOPIC), Message=encode(message), MessageAttributes=attributes, **fifo
        )
        log.info("published %s", message.type, extra={"message_id": str(message.id)})
        return message
