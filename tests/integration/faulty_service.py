"""Runs a real GAS worker service with faults injected into its S3 calls (integration tests only).

    python faulty_service.py SERVICE

GAS_TEST_PAUSE=Operation:N  before the N-th call of that S3 operation, log "paused before Operation #N" and
                            hang there (the test kills the process with SIGKILL: a death mid-message)
GAS_TEST_EXPEDITED_UNAVAILABLE=1  answer every Expedited RestoreObject as AWS does when Expedited capacity
                            is exhausted: 503 GlacierExpeditedRetrievalNotAvailable (other tiers go through)
GAS_TEST_DUPLICATE_PUBLISH=1  publish every SNS message twice (the same message, as a retried publish does)
"""

import importlib
import itertools
import logging
import os
import sys
import threading

from botocore.awsrequest import AWSResponse

from gas_shared.runtime import aws

log = logging.getLogger("faulty_service")
UNAVAILABLE = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>GlacierExpeditedRetrievalNotAvailable</Code>'
               b"<Message>Glacier expedited retrievals are currently not available, please try again later"
               b"</Message></Error>")


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def _pause_hook(operation: str, nth: int):
    calls, lock = itertools.count(1), threading.Lock()

    def hook(**_):
        with lock:
            n = next(calls)
        if n == nth:
            log.warning("paused before %s #%d", operation, n)
            threading.Event().wait()  # until SIGKILL

    return hook


def _expedited_unavailable(request, **_):
    if b"<Tier>Expedited</Tier>" in (request.body or b""):
        log.warning("injected GlacierExpeditedRetrievalNotAvailable")
        return AWSResponse(request.url, 503, {"Content-Type": "application/xml"}, _Raw(UNAVAILABLE))
    return None


def main() -> None:
    service = sys.argv[1]
    hooks = []
    if os.environ.get("GAS_TEST_PAUSE"):
        operation, nth = os.environ["GAS_TEST_PAUSE"].split(":")
        hooks.append((f"before-send.s3.{operation}", _pause_hook(operation, int(nth))))
    if os.environ.get("GAS_TEST_EXPEDITED_UNAVAILABLE"):
        hooks.append(("before-send.s3.RestoreObject", _expedited_unavailable))
    make_client = aws.Aws.client

    def client(self, name, *, probe=False):
        made = make_client(self, name, probe=probe)
        if name == "sns" and os.environ.get("GAS_TEST_DUPLICATE_PUBLISH") and not getattr(made, "_gas_faults", False):
            once = made.publish

            def twice(**kw):
                once(**kw)
                return once(**kw)

            made.publish = twice
            made._gas_faults = True
        if name == "s3" and not probe and not getattr(made, "_gas_faults", False):
            for event, hook in hooks:
                made.meta.events.register(event, hook)
            made._gas_faults = True
        return made

    aws.Aws.client = client
    importlib.import_module(f"{service}.main").run()


if __name__ == "__main__":
    main()
