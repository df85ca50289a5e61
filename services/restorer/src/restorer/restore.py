"""Brings a Premium user's archived results back: a restore request per object, the job marked RESTORING."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import RestoreRequested, UserPlanChanged
from gas_shared.contract.plans import PREMIUM
from gas_shared.contract.times import now, record_time
from gas_shared.runtime.consumer import Deferred, defer_while_busy, delivery, recheck_delay
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import JobStore
from gas_shared.store.records import ARCHIVED, ARCHIVING, COMPLETED, RESTORING, Job
from gas_shared.store.results import EXPEDITED, RETRIEVAL_TIME, STANDARD_TIER, ResultObjects
from gas_shared.store.users import UserStore

log = logging.getLogger(__name__)


class Restorer:
    """Handler of the restore queue (user.plan_changed to Premium)."""

    def __init__(self, jobs: JobStore, users: UserStore, results: ResultObjects, publisher: Publisher,
                 recheck_seconds: float, clock: Callable[[], float] = time.time):
        self._jobs, self._users, self._results, self._publisher = jobs, users, results, publisher
        self._recheck = recheck_seconds
        self._clock = clock

    def plan_changed(self, change: UserPlanChanged) -> None:
        user_id = str(change.user_id)
        if self._users.plan(user_id) != PREMIUM:
            log.info("user %s is on the Free plan again: nothing to restore", user_id)
            return
        waiting = 0
        for listed in self._jobs.of_user(user_id):
            if listed.status != COMPLETED:
                continue
            # The index may lag a moment behind the table: act only on what a consistent read says.
            job = self._jobs.get(listed.job_id)
            if job is None:
                continue
            if job.storage == ARCHIVING:
                waiting += 1  # an archive in progress: restore it once it is ARCHIVED
            elif job.storage in (ARCHIVED, RESTORING):
                self.restore(job)
        if waiting:
            raise Deferred(recheck_delay(self._recheck, delivery().deferrals),
                           f"user {user_id}: {waiting} jobs are being archived; restoring them after")

    def restore(self, job: Job) -> None:
        job_id, keys = job.job_id, job.result_keys
        # Every object first, then the record: it never claims a restore that was not asked for. Asking
        # again (a redelivery) is harmless: S3 answers RestoreAlreadyInProgress.
        tiers = {self._results.restore(key) for key in keys}
        tier = STANDARD_TIER if STANDARD_TIER in tiers else EXPEDITED
        if job.storage == ARCHIVED:
            at = datetime.fromtimestamp(self._clock(), UTC)
            step = self._jobs.begin_restore(job_id, tier, record_time(at + RETRIEVAL_TIME[tier]), record_time(at))
            if step.item is None or step.item.storage != RESTORING:
                return
            job = step.item
            if job.restore:
                log.info("job %s: %s restore of %d objects requested, ready by %s", job_id, job.restore.tier,
                         len(keys), job.restore.expected_ready_at)
        restore = job.restore
        if restore is None:  # RESTORING always carries its restore; a record edited by hand may not
            log.warning("job %s is RESTORING with no restore recorded: nothing to announce", job_id)
            return
        defer_while_busy(self._jobs.once_per_cycle(job, "restore_announced", lambda: self._publisher.publish(
            RestoreRequested(job_id=job_id, user_id=job.user_id, keys=keys, tier=restore.tier or tier,
                             requested_at=restore.requested_at or now(),
                             expected_ready_at=restore.expected_ready_at or now()),
            message_id=stable_id(job_id, "restore.requested", job.cycle))))
