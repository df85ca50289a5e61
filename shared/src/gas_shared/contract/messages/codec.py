"""Decoding of SQS bodies into typed envelopes; every problem is gathered into one error."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from . import s3events
from .envelope import Envelope, Payload
from .registry import REGISTRY, Registry

MAX_BODY_BYTES = 256 * 1024  # SQS's own message size limit


class MessageDecodeError(ValueError):
    """A body that is not a valid GAS message: a poison pill, never retried."""

    def __init__(self, problems: list[str], message_id: str | None = None, type_: str | None = None):
        self.problems = problems
        self.message_id = message_id
        self.type = type_
        super().__init__("; ".join(problems))


def _problems(error: ValidationError, prefix: str = "") -> list[str]:
    return [
        f"{prefix}{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()
    ]


def decode(body: str | bytes, registry: Registry = REGISTRY) -> Envelope[Payload]:
    """Parse, validate and upgrade a message to the current version of its type."""
    if len(body) > MAX_BODY_BYTES:
        raise MessageDecodeError([f"body is {len(body)} bytes, larger than {MAX_BODY_BYTES}"])
    try:
        raw: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise MessageDecodeError([f"not JSON: {e}"]) from None
    if s3events.is_s3_notification(raw):
        try:
            return s3events.to_envelope(raw)
        except (KeyError, TypeError, ValueError) as e:
            raise MessageDecodeError([f"not a valid S3 notification: {e!r}"]) from None
    if not isinstance(raw, dict):
        raise MessageDecodeError([f"expected a JSON object, got {type(raw).__name__}"])

    message_id = str(raw.get("id")) if "id" in raw else None
    problems: list[str] = []
    header: Envelope[Any] | None = None
    try:
        header = Envelope[Any].model_validate(raw)
    except ValidationError as e:
        problems += _problems(e)

    type_, version = raw.get("type"), raw.get("version")
    model = None
    if isinstance(type_, str) and isinstance(version, int):
        if registry.accepted(type_, version):
            model = registry.models[(type_, version)]
        else:
            current = registry.current_version(type_)
            problems.append(
                f"unknown message type {type_!r}" if current is None
                else f"{type_} version {version} not accepted (current is {current})"
            )
    data: Payload | None = None
    if model is not None:
        try:
            data = model.model_validate(raw.get("data"))
        except ValidationError as e:
            problems += _problems(e, "data.")
    if problems or header is None or data is None:
        raise MessageDecodeError(problems, message_id, type_ if isinstance(type_, str) else None)
    upgraded = registry.upgrade(data)
    return Envelope[Payload](
        id=header.id, type=header.type, version=upgraded.VERSION, source=header.source,
        time=header.time, correlation_id=header.correlation_id, data=upgraded,
    )
