"""The restorer process: settings, clients, the consumer loop."""

import sys

from gas_shared.contract.messages import UserPlanChanged
from gas_shared.runtime.settings import WorkerSettings
from gas_shared.runtime.worker import Routes, Runtime
from gas_shared.store.stores import Stores

from .restore import Restorer


def routes(restorer: Restorer) -> Routes:
    return {"restore": {UserPlanChanged: restorer.plan_changed}}


def run() -> None:
    runtime = Runtime.start("restorer", WorkerSettings)
    stores = Stores(runtime.aws, runtime.names)
    restorer = Restorer(stores.jobs, stores.users, stores.results, runtime.publisher,
                        runtime.settings.recheck_seconds)
    sys.exit(runtime.serve(routes(restorer)))
