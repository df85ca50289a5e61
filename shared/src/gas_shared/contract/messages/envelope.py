"""The CloudEvents-shaped envelope that every GAS message travels in."""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, SerializeAsAny

from ..times import now, wire_time

# Every time on the wire: RFC 3339, UTC, milliseconds ("2026-11-23T10:15:30.123Z").
Timestamp = Annotated[AwareDatetime, PlainSerializer(wire_time, return_type=str, when_used="json")]


class Payload(BaseModel):
    """Base of every typed payload: one subclass per message type and version."""

    # Unknown fields are ignored so that additive changes never break an older consumer.
    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[str]
    # Payload fields copied into SNS message attributes, so subscriptions can filter on them.
    ROUTING: ClassVar[tuple[str, ...]] = ()

    def correlation_id(self) -> str:
        """The job id when the message is about a job, else the user id."""
        for name in ("job_id", "user_id"):
            value = getattr(self, name, None)
            if value is not None:
                return str(value)
        raise NotImplementedError(f"{type(self).__name__} has no job_id or user_id")

    def message_group(self) -> str | None:
        """The FIFO message group, for a payload whose topic is FIFO."""
        return None


P = TypeVar("P", bound=BaseModel)


class Envelope(BaseModel, Generic[P]):
    """id, type, version, source, time, correlation_id and the typed data."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: uuid.UUID
    type: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=1)
    source: str = Field(min_length=1, max_length=100)
    time: Timestamp
    correlation_id: str = Field(min_length=1, max_length=200)
    data: SerializeAsAny[P]  # serialize the concrete payload class, not the declared base


def new_message(payload: Payload, *, source: str, message_id: uuid.UUID | None = None) -> Envelope[Payload]:
    """Wrap a payload; pass message_id to make a re-publish carry the same id as the first try."""
    return Envelope[Payload](
        id=message_id or uuid.uuid4(),
        type=payload.TYPE,
        version=payload.VERSION,
        source=source,
        time=now(),
        correlation_id=payload.correlation_id(),
        data=payload,
    )


def encode(message: Envelope[Payload]) -> str:
    """The JSON body published to SNS (and, with raw delivery, the SQS body)."""
    return message.model_dump_json()
