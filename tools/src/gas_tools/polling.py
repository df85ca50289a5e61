"""Waiting without bare sleeps: probe until true, within a deadline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable


def wait_until(probe: Callable[[], object], within: float, every: float = 0.1, what: str = "condition") -> None:
    """Poll `probe` until it returns something true; TimeoutError after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(Exception):
            if probe():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within}s")
        time.sleep(every)
