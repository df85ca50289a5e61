"""The archiver process: settings, clients, the consumer loops."""

import sys

from gas_shared.jobs import JobStore
from gas_shared.messages import JobCompleted, UserPlanChanged
from gas_shared.results import ResultObjects
from gas_shared.runtime.worker import Runtime
from gas_shared.users import UserStore

from .archive import Archiver


def run() -> None:
    runtime = Runtime.start("archiver")
    ddb, names = runtime.aws.client("dynamodb"), runtime.names
    archiver = Archiver(JobStore(ddb, names.jobs_table), UserStore(ddb, names.users_table),
                        ResultObjects(runtime.aws.client("s3"), names.bucket("results")), runtime.publisher,
                        runtime.settings.free_retention_seconds)
    sys.exit(runtime.serve({
        "archive": {JobCompleted: archiver.job_completed},
        "downgrade": {UserPlanChanged: archiver.plan_changed},
    }))
