"""What the annotator does with each message it consumes."""

import logging

from gas_shared.messages import JobRequested

log = logging.getLogger(__name__)


class Handlers:
    """Foundation only: the annotation engine arrives with its own issue; until then, log and acknowledge."""

    def job_requested(self, job: JobRequested) -> None:
        log.info(
            "job %s requested by %s on reference %s (%s); annotation engine not installed yet",
            job.job_id, job.user_id, job.reference_id, job.input_filename,
        )
