"""What the thawer does with each message it consumes."""

import logging

from gas_shared.messages import ObjectRestored, RestoreRequested

log = logging.getLogger(__name__)


class Handlers:
    """Foundation only: copying thawed objects back arrives with the lifecycle issue; log and acknowledge."""

    def restore_requested(self, restore: RestoreRequested) -> None:
        log.info("restore of job %s requested (%s tier); thawing not installed yet", restore.job_id, restore.tier)

    def object_restored(self, event: ObjectRestored) -> None:
        log.info("S3 finished restoring %s/%s; thawing not installed yet", event.bucket, event.key)
