"""The chaos suite runs on the integration suite's fixtures (the emulator, a fresh prefix, service processes)."""

from tests.integration.conftest import (  # noqa: F401 - fixtures, found by name
    Backend,
    aws,
    aws_env,
    backend,
    mailbox,
    names,
    provisioned,
    queues,
    start_service,
    tap,
)
