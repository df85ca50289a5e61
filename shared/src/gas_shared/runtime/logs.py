"""JSON logs, one object a line, with the service name and the current correlation id on every line."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# Never mutated in place: bound() always sets a new dict, so one shared default is safe.
_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("gas_log_context", default={})  # noqa: B039


@contextlib.contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Add fields (correlation_id, message_id, ...) to every log line written inside the block."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        fields = _context.get()
        record.correlation_id = fields.get("correlation_id")
        for key, value in fields.items():
            if key != "correlation_id":
                setattr(record, key, value)
        return True


def configure(service: str, level: str = "INFO", stream: Any = None) -> None:
    """Route every logger through one JSON handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{levelname}{name}{service}{correlation_id}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # botocore's and the HTTP libraries' debug chatter is not ours to ship.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
