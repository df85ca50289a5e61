"""The thawer process: settings, clients, the consumer loop."""

import sys

from gas_shared.messages import ObjectRestored, RestoreRequested
from gas_shared.runtime.worker import Runtime

from .handlers import Handlers


def run() -> None:
    runtime = Runtime.start("thawer")
    handlers = Handlers()
    sys.exit(runtime.serve({
        "thaw": {RestoreRequested: handlers.restore_requested, ObjectRestored: handlers.object_restored},
    }))
