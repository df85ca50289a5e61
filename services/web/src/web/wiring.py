"""Everything the web app's routes use, made once per process and reached through one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app

from gas_shared.contract.topology import Names
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.health import Readiness
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.stores import Stores

from .addresses import AddressChecks
from .catalogue import Catalogue, QueueDepth, Summaries
from .explorer.cache import ExplorerCache
from .globus import GlobusLogin
from .objects import Objects
from .settings import WebSettings
from .submissions import Submissions

_KEY = "gas"


@dataclass
class Gas:
    settings: WebSettings
    stores: Stores
    publisher: Publisher
    inputs: Objects
    results: Objects
    references: Objects
    catalogue: Catalogue
    summaries: Summaries
    queue_depth: QueueDepth
    readiness: Readiness
    globus: GlobusLogin | None
    submissions: Submissions
    explorers: ExplorerCache
    mailer: Mailer
    addresses: AddressChecks
    upload_origin: str | None = None  # the CSP's S3 origin, worked out at the first answer

    @classmethod
    def make(cls, settings: WebSettings, aws: Aws, readiness: Readiness) -> Gas:
        names = Names(settings.prefix)
        stores = Stores(aws, names)
        results = Objects(aws, names.bucket("results"), settings.link_seconds)
        inputs = Objects(aws, names.bucket("inputs"), settings.link_seconds)
        references = Objects(aws, names.bucket("references"), settings.link_seconds)
        publisher = Publisher(aws, names, "web")
        catalogue = Catalogue(lambda: stores.bundles.list())  # noqa: PLW0108 - stores.bundles is made at first use
        mailer = Mailer(aws, settings.mail_from)
        login = None
        if settings.globus_enabled:
            login = GlobusLogin(settings.globus_client_id, settings.globus_client_secret.get_secret_value())
        return cls(
            settings=settings, stores=stores, publisher=publisher, inputs=inputs, results=results,
            references=references, catalogue=catalogue, summaries=Summaries(results),
            queue_depth=QueueDepth(aws, names.queue("annotate")), readiness=readiness, globus=login,
            submissions=Submissions(stores, publisher, catalogue, inputs, results, references, settings),
            explorers=ExplorerCache(results, settings.explorer_cache, settings.explorer_cache_bytes),
            mailer=mailer,
            addresses=AddressChecks(stores, mailer, settings.secret_key.get_secret_value(), settings.web_url,
                                    settings.email_checks_per_hour),
        )

    def install(self, app: Flask) -> None:
        app.extensions[_KEY] = self


def gas() -> Gas:
    """The current app's services (inside a request or an app context)."""
    return cast(Gas, current_app.extensions[_KEY])


def of(app: Flask) -> Gas:
    return cast(Gas, app.extensions[_KEY])
