"""The job record in DynamoDB and every move it makes: PENDING -> RUNNING -> COMPLETED | FAILED, and for a
COMPLETED job, where its results are: AVAILABLE -> ARCHIVING -> ARCHIVED -> RESTORING -> AVAILABLE.

A RUNNING job carries a lease (worker, lease_until) that its worker renews. A redelivered message finding
a live lease waits; finding an expired one (the worker died) takes the job over. Every move is one
conditional write, so at-least-once delivery still gives exactly-once state changes.

Results may be archived and restored more than once (downgrade, upgrade, downgrade, ...): each archive
starts a new `cycle`, and the once-only effects of the lifecycle (messages, e-mail) are marked per cycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .messages import JobRequested
from .messages.envelope import now
from .runtime.consumer import Deferred
from .runtime.transitions import Outcome, StateTable, Transition, record_time
from .topology import JOBS_BY_USER_INDEX

PENDING, RUNNING, COMPLETED, FAILED = "PENDING", "RUNNING", "COMPLETED", "FAILED"
FINISHED = (COMPLETED, FAILED)
# Where a COMPLETED job's results are (the `storage` attribute).
AVAILABLE, ARCHIVING, ARCHIVED, RESTORING = "AVAILABLE", "ARCHIVING", "ARCHIVED", "RESTORING"
CLAIM_SECONDS = 30  # how long a delivery may take to run a once-only effect before another may try
CLAIM_RECHECK_SECONDS = 2.0  # how soon a delivery that found the effect claimed looks again


def _now_iso() -> str:
    return record_time(now())


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
        self.storage = StateTable(dynamodb, table, key="job_id", state_attr="storage")

    def get(self, job_id: str) -> dict[str, Any] | None:
        return self.table.get(job_id)

    def of_user(self, user_id: str) -> Iterator[dict[str, Any]]:
        """Every job of a user, through the GSI (all pages; eventually consistent: re-read before acting)."""
        return self.table.query(JOBS_BY_USER_INDEX, "user_id", user_id)

    def page(self, user_id: str, limit: int, after: Mapping[str, Any] | None = None
             ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """A user's jobs, newest first, `limit` at a time (the index is eventually consistent)."""
        return self.table.page(JOBS_BY_USER_INDEX, "user_id", user_id, limit, after)

    def delete(self, job_id: str) -> dict[str, Any] | None:
        return self.table.delete(job_id)

    def create(self, request: JobRequested, extra: Mapping[str, Any] | None = None) -> bool:
        """The PENDING record of a submitted job; False if it exists already (a resubmitted callback)."""
        return self.table.create({
            "job_id": str(request.job_id),
            "user_id": str(request.user_id),
            "status": PENDING,
            "submitted_at": record_time(request.submitted_at),
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
                        "storage": AVAILABLE,
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

    # -- the results' storage: archive and restore ------------------------------------------------------

    def begin_archive(self, job_id: str) -> Transition:
        """AVAILABLE -> ARCHIVING: from here a restorer waits for the archive to end before restoring."""
        return self.storage.transition(job_id, from_states=[AVAILABLE], to=ARCHIVING,
                                       set_fields={"archiving_since": _now_iso()})

    def abandon_archive(self, job_id: str) -> Transition:
        """ARCHIVING -> AVAILABLE: the user turned Premium before any object moved."""
        return self.storage.transition(job_id, from_states=[ARCHIVING], to=AVAILABLE,
                                       remove_fields=["archiving_since"])

    def finish_archive(self, job_id: str, cycle: int) -> Transition:
        return self.storage.transition(job_id, from_states=[ARCHIVING], to=ARCHIVED,
                                       set_fields={"archived_at": _now_iso(), "cycle": cycle},
                                       remove_fields=["archiving_since"])

    def begin_restore(self, job_id: str, tier: str, expected_ready_at: str) -> Transition:
        return self.storage.transition(job_id, from_states=[ARCHIVED], to=RESTORING, set_fields={
            "restore": {"tier": tier, "requested_at": _now_iso(), "expected_ready_at": expected_ready_at}})

    def finish_restore(self, job_id: str) -> Transition:
        return self.storage.transition(job_id, from_states=[RESTORING], to=AVAILABLE,
                                       set_fields={"restored_at": _now_iso()}, remove_fields=["restore"])

    def once(self, job_id: str, mark: str, effect: Callable[[], object]) -> bool:
        """Run `effect` once for the job (the annotator's outcome message and e-mail): True if this call
        ran it. `mark` records when; the rules of `once_per_cycle` apply."""
        return self._once(job_id, mark, "attribute_not_exists(#m)", {}, {":done": _now_iso()},
                          lambda job: bool(job.get(mark)), effect)

    def once_per_cycle(self, job: Mapping[str, Any], mark: str, effect: Callable[[], object]) -> bool:
        """Run `effect` once for this archive cycle of the job: True if this call ran it, False if done before.

        A short claim is written first, so two deliveries handled at once do not both run it; the mark is
        set after the effect, so a crash in between repeats the effect once the claim runs out (messages
        carry an id fixed by job and cycle, so consumers can tell), and never loses it. While another
        delivery holds the claim this raises Deferred: the message comes back when the claim has run out.
        """
        job_id, cycle = str(job["job_id"]), int(job.get("cycle", 0))
        if cycle == 0 or int(job.get(mark, 0)) >= cycle:
            return False
        return self._once(job_id, mark, "(attribute_not_exists(#m) OR #m < :cycle)", {":cycle": cycle},
                          {":done": cycle}, lambda current: int(current.get(mark, 0)) >= cycle, effect)

    def _once(self, job_id: str, mark: str, not_done: str, values: Mapping[str, Any], done: Mapping[str, Any],
              is_done: Callable[[dict[str, Any]], bool], effect: Callable[[], object]) -> bool:
        claim = f"{mark}_claim"
        claimed = self.table.update_if(
            job_id, "SET #c = :until",
            f"attribute_exists(job_id) AND {not_done} AND (attribute_not_exists(#c) OR #c < :now)",
            {"#m": mark, "#c": claim},
            {":until": Decimal(str(round(time.time() + CLAIM_SECONDS, 3))),
             ":now": Decimal(str(round(time.time(), 3))), **values},
        )
        if claimed is None:
            current = self.get(job_id) or {}
            if not current or is_done(current):
                return False
            # Deferred, not retried: a redelivery counts toward the dead-letter limit, and a claim left by
            # a killed worker must run out before the effect is tried again. The holder usually finishes
            # in milliseconds, so look again soon rather than when the claim would expire.
            left = float(current.get(claim, 0)) - time.time()
            raise Deferred(min(CLAIM_RECHECK_SECONDS, max(1.0, left + 1.0)),
                           f"{mark} of job {job_id} is under way elsewhere")
        try:
            effect()
        except BaseException:
            self.table.update_if(job_id, "REMOVE #c", "attribute_exists(job_id)", {"#c": claim})
            raise
        self.table.update_if(job_id, "SET #m = :done REMOVE #c", "attribute_exists(job_id)",
                             {"#m": mark, "#c": claim}, dict(done))
        return True
