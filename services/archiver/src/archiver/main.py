"""The archiver process: settings, clients, the consumer loops."""

import sys

from gas_shared.contract.messages import JobCompleted, UserPlanChanged
from gas_shared.runtime.worker import Routes, Runtime
from gas_shared.store.stores import Stores

from .archive import Archiver
from .settings import ArchiverSettings


def routes(archiver: Archiver) -> Routes:
    return {
        "archive": {JobCompleted: archiver.job_completed},
        "downgrade": {UserPlanChanged: archiver.plan_changed},
    }


def run() -> None:
    runtime = Runtime.start("archiver", ArchiverSettings)
    stores = Stores(runtime.aws, runtime.names)
    archiver = Archiver(stores.jobs, stores.users, stores.results, runtime.publisher,
                        runtime.settings.free_retention_seconds)
    sys.exit(runtime.serve(routes(archiver)))
