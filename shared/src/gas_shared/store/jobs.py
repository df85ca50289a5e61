"""The jobs table and every move a job makes: PENDING -> RUNNING -> COMPLETED | FAILED, and for a COMPLETED
job, where its results are: AVAILABLE -> ARCHIVING -> ARCHIVED -> RESTORING -> AVAILABLE.

A RUNNING job carries a lease (worker, lease_until) that its worker renews. A redelivered message finding
a live lease waits; finding an expired one (the worker died) takes the job over. Every move is one
conditional write, so at-least-once delivery still gives exactly-once state changes.

Results may be archived and restored more than once (downgrade, upgrade, downgrade, ...): each archive
starts a new `cycle`, and the once-only effects of the lifecycle (messages, e-mail) are marked per cycle.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..contract.messages import JobRequested
from ..contract.times import record_time
from ..contract.topology import JOBS_BY_USER_INDEX
from .records import (
    ARCHIVED,
    ARCHIVING,
    AVAILABLE,
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    RESTORING,
    RUNNING,
    Counts,
    CycleMark,
    Job,
    OnceMark,
    Progress,
    Restore,
)
from .table import Outcome, StateTable, Transition

log = logging.getLogger(__name__)

CLAIM_SECONDS = 30  # how long a delivery may take to run a once-only effect before another may try
CLAIM_RECHECK_SECONDS = 2.0  # how soon a delivery that found the effect claimed looks again


def _epoch(seconds: float) -> Decimal:
    return Decimal(str(round(seconds, 3)))


@dataclass(frozen=True)
class Claim:
    """The answer to "may I run this job?"."""

    granted: bool
    job: Job | None
    retry_after: float = 0.0  # when not granted and still running elsewhere: seconds until its lease ends


class Once(enum.Enum):
    RAN = "ran"  # this call ran the effect
    DONE = "done"  # an earlier delivery had done it (or the job is gone): nothing to do
    BUSY = "busy"  # another delivery is running it right now: look again in `Effect.retry_after`


@dataclass(frozen=True)
class Effect:
    """What became of a once-only effect; a BUSY one says when to look again and why."""

    outcome: Once
    retry_after: float = 0.0
    why: str = ""

    @property
    def ran(self) -> bool:
        return self.outcome is Once.RAN

    @property
    def busy(self) -> bool:
        return self.outcome is Once.BUSY


class JobStore:
    """The jobs table, seen as jobs."""

    def __init__(self, dynamodb: Any, table: str):
        self.table = StateTable(dynamodb, table, key="job_id")
        self.storage = StateTable(dynamodb, table, key="job_id", state_attr="storage")

    def get(self, job_id: str) -> Job | None:
        item = self.table.get(job_id)
        return Job.from_item(item) if item else None

    def of_user(self, user_id: str) -> Iterator[Job]:
        """Every job of a user, through the GSI (all pages; eventually consistent: re-read before acting)."""
        return (Job.from_item(i) for i in self.table.query(JOBS_BY_USER_INDEX, "user_id", user_id))

    def page(self, user_id: str, limit: int, after: Mapping[str, Any] | None = None
             ) -> tuple[list[Job], dict[str, Any] | None]:
        """A user's jobs, newest first, `limit` at a time (the index is eventually consistent)."""
        items, last = self.table.page(JOBS_BY_USER_INDEX, "user_id", user_id, limit, after)
        return [Job.from_item(i) for i in items], last

    def delete(self, job_id: str) -> Job | None:
        old = self.table.delete(job_id)
        return Job.from_item(old) if old else None

    def create(self, request: JobRequested, input_size: int = 0) -> bool:
        """The PENDING record of a submitted job; False if it exists already (a resubmitted callback)."""
        return self.table.create(Job(
            job_id=str(request.job_id), user_id=str(request.user_id), status=PENDING,
            submitted_at=record_time(request.submitted_at), reference_id=request.reference_id,
            input_key=request.input_key, input_filename=request.input_filename, input_size=input_size,
            hgvs=request.hgvs, haplotypes=request.haplotypes,
        ).to_item())

    def _typed(self, step: Transition[dict[str, Any]]) -> Transition[Job]:
        return step.map(Job.from_item)

    def _update(self, job_id: str, update: str, condition: str, names: Mapping[str, str] | None = None,
                values: Mapping[str, Any] | None = None) -> Job | None:
        item = self.table.update_if(job_id, update, condition, names, values)
        return Job.from_item(item) if item else None

    def claim(self, job_id: str, worker: str, lease_seconds: float) -> Claim:
        """PENDING -> RUNNING for `worker` (unique to this attempt), or take over a job whose lease ran out."""
        lease = {"worker": worker, "lease_until": _epoch(time.time() + lease_seconds), "started_at": record_time()}
        step = self._typed(self.table.transition(job_id, from_states=[PENDING], to=RUNNING, set_fields=lease))
        if step.applied:
            return Claim(True, step.item)
        job = step.item
        if step.outcome is Outcome.MISSING or job is None:
            return Claim(False, None)
        if job.status != RUNNING:
            return Claim(False, job)
        seen = job.lease_until or 0.0
        remaining = seen - time.time()
        if remaining > 0:
            return Claim(False, job, retry_after=remaining)
        # The lease ran out: its worker died. Take over, unless another delivery just did.
        taken = self._update(
            job_id,
            "SET #w = :w, lease_until = :l, attempts = if_not_exists(attempts, :zero) + :one",
            "#s = :running AND lease_until = :seen",
            {"#w": "worker", "#s": "status"},
            {":w": worker, ":l": lease["lease_until"], ":running": RUNNING, ":seen": _epoch(seen),
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
        return self._own(job_id, worker, "SET lease_until = :l", {":l": _epoch(time.time() + lease_seconds)})

    def release(self, job_id: str, worker: str) -> bool:
        """Give the lease up at once (this attempt failed), so the next delivery need not wait it out."""
        return self._own(job_id, worker, "SET lease_until = :l", {":l": Decimal(0)})

    def progress(self, job_id: str, worker: str, stage: str, variants: int) -> bool:
        done = Progress(stage=stage, variants=variants, updated_at=record_time())
        return self._own(job_id, worker, "SET progress = :p", {":p": done.to_item()})

    def complete(self, job_id: str, worker: str, results: Mapping[str, str], counts: Counts) -> Outcome:
        step = self.table.transition(
            job_id, from_states=[RUNNING], to=COMPLETED,
            set_fields={"completed_at": record_time(), "results": dict(results), "counts": counts.to_item(),
                        "storage": AVAILABLE,
                        "progress": Progress(stage="done", variants=counts.variants,
                                             updated_at=record_time()).to_item()},
            remove_fields=["lease_until"],
        )
        return step.outcome

    def cancel(self, job_id: str) -> Transition[Job]:
        """PENDING or RUNNING -> CANCELLED. A worker on it finds out at its next progress write (a second or
        so), which only the holder of a RUNNING job's lease may make, and stops."""
        return self._typed(self.table.transition(job_id, from_states=[PENDING, RUNNING], to=CANCELLED,
                                                 set_fields={"cancelled_at": record_time()},
                                                 remove_fields=["lease_until"]))

    def fail(self, job_id: str, reason: str, line: int | None) -> Outcome:
        fields: dict[str, Any] = {"failed_at": record_time(), "failure_reason": reason[:2000]}
        if line is not None:
            fields["failure_line"] = line
        step = self.table.transition(job_id, from_states=[PENDING, RUNNING], to=FAILED, set_fields=fields,
                                     remove_fields=["lease_until"])
        return step.outcome

    # -- the results' storage: archive and restore ------------------------------------------------------

    def begin_archive(self, job_id: str) -> Transition[Job]:
        """AVAILABLE -> ARCHIVING: from here a restorer waits for the archive to end before restoring."""
        return self._typed(self.storage.transition(job_id, from_states=[AVAILABLE], to=ARCHIVING,
                                                   set_fields={"archiving_since": record_time()}))

    def abandon_archive(self, job_id: str) -> Transition[Job]:
        """ARCHIVING -> AVAILABLE: the user turned Premium before any object moved."""
        return self._typed(self.storage.transition(job_id, from_states=[ARCHIVING], to=AVAILABLE,
                                                   remove_fields=["archiving_since"]))

    def finish_archive(self, job_id: str, cycle: int) -> Transition[Job]:
        return self._typed(self.storage.transition(job_id, from_states=[ARCHIVING], to=ARCHIVED,
                                                   set_fields={"archived_at": record_time(), "cycle": cycle},
                                                   remove_fields=["archiving_since"]))

    def begin_restore(self, job_id: str, tier: str, expected_ready_at: str,
                      requested_at: str | None = None) -> Transition[Job]:
        # The caller passes the moment it reckoned expected_ready_at from, so the two differ by the tier's
        # retrieval time exactly (a clock read here could be a millisecond later).
        restore = Restore(tier=tier, requested_at=requested_at or record_time(), expected_ready_at=expected_ready_at)
        return self._typed(self.storage.transition(job_id, from_states=[ARCHIVED], to=RESTORING,
                                                   set_fields={"restore": restore.to_item()}))

    def finish_restore(self, job_id: str) -> Transition[Job]:
        return self._typed(self.storage.transition(job_id, from_states=[RESTORING], to=AVAILABLE,
                                                   set_fields={"restored_at": record_time()},
                                                   remove_fields=["restore"]))

    def once(self, job_id: str, mark: OnceMark, effect: Callable[[], object]) -> Effect:
        """Run `effect` once for the job (the annotator's outcome message and e-mail). `mark` records when;
        the rules of `once_per_cycle` apply."""
        return self._once(job_id, mark, "attribute_not_exists(#m)", {}, {":done": record_time()},
                          lambda job: job.done(mark), effect)

    def once_per_cycle(self, job: Job, mark: CycleMark, effect: Callable[[], object]) -> Effect:
        """Run `effect` once for this archive cycle of the job.

        A short claim is written first, so two deliveries handled at once do not both run it; the mark is
        set after the effect, so a crash in between repeats the effect once the claim runs out (messages
        carry an id fixed by job and cycle, so consumers can tell), and never loses it. While another
        delivery holds the claim the answer is BUSY: the caller decides when to look again.
        """
        if job.done_in_cycle(mark):
            return Effect(Once.DONE)
        cycle = job.cycle
        return self._once(job.job_id, mark, "(attribute_not_exists(#m) OR #m < :cycle)", {":cycle": cycle},
                          {":done": cycle}, lambda current: int(getattr(current, mark)) >= cycle, effect)

    def _once(self, job_id: str, mark: str, not_done: str, values: Mapping[str, Any], done: Mapping[str, Any],
              is_done: Callable[[Job], bool], effect: Callable[[], object]) -> Effect:
        claim = f"{mark}_claim"
        # The claim: only a job that exists, whose effect is not done, and that no live claim holds.
        before = self.table.update_if(
            job_id, "SET #c = :until",
            f"attribute_exists(job_id) AND {not_done} AND (attribute_not_exists(#c) OR #c < :now)",
            {"#m": mark, "#c": claim},
            {":until": _epoch(time.time() + CLAIM_SECONDS), ":now": _epoch(time.time()), **values},
            return_old=True,
        )
        if before is not None and claim in before:
            # An earlier delivery claimed this effect and never marked it done: it died mid-effect, perhaps
            # after the effect itself (an e-mail sent, the mark not yet written). Running it again may repeat
            # it; the record says so (`<mark>_retried`), for operators and for the tests that count e-mail.
            log.warning("%s of job %s: an earlier attempt died mid-effect; running it again", mark, job_id)
            self.table.update_if(job_id, "ADD #r :one", "attribute_exists(job_id)", {"#r": f"{mark}_retried"},
                                 {":one": 1})
        claimed = before
        if claimed is None:
            item = self.table.get(job_id)
            if item is None or is_done(Job.from_item(item)):
                return Effect(Once.DONE)
            # A claim left by a killed worker must run out before the effect is tried again. The holder
            # usually finishes in milliseconds, so look again soon rather than when the claim would expire.
            left = float(item.get(claim, 0)) - time.time()
            return Effect(Once.BUSY, min(CLAIM_RECHECK_SECONDS, max(1.0, left + 1.0)),
                          f"{mark} of job {job_id} is under way elsewhere")
        try:
            effect()
        except BaseException:
            self.table.update_if(job_id, "REMOVE #c", "attribute_exists(job_id)", {"#c": claim})
            raise
        self.table.update_if(job_id, "SET #m = :done REMOVE #c", "attribute_exists(job_id)",
                             {"#m": mark, "#c": claim}, dict(done))
        return Effect(Once.RAN)

