"""The archiver process: settings, clients, the consumer loops."""

import sys

from gas_shared.messages import JobCompleted, UserPlanChanged
from gas_shared.runtime.worker import Runtime

from .handlers import Handlers


def run() -> None:
    runtime = Runtime.start("archiver")
    handlers = Handlers()
    sys.exit(runtime.serve({
        "archive": {JobCompleted: handlers.job_completed},
        "downgrade": {UserPlanChanged: handlers.plan_changed},
    }))
