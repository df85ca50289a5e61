"""What the restorer does with each message it consumes."""

import logging

from gas_shared.messages import UserPlanChanged

log = logging.getLogger(__name__)


class Handlers:
    """Foundation only: GLACIER restores arrive with the lifecycle issue; until then, log and acknowledge."""

    def plan_changed(self, change: UserPlanChanged) -> None:
        log.info("user %s upgraded to %s; restoring not installed yet", change.user_id, change.plan)
