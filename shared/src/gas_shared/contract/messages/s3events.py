"""Turns S3 event notifications (which S3, not GAS, writes) into envelopes."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote_plus

from ..times import now
from .envelope import Envelope, Payload
from .payloads import ObjectRestored, S3TestEvent

SOURCE = "aws.s3"


def is_s3_notification(body: Any) -> bool:
    return isinstance(body, dict) and (
        "Records" in body or body.get("Event") == "s3:TestEvent"
    )


def to_envelope(body: dict[str, Any]) -> Envelope[Payload]:
    """Adapt one S3 notification; raises ValueError/KeyError on a shape S3 does not send."""
    if body.get("Event") == "s3:TestEvent":
        payload: Payload = S3TestEvent(bucket=str(body.get("Bucket", "")))
        return Envelope[Payload](
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"s3-test:{body.get('RequestId', '')}"),
            type=payload.TYPE, version=1, source=SOURCE, time=now(),
            correlation_id=payload.correlation_id(), data=payload,
        )
    records = body["Records"]
    if not isinstance(records, list) or len(records) != 1:
        # S3 writes one record per notification; anything else is not from S3.
        raise ValueError(f"expected exactly one S3 record, got {len(records) if isinstance(records, list) else 0}")
    record = records[0]
    if record.get("eventSource") != "aws:s3":
        raise ValueError(f"eventSource is {record.get('eventSource')!r}, not 'aws:s3'")
    name = str(record.get("eventName", ""))
    if not name.startswith("ObjectRestore:Completed"):
        raise ValueError(f"unexpected S3 event {name!r}")
    s3 = record["s3"]
    # S3 URL-encodes keys in notifications with '+' for spaces: always unquote_plus.
    key = unquote_plus(s3["object"]["key"])
    payload = ObjectRestored(bucket=s3["bucket"]["name"], key=key, event_time=record["eventTime"])
    sequencer = s3["object"].get("sequencer", record["eventTime"])
    return Envelope[Payload](
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"s3:{payload.bucket}/{key}/{sequencer}"),
        type=payload.TYPE, version=1, source=SOURCE, time=payload.event_time,
        correlation_id=key, data=payload,
    )
