"""The annotator process: settings, clients, the consumer loop."""

import sys

from gas_shared.contract.messages import JobRequested
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.worker import Routes, Runtime
from gas_shared.store.stores import Stores

from .bundle_cache import BundleCache
from .runner import JobRunner
from .settings import AnnotatorSettings


def routes(runner: JobRunner) -> Routes:
    return {"annotate": {JobRequested: runner.handle}}


def run() -> None:
    runtime = Runtime.start("annotator", AnnotatorSettings)
    settings, names, stores = runtime.settings, runtime.names, Stores(runtime.aws, runtime.names)
    runner = JobRunner(
        settings,
        stores.jobs,
        stores.users,
        runtime.aws.client("s3"),
        BundleCache(stores.bundles, settings.reference_cache),
        runtime.publisher,
        Mailer(runtime.aws, settings.mail_from),
        names.bucket("inputs"),
        names.bucket("results"),
    )
    sys.exit(runtime.serve(routes(runner), buckets=("inputs", "results", "references")))
