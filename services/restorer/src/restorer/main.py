"""The restorer process: settings, clients, the consumer loop."""

import sys

from gas_shared.jobs import JobStore
from gas_shared.messages import UserPlanChanged
from gas_shared.results import ResultObjects
from gas_shared.runtime.worker import Runtime
from gas_shared.users import UserStore

from .restore import Restorer


def run() -> None:
    runtime = Runtime.start("restorer")
    ddb, names = runtime.aws.client("dynamodb"), runtime.names
    restorer = Restorer(JobStore(ddb, names.jobs_table), UserStore(ddb, names.users_table),
                        ResultObjects(runtime.aws.client("s3"), names.bucket("results")), runtime.publisher,
                        runtime.settings.recheck_seconds)
    sys.exit(runtime.serve({"restore": {UserPlanChanged: restorer.plan_changed}}))
