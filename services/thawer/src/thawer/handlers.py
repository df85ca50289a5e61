"""What the thawer does with each message it consumes."""

import logging
import uuid

from gas_shared.messages import ObjectRestored, RestoreRequested
from gas_shared.runtime.consumer import PermanentError

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


class Handlers:
    """Foundation only: copying thawed objects back arrives with the lifecycle issue; log and acknowledge."""

    def restore_requested(self, restore: RestoreRequested) -> None:
        self._noted(restore.user_id, restore.job_id, f"{restore.tier} restore of {len(restore.keys)} objects")

    def object_restored(self, event: ObjectRestored) -> None:
        # S3 notifies about any restored object in the bucket; only keys GAS wrote name a job.
        owner = job_of(event.key)
        if owner is None:
            raise PermanentError(f"{event.key!r} in {event.bucket} is not a GAS results key")
        self._noted(*owner, f"S3 finished restoring {event.key}")

    def _noted(self, user_id: uuid.UUID, job_id: uuid.UUID, what: str) -> None:
        log.info("%s (job %s of %s); thawing not installed yet", what, job_id, user_id)
