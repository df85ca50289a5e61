"""Brings restored objects back to STANDARD for good, then marks the job AVAILABLE and tells the user.

Two messages lead here: restore.requested (from the restorer) and S3's ObjectRestore:Completed. Either is
enough: while S3 is still restoring, the thawer looks again later, so nothing waits on one event arriving.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from gas_shared.jobs import AVAILABLE, RESTORING, JobStore
from gas_shared.messages import JobRestored, ObjectRestored, RestoreRequested, stable_id
from gas_shared.messages.envelope import now
from gas_shared.results import ResultObjects, Thaw
from gas_shared.runtime.consumer import Deferred, PermanentError, delivery, recheck_delay
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.publisher import Publisher

from . import notices

log = logging.getLogger(__name__)


def job_of(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The (user_id, job_id) a results key belongs to, or None for a key GAS did not write."""
    parts = key.split("/", 2)
    if len(parts) != 3:
        return None
    try:
        return uuid.UUID(parts[0]), uuid.UUID(parts[1])
    except ValueError:
        return None


class Thawer:
    """Handlers of the thaw queue."""

    def __init__(self, jobs: JobStore, results: ResultObjects, publisher: Publisher, mailer: Mailer,
                 web_url: str, recheck_seconds: float):
        self._jobs, self._results, self._publisher, self._mailer = jobs, results, publisher, mailer
        self._web_url = web_url
        self._recheck = recheck_seconds

    def restore_requested(self, restore: RestoreRequested) -> None:
        self.thaw(str(restore.job_id))

    def object_restored(self, event: ObjectRestored) -> None:
        # S3 notifies about any restored object in the bucket; only keys GAS wrote name a job.
        owner = job_of(event.key)
        if owner is None or event.bucket != self._results.bucket:
            raise PermanentError(f"{event.key!r} in {event.bucket} is not a GAS results key")
        self.thaw(str(owner[1]))

    def thaw(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            log.info("job %s is gone (deleted): nothing to thaw", job_id)
            return
        if job.get("storage") == AVAILABLE:
            self._announce(job)  # done already; say what may not have been said
            return
        if job.get("storage") != RESTORING:
            log.info("job %s results are %s: nothing to thaw", job_id, job.get("storage"))
            return
        keys = sorted(job.get("results", {}).values())
        states = {key: self._results.thaw(key) for key in keys}
        pending = [k for k, state in states.items() if state is Thaw.PENDING]
        if pending:
            raise Deferred(recheck_delay(self._recheck, delivery().deferrals),
                           f"job {job_id}: {len(pending)} of {len(keys)} objects still restoring")
        missing = [k for k, state in states.items() if state is Thaw.MISSING]
        if missing:
            log.warning("job %s: %d results are missing (deleted meanwhile?): %s", job_id, len(missing), missing)
        step = self._jobs.finish_restore(job_id)
        if step.item is not None and step.item.get("storage") == AVAILABLE:
            if step.applied:
                log.info("job %s: %d objects back in STANDARD storage", job_id, len(keys))
            self._announce(step.item)

    def _announce(self, job: dict[str, Any]) -> None:
        job_id, cycle = job["job_id"], int(job.get("cycle", 0))
        self._jobs.once_per_cycle(job, "restored_announced", lambda: self._publisher.publish(JobRestored(
            job_id=job_id, user_id=job["user_id"], restored_at=job.get("restored_at") or now(),
        ), message_id=stable_id(job_id, "job.restored", cycle)))
        subject, body = notices.restored(job, self._web_url)
        self._jobs.once_per_cycle(job, "restored_notified",
                                  lambda: self._mailer.send_to_user(job["user_id"], subject, body))
