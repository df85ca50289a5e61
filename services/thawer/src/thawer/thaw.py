"""Brings restored objects back to STANDARD for good, then marks the job AVAILABLE and tells the user.

Two messages lead here: restore.requested (from the restorer) and S3's ObjectRestore:Completed. Either is
enough: while S3 is still restoring, the thawer looks again later, so nothing waits on one event arriving.
"""

from __future__ import annotations

import logging

from gas_shared.contract.keys import job_of, stable_id
from gas_shared.contract.messages import JobRestored, ObjectRestored, RestoreRequested
from gas_shared.contract.plans import PREMIUM
from gas_shared.contract.times import now, parse_time
from gas_shared.runtime.consumer import Deferred, PermanentError, defer_while_busy, delivery, recheck_delay
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import JobStore
from gas_shared.store.records import ARCHIVED, ARCHIVING, AVAILABLE, COMPLETED, RESTORING, Job
from gas_shared.store.results import ResultObjects, Thaw
from gas_shared.store.users import UserStore

from . import notices

log = logging.getLogger(__name__)


def _epoch(stamp: str | None) -> float:
    moment = parse_time(stamp)
    return moment.timestamp() if moment else 0.0


class Thawer:
    """Handlers of the thaw queue."""

    def __init__(self, jobs: JobStore, users: UserStore, results: ResultObjects, publisher: Publisher,
                 mailer: Mailer, web_url: str, recheck_seconds: float):
        self._jobs, self._users, self._results = jobs, users, results
        self._publisher, self._mailer = publisher, mailer
        self._web_url = web_url
        self._recheck = recheck_seconds

    def restore_requested(self, restore: RestoreRequested) -> None:
        self.thaw(str(restore.job_id))

    def object_restored(self, event: ObjectRestored) -> None:
        # S3 notifies about any restored object in the bucket; only keys GAS wrote name a job.
        owner = job_of(event.key)
        if owner is None or event.bucket != self._results.bucket:
            raise PermanentError(f"{event.key!r} in {event.bucket} is not a GAS results key")
        self.thaw(owner.job_id)

    def thaw(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            log.info("job %s is gone (deleted): nothing to thaw", job_id)
            return
        if job.storage == AVAILABLE:
            self._announce(job)  # done already; say what may not have been said
            return
        if job.storage != RESTORING:
            log.info("job %s results are %s: nothing to thaw", job_id, job.storage)
            return
        keys = job.result_keys
        states = {key: self._results.thaw(key) for key in keys}
        pending = [k for k, state in states.items() if state is Thaw.PENDING]
        if pending:
            raise Deferred(recheck_delay(self._recheck, delivery().deferrals),
                           f"job {job_id}: {len(pending)} of {len(keys)} objects still restoring")
        missing = [k for k, state in states.items() if state is Thaw.MISSING]
        if missing:
            log.warning("job %s: %d results are missing (deleted meanwhile?): %s", job_id, len(missing), missing)
        step = self._jobs.finish_restore(job_id)
        if step.item is not None and step.item.storage == AVAILABLE:
            if step.applied:
                log.info("job %s: %d objects back in STANDARD storage", job_id, len(keys))
            self._announce(step.item)

    def _announce(self, job: Job) -> None:
        defer_while_busy(self._jobs.once_per_cycle(job, "restored_announced", lambda: self._publisher.publish(
            JobRestored(job_id=job.job_id, user_id=job.user_id, restored_at=job.restored_at or now()),
            message_id=stable_id(job.job_id, "job.restored", job.cycle))))
        defer_while_busy(self._jobs.once_per_cycle(job, "restored_notified", lambda: self._notify(job)))

    def _notify(self, job: Job) -> None:
        """One mail per upgrade, not one per job: the thaw that leaves none of the user's jobs restoring sends
        it, for every result back since the upgrade (or since the last such mail). Each thaw writes its own
        job first and reads the others consistently, so of two that end together at least one sees both done;
        the claim on the user's record lets only one of them send."""
        user = self._users.get(job.user_id)  # one read: the recipient and the digest's state
        to = self._users.recipient_of(user)
        if user is None or to is None:
            log.warning("user %s has no e-mail address; not notified", job.user_id)
            return
        # The index may lag: a job it shows still on its way is read again (consistently); the others, back
        # already, are taken as listed, so a thaw costs reads of the few in flight, not of every job.
        others = [listed if listed.storage == AVAILABLE else self._jobs.get(listed.job_id)
                  for listed in self._jobs.of_user(job.user_id)
                  if listed.job_id != job.job_id and listed.status == COMPLETED]
        current = [other for other in others if other is not None]
        # A Premium user's archived results are all on their way back (the restorer asks for them in turn, so
        # some are not RESTORING yet): the mail waits for them too.
        coming = {RESTORING, ARCHIVED, ARCHIVING} if user.plan == PREMIUM else {RESTORING}
        restoring = [other.job_id for other in current if other.storage in coming]
        if restoring:
            log.info("job %s is back; the mail waits for %d more on their way", job.job_id, len(restoring))
            return
        since = max(_epoch(user.plan_changed_at), user.restore_digest.upto if user.restore_digest else 0.0)
        back = sorted((j for j in [job, *current]
                       if j.job_id == job.job_id or (j.storage == AVAILABLE and _epoch(j.restored_at) > since)),
                      key=lambda j: _epoch(j.restored_at))
        upto = max(_epoch(j.restored_at) for j in back)
        if not self._users.claim_restore_digest(job.user_id, upto, job.job_id):
            log.info("job %s: another job's mail covers it", job.job_id)
            return
        subject, body = notices.restored(back, self._web_url)
        self._mailer.send(to, subject, body)
