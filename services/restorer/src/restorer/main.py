"""The restorer process: settings, clients, the consumer loop."""

import sys

from gas_shared.messages import UserPlanChanged
from gas_shared.runtime.worker import Runtime

from .handlers import Handlers


def run() -> None:
    runtime = Runtime.start("restorer")
    handlers = Handlers()
    sys.exit(runtime.serve({"restore": {UserPlanChanged: handlers.plan_changed}}))
