"""What the archiver does with each message it consumes."""

import logging

from gas_shared.messages import JobCompleted, UserPlanChanged

log = logging.getLogger(__name__)


class Handlers:
    """Foundation only: archiving to GLACIER arrives with the lifecycle issue; until then, log and acknowledge."""

    def job_completed(self, job: JobCompleted) -> None:
        log.info("retention window over for job %s of %s; archiving not installed yet", job.job_id, job.user_id)

    def plan_changed(self, change: UserPlanChanged) -> None:
        log.info("user %s moved to %s; archiving not installed yet", change.user_id, change.plan)
