"""The thawer process: settings, clients, the consumer loop."""

import sys

from gas_shared.contract.messages import ObjectRestored, RestoreRequested
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.worker import Routes, Runtime
from gas_shared.store.stores import Stores

from .settings import ThawerSettings
from .thaw import Thawer


def routes(thawer: Thawer) -> Routes:
    return {"thaw": {RestoreRequested: thawer.restore_requested, ObjectRestored: thawer.object_restored}}


def run() -> None:
    runtime = Runtime.start("thawer", ThawerSettings)
    settings, stores = runtime.settings, Stores(runtime.aws, runtime.names)
    thawer = Thawer(stores.jobs, stores.users, stores.results, runtime.publisher,
                    Mailer(runtime.aws, settings.mail_from), settings.web_url, settings.recheck_seconds)
    sys.exit(runtime.serve(routes(thawer)))
