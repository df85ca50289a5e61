"""The job record in DynamoDB and every move it makes: PENDING -> RUNNING -> COMPLETED | FAILED.

A RUNNING job carries a lease (worker, lease_until) that its worker renews. A redelivered message finding
a live lease waits; finding an expired one (the worker died) takes the job over. Every move is one
conditional write, so at-least-once delivery still gives exactly-once state changes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .messages import JobRequested
from .messages.envelope import now
from .runtime.transitions import Outcome, StateTable

PENDING, RUNNING, COMPLETED, FAILED = "PENDING", "RUNNING", "COMPLETED", "FAILED"
FINISHED = (COMPLETED, FAILED)


def _now_iso() -> str:
    return now().isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Claim:
    """The answer to "may I run this job?"."""

    granted: bool
    job: dict[str, Any] | None
    retry_after: float = 0.0  # when not granted and still running elsewhere: seconds until its lease ends


class JobStore:
    """The jobs table, seen as jobs."""

    def __init__(self, dynamodb: Any, table: str):
        self.table = StateTable(dynamodb, table, key="job_id")

    def get(self, job_id: str) -> dict[str, Any] | None:
        return self.table.get(job_id)

    def create(self, request: JobRequested, extra: Mapping[str, Any] | None = None) -> bool:
        """The PENDING record of a submitted job; False if it exists already (a resubmitted callback)."""
        return self.table.create({
            "job_id": str(request.job_id),
            "user_id": str(request.user_id),
            "status": PENDING,
            "submitted_at": request.submitted_at.isoformat().replace("+00:00", "Z"),
            "reference_id": request.reference_id,
            "input_key": request.input_key,
            "input_filename": request.input_filename,
            **(extra or {}),
        })

    def claim(self, job_id: str, worker: str, lease_seconds: float) -> Claim:
        """PENDING -> RUNNING for `worker` (unique to this attempt), or take over a job whose lease ran out."""
        lease = {"worker": worker, "lease_until": Decimal(str(round(time.time() + lease_seconds, 3))),
                 "started_at": _now_iso()}
        step = self.table.transition(job_id, from_states=[PENDING], to=RUNNING, set_fields=lease)
        if step.applied:
            return Claim(True, step.item)
        job = step.item
        if step.outcome is Outcome.MISSING or job is None:
            return Claim(False, None)
        if job["status"] != RUNNING:
            return Claim(False, job)
        remaining = float(job.get("lease_until", 0)) - time.time()
        if remaining > 0:
            return Claim(False, job, retry_after=remaining)
        # The lease ran out: its worker died. Take over, unless another delivery just did.
        taken = self.table.update_if(
            job_id,
            "SET #w = :w, lease_until = :l, attempts = if_not_exists(attempts, :zero) + :one",
            "#s = :running AND lease_until = :seen",
            {"#w": "worker", "#s": "status"},
            {":w": worker, ":l": lease["lease_until"], ":running": RUNNING, ":seen": job["lease_until"],
             ":zero": 0, ":one": 1},
        )
        if taken is None:
            return Claim(False, self.get(job_id), retry_after=lease_seconds)
        return Claim(True, taken)

    def _own(self, job_id: str, worker: str, expression: str, values: Mapping[str, Any]) -> bool:
        """An update that only the worker holding the lease of a RUNNING job may make."""
        return self.table.update_if(job_id, expression, "#s = :running AND #w = :me",
                                    {"#s": "status", "#w": "worker"},
                                    {":running": RUNNING, ":me": worker, **values}) is not None

    def renew(self, job_id: str, worker: str, lease_seconds: float) -> bool:
        return self._own(job_id, worker, "SET lease_until = :l",
                         {":l": Decimal(str(round(time.time() + lease_seconds, 3)))})

    def release(self, job_id: str, worker: str) -> bool:
        """Give the lease up at once (this attempt failed), so the next delivery need not wait it out."""
        return self._own(job_id, worker, "SET lease_until = :l", {":l": Decimal(0)})

    def progress(self, job_id: str, worker: str, stage: str, variants: int) -> bool:
        return self._own(job_id, worker, "SET progress = :p",
                         {":p": {"stage": stage, "variants": variants, "updated_at": _now_iso()}})

    def complete(self, job_id: str, worker: str, results: Mapping[str, str], counts: Mapping[str, Any]) -> Outcome:
        step = self.table.transition(
            job_id, from_states=[RUNNING], to=COMPLETED,
            set_fields={"completed_at": _now_iso(), "results": dict(results), "counts": dict(counts),
                        "progress": {"stage": "done", "variants": counts.get("variants", 0),
                                     "updated_at": _now_iso()}},
            remove_fields=["lease_until"],
        )
        return step.outcome

    def fail(self, job_id: str, reason: str, line: int | None) -> Outcome:
        fields: dict[str, Any] = {"failed_at": _now_iso(), "failure_reason": reason[:2000]}
        if line is not None:
            fields["failure_line"] = line
        step = self.table.transition(job_id, from_states=[PENDING, RUNNING], to=FAILED, set_fields=fields,
                                     remove_fields=["lease_until"])
        return step.outcome

    def mark_once(self, job_id: str, field: str) -> bool:
        """Set a timestamp field (announced_at, notified_at) unless set; False if an earlier delivery did."""
        return self.table.update_if(job_id, "SET #f = :t", "attribute_not_exists(#f)", {"#f": field},
                                    {":t": _now_iso()}) is not None
