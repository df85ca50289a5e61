"""The annotator process: settings, clients, the consumer loop."""

import sys

from gas_shared.jobs import JobStore
from gas_shared.messages import JobRequested
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.worker import Runtime

from .references import ReferenceStore
from .runner import JobRunner
from .settings import AnnotatorSettings


def run() -> None:
    runtime = Runtime.start("annotator", AnnotatorSettings)
    settings, names, s3 = runtime.settings, runtime.names, runtime.aws.client("s3")
    assert isinstance(settings, AnnotatorSettings)
    runner = JobRunner(
        settings,
        JobStore(runtime.aws.client("dynamodb"), names.jobs_table),
        s3,
        ReferenceStore(s3, names.bucket("references"), settings.reference_cache),
        runtime.publisher,
        Mailer(runtime.aws, settings.mail_from, names.users_table),
        names.bucket("inputs"),
        names.bucket("results"),
    )
    sys.exit(runtime.serve({"annotate": {JobRequested: runner.handle}}, buckets=("inputs", "results", "references")))
