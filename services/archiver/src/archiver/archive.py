"""Moves a Free user's results to GLACIER once their retention window is over, or when they downgrade."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import JobArchived, JobCompleted, UserPlanChanged
from gas_shared.contract.plans import FREE, PREMIUM
from gas_shared.contract.times import epoch_seconds, now
from gas_shared.runtime.consumer import Deferred, defer_while_busy
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import JobStore
from gas_shared.store.records import ARCHIVED, ARCHIVING, AVAILABLE, COMPLETED, Job
from gas_shared.store.results import ResultObjects
from gas_shared.store.table import Outcome
from gas_shared.store.users import UserStore

log = logging.getLogger(__name__)


class Archiver:
    """Handlers of the archive queue (job.completed, held back by the window) and the downgrade queue."""

    def __init__(self, jobs: JobStore, users: UserStore, results: ResultObjects, publisher: Publisher,
                 retention_seconds: float, clock: Callable[[], float] = time.time):
        self._jobs, self._users, self._results, self._publisher = jobs, users, results, publisher
        self._retention = retention_seconds
        self._clock = clock

    def job_completed(self, done: JobCompleted) -> None:
        # The queue's delay covers at most 15 minutes; a longer window is waited out in hops of a delay each.
        wait = done.completed_at.timestamp() + self._retention - self._clock()
        if wait > 1:
            raise Deferred(wait, f"job {done.job_id}: retention window ends in {wait:.0f}s")
        self.archive(str(done.job_id), why="retention window over")

    def plan_changed(self, change: UserPlanChanged) -> None:
        """A downgrade: archive the user's results whose window has passed; the rest follow their own."""
        user_id = str(change.user_id)
        if self._users.plan(user_id) != FREE:
            log.info("user %s is Premium again: nothing to archive", user_id)
            return
        for job in self._jobs.of_user(user_id):
            # Within its window a job's job.completed is still on its way here: it will archive the job.
            # (archive() reads the record again by key: the index may lag behind the storage state.)
            if (job.status == COMPLETED and job.completed_at
                    and epoch_seconds(job.completed_at) + self._retention <= self._clock()):
                self.archive(job.job_id, why="downgraded to Free")

    def archive(self, job_id: str, why: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.status != COMPLETED:
            log.info("job %s is %s: nothing to archive", job_id, "gone" if job is None else job.status)
            return
        if job.storage == ARCHIVED:
            self._announce(job)  # a redelivery: say what may not have been said
            return
        if job.storage not in (AVAILABLE, ARCHIVING):
            log.info("job %s results are %s: not archiving", job_id, job.storage)
            return
        user_id = job.user_id
        if job.storage == AVAILABLE:
            if self._users.plan(user_id) == PREMIUM:
                log.info("job %s: user %s is Premium: results stay", job_id, user_id)
                return
            step = self._jobs.begin_archive(job_id)
            if step.outcome is Outcome.CONFLICT:  # another delivery moved it meanwhile: go by its new state
                self.archive(job_id, why)
                return
            if step.item is None:  # deleted meanwhile
                return
            job = step.item
        self._move(job, why)

    def _move(self, job: Job, why: str) -> None:
        job_id, keys = job.job_id, job.result_keys
        # Read the plan again now that the job is marked ARCHIVING: an upgrade written before this read
        # is seen here, and a restorer reading after it finds ARCHIVING and waits for ARCHIVED.
        if self._users.plan(job.user_id) == PREMIUM and not any(self._results.state(k).archived for k in keys):
            self._jobs.abandon_archive(job_id)
            log.info("job %s: user turned Premium before archiving: results stay", job_id)
            return
        for key in keys:
            current = self._jobs.get(job_id)
            if current is None or current.storage != ARCHIVING:
                log.info("job %s is now %s: another delivery archived it", job_id, current and current.storage)
                return
            if not self._results.archive(key):
                log.warning("job %s: result %s is missing; archiving the rest", job_id, key)
        step = self._jobs.finish_archive(job_id, job.cycle + 1)
        if step.applied and step.item is not None:
            log.info("job %s archived to GLACIER (%s): %d objects", job_id, why, len(keys))
            self._announce(step.item)

    def _announce(self, job: Job) -> None:
        defer_while_busy(self._jobs.once_per_cycle(job, "archive_announced", lambda: self._publisher.publish(
            JobArchived(job_id=job.job_id, user_id=job.user_id, keys=job.result_keys,
                        archived_at=job.archived_at or now()),
            message_id=stable_id(job.job_id, "job.archived", job.cycle))))
