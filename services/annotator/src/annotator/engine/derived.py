"""What the engine works out once per reference bundle from its GFF3 (the genes' flanks, the preferred
transcripts, the transcript models), kept in a JSON file beside the bundle and made again when the GFF3 is
newer, unreadable, or the bundle read-only."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def derived(gff3: Path, cache: Path | None, make: Callable[[], T], dump: Callable[[T], Any],
            load: Callable[[Any], T]) -> T:
    """load(cache) when `cache` is newer than `gff3`; else make(), kept in `cache` (as dump() of it) if it can be."""
    if cache and cache.exists() and cache.stat().st_mtime >= gff3.stat().st_mtime:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # unreadable: made again below
            return load(json.loads(cache.read_text()))
    found = make()
    if cache:
        with contextlib.suppress(OSError):  # a read-only bundle: made again next time
            partial = cache.with_name(f"{cache.name}.{os.getpid()}")  # a process of its own writes each
            partial.write_text(json.dumps(dump(found)))
            partial.replace(cache)
    return found
