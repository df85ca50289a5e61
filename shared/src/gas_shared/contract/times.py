"""Every timestamp format GAS writes or reads, in one place.

Records (DynamoDB) store ISO 8601 in UTC with a `Z`, to the microsecond: it sorts as text, as the jobs
index's range key needs. Messages carry RFC 3339 in UTC to the millisecond.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC, to the millisecond (what the messages carry)."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def record_time(moment: datetime | None = None) -> str:
    """A timestamp as records store it: ISO 8601 in UTC with a Z."""
    return (moment or datetime.now(UTC)).isoformat().replace("+00:00", "Z")


def wire_time(moment: datetime) -> str:
    """A timestamp as messages carry it: RFC 3339, UTC, milliseconds ("2026-11-23T10:15:30.123Z")."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: object) -> datetime | None:
    """A stored or wire timestamp back as an aware datetime; None for nothing or for text that is not one."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch_seconds(text: str) -> float:
    """A stored timestamp as seconds since the epoch (ValueError if it is not one)."""
    parsed = parse_time(text)
    if parsed is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return parsed.timestamp()
