"""The job and user records as typed values, translated at the store boundary (`from_item` / `to_item`).

DynamoDB hands back numbers as Decimal and maps as plain dicts; nothing past the stores sees either. A record
read is frozen: a change is a conditional write through the store, which returns the record as it now is.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The one name for a user's plan (contract.plans), beside the records that carry it.
from ..contract.plans import FREE, PREMIUM, Plan

# Job states, and for a COMPLETED job where its results are (the `storage` attribute).
JobStatus: TypeAlias = Literal["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
PENDING: JobStatus = "PENDING"
RUNNING: JobStatus = "RUNNING"
COMPLETED: JobStatus = "COMPLETED"
FAILED: JobStatus = "FAILED"
CANCELLED: JobStatus = "CANCELLED"  # by its owner, while PENDING or RUNNING: no results, no e-mail
FINISHED: tuple[JobStatus, ...] = (COMPLETED, FAILED, CANCELLED)
Storage: TypeAlias = Literal["AVAILABLE", "ARCHIVING", "ARCHIVED", "RESTORING"]
AVAILABLE: Storage = "AVAILABLE"
ARCHIVING: Storage = "ARCHIVING"
ARCHIVED: Storage = "ARCHIVED"
RESTORING: Storage = "RESTORING"


# Once-only effects of a job, each marked on the record when done: the annotator's outcome message and
# e-mail (marked with a time), and the lifecycle's per archive cycle (marked with the cycle).
OnceMark: TypeAlias = Literal["announced_at", "notified_at"]
CycleMark: TypeAlias = Literal["archive_announced", "restore_announced", "restored_announced", "restored_notified"]


# Results that stay in STANDARD storage when a job is archived (small, and what the job page shows).
HOT_RESULTS = frozenset({"summary", "log", "explore"})


class _Record(BaseModel):
    # Unknown attributes (claims in flight, fields a newer version added) are ignored, never an error.
    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls.model_validate(dict(item))

    def to_item(self) -> dict[str, Any]:
        """The attributes to store: unset values left out, numbers as DynamoDB takes them."""
        item: dict[str, Any] = _to_dynamo(self.model_dump(exclude_none=True))
        return item


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


class Counts(_Record):
    """What a completed job found: the summary's headline numbers."""

    variants: int = 0
    records_in: int = 0
    skipped: int = 0
    genes_hit: int = 0
    by_impact: dict[str, int] = Field(default_factory=dict)


class Progress(_Record):
    stage: str = ""
    variants: int = 0
    updated_at: str | None = None


class Restore(_Record):
    """A restore under way: the tier asked for and when the results are expected back."""

    tier: str = ""
    requested_at: str | None = None
    expected_ready_at: str | None = None


class Job(_Record):
    """One annotation job, from PENDING to its results' last restore."""

    job_id: str
    user_id: str
    status: JobStatus = PENDING
    submitted_at: str
    reference_id: str = ""
    input_key: str = ""
    input_filename: str = ""
    input_size: int = 0
    hgvs: bool = False  # the user asked for HGVS notation
    haplotypes: bool = False  # the user asked for haplotype-aware consequences
    # RUNNING: the lease of the worker on it.
    worker: str | None = None
    lease_until: float | None = None
    attempts: int = 0
    started_at: str | None = None
    progress: Progress | None = None
    # COMPLETED
    completed_at: str | None = None
    results: dict[str, str] = Field(default_factory=dict)  # result name -> key in the results bucket
    counts: Counts | None = None
    storage: Storage | None = None
    archiving_since: str | None = None
    archived_at: str | None = None
    cycle: int = 0  # archive cycles so far: each archive starts one
    restore: Restore | None = None
    restored_at: str | None = None
    # FAILED
    failed_at: str | None = None
    failure_reason: str | None = None
    failure_line: int | None = None
    # CANCELLED
    cancelled_at: str | None = None
    # Once-only effects done.
    announced_at: str | None = None
    notified_at: str | None = None
    archive_announced: int = 0
    restore_announced: int = 0
    restored_announced: int = 0
    restored_notified: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def result_keys(self) -> list[str]:
        """The results that move to cold storage and back: the files. The summary, the count log and the
        variant index stay readable, so an archived job still shows what it found."""
        return sorted(key for name, key in self.results.items() if name not in HOT_RESULTS)

    @property
    def downloadable(self) -> bool:
        return self.status == COMPLETED and self.storage == AVAILABLE

    @property
    def variant_count(self) -> int:
        return self.counts.variants if self.counts else 0

    def done(self, mark: OnceMark) -> bool:
        return bool(getattr(self, mark))

    def done_in_cycle(self, mark: CycleMark) -> bool:
        """Whether this archive cycle's effect was had (no cycle yet: nothing to do)."""
        return self.cycle == 0 or int(getattr(self, mark)) >= self.cycle


class Session(_Record):
    expires: float
    tokens: dict[str, str] = Field(default_factory=dict)


class RestoreDigest(_Record):
    upto: float
    job: str


class User(_Record):
    """A GAS user: profile, plan and signed-in sessions. A user without a plan is on the Free plan."""

    user_id: str
    plan: Plan = FREE
    name: str = ""
    email: str = ""
    pending_email: str = ""  # asked for in the profile, used once its owner opens the link mailed to it
    institution: str = ""
    created_at: str | None = None
    plan_changed_at: str | None = None
    sessions: dict[str, Session] = Field(default_factory=dict)
    # The last "available again" mail: up to which restored_at (epoch seconds) it covered, and whose thaw sent it.
    restore_digest: RestoreDigest | None = None
    # Job ids whose upload ticket may not make a job again (its job was deleted), until the ticket expires.
    spent_tickets: dict[str, float] = Field(default_factory=dict)

    @field_validator("plan", mode="before")
    @classmethod
    def _free_unless_premium(cls, value: object) -> Plan:
        return PREMIUM if value == PREMIUM else FREE

    @property
    def display_name(self) -> str:
        return self.name or self.email or "you"
