"""The thawer process: settings, clients, the consumer loop."""

import sys

from gas_shared.jobs import JobStore
from gas_shared.messages import ObjectRestored, RestoreRequested
from gas_shared.results import ResultObjects
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.worker import Runtime

from .thaw import Thawer


def run() -> None:
    runtime = Runtime.start("thawer")
    settings, names = runtime.settings, runtime.names
    thawer = Thawer(JobStore(runtime.aws.client("dynamodb"), names.jobs_table),
                    ResultObjects(runtime.aws.client("s3"), names.bucket("results")), runtime.publisher,
                    Mailer(runtime.aws, settings.mail_from, names.users_table), settings.web_url,
                    settings.recheck_seconds)
    sys.exit(runtime.serve({
        "thaw": {RestoreRequested: thawer.restore_requested, ObjectRestored: thawer.object_restored},
    }))
