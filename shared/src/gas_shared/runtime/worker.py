"""Runs a worker service: one consumer per queue, the health server, and a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Generic, TypeVar

from ..contract.messages import Payload
from ..contract.topology import Names, queues_of
from . import checks, logs
from .aws import Aws
from .consumer import Consumer, Handler
from .health import HealthServer, Readiness
from .publisher import Publisher
from .settings import WorkerSettings, load

S = TypeVar("S", bound=WorkerSettings)
# What a worker consumes: queue key -> payload class -> the handler of that payload.
Routes = Mapping[str, Mapping[type[Payload], Handler]]

log = logging.getLogger(__name__)


@dataclass
class Runtime(Generic[S]):
    """Everything a worker's handlers need, made once at start from the environment."""

    service: str
    settings: S
    aws: Aws
    names: Names
    publisher: Publisher

    @classmethod
    def start(cls, service: str, settings_cls: type[S]) -> Runtime[S]:
        settings = load(settings_cls)
        logs.configure(service, settings.log_level)
        aws = Aws.of(
            settings,
            max_pool_connections=settings.concurrency + 4,
            read_timeout=settings.wait_time_seconds + 10,  # a long poll must not time out on our side
        )
        names = Names(settings.prefix)
        return cls(service, settings, aws, names, Publisher(aws, names, service))

    def serve(
        self,
        routes: Routes,
        buckets: tuple[str, ...] = ("inputs", "results"),
    ) -> int:
        """Consume `routes` (queue key -> payload class -> handler) until SIGTERM; 0 on a clean stop."""
        stop = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("%s received: no new messages; finishing what is in hand", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        s = self.settings
        consumers = [
            Consumer(
                self.aws, self.names.queue(key), handlers, concurrency=s.concurrency,
                visibility_timeout=s.visibility_timeout, wait_time=s.wait_time_seconds,
                drain_seconds=s.drain_seconds,
            )
            for key, handlers in routes.items()
        ]
        served = tuple(q for q in queues_of(self.service) if q.key in routes)
        readiness = Readiness(checks.for_service(self.aws, self.names, served, buckets))
        health = HealthServer(s.http_host, s.http_port, lambda: all(c.alive for c in consumers), readiness)
        health.start()
        threads = [c.start(stop) for c in consumers]
        log.info("%s consuming %s", self.service, ", ".join(c.queue_name for c in consumers))
        code = 0
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.5)  # short joins keep the main thread free to take signals
            if not stop.is_set() and not all(t.is_alive() for t in threads):
                log.critical("a consumer loop died; stopping the service")
                stop.set()
                code = 1
        health.stop()
        log.info("%s stopped", self.service)
        return code
