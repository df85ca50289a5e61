"""Variant indexes on the web worker's local disk: fetched from S3 at a job's first query, their columns
memory-mapped where they lie, and the least recently used ones removed past a size budget. The index of a job
never changes (a job is annotated once), so a copy is good for as long as the job exists."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from gas_shared.store.records import Job

from ..objects import Objects
from .index import IndexError_, VariantIndex
from .query import Explorer

log = logging.getLogger(__name__)
OPEN = 4  # explorers kept open per process (their orders are worth keeping)


class ExplorerCache:
    def __init__(self, results: Objects, root: Path, budget_bytes: int):
        self._results, self._root, self._budget = results, root, budget_bytes
        self._open: OrderedDict[str, Explorer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, job: Job) -> Explorer | None:
        """The job's explorer; None when the job has no index (it ran before GAS wrote them)."""
        key = job.results.get("explore")
        if not key:
            return None
        with self._lock:
            found = self._open.get(job.job_id)
            if found:
                self._open.move_to_end(job.job_id)
                return found
        archive = self._root / f"{job.job_id}.npz"
        if not archive.exists():
            self._fetch(key, archive)
        os.utime(archive)  # most recently used
        try:
            explorer = Explorer(VariantIndex(archive))
        except IndexError_ as e:  # written by another version of GAS: the job shows no explorer, not an error
            log.warning("job %s: %s", job.job_id, e)
            return None
        with self._lock:
            self._open[job.job_id] = explorer
            while len(self._open) > OPEN:
                self._open.popitem(last=False)
        return explorer

    def forget(self, job_id: str) -> None:
        """A deleted job's copy goes with it."""
        with self._lock:
            self._open.pop(job_id, None)
        (self._root / f"{job_id}.npz").unlink(missing_ok=True)

    def _fetch(self, key: str, archive: Path) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        partial = self._root / f".{archive.name}.{os.getpid()}.{threading.get_ident()}"
        try:
            self._results.download(key, partial)
            partial.replace(archive)  # whole or not at all; another worker's identical copy is as good
        finally:
            partial.unlink(missing_ok=True)
        log.info("variant index %s fetched in %.2f s", key, time.monotonic() - began)
        self._trim(keep=archive)

    def _trim(self, keep: Path) -> None:
        """Removes the least recently used copies past the budget (an open map of one stays valid)."""
        kept = [p for p in self._root.glob("*.npz") if p != keep]
        total = sum(p.stat().st_size for p in kept) + keep.stat().st_size
        for archive in sorted(kept, key=lambda p: p.stat().st_mtime):
            if total <= self._budget:
                break
            total -= archive.stat().st_size
            archive.unlink(missing_ok=True)
