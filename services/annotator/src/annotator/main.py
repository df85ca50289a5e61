"""The annotator process: settings, clients, the consumer loop."""

import sys

from gas_shared.messages import JobRequested
from gas_shared.runtime.worker import Runtime

from .handlers import Handlers


def run() -> None:
    runtime = Runtime.start("annotator")
    handlers = Handlers()
    sys.exit(runtime.serve({"annotate": {JobRequested: handlers.job_requested}}))
