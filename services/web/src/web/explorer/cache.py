"""Variant indexes on the web worker's local disk: fetched from S3 at a job's first query, unpacked to
memory-mappable files, and the least recently used ones removed past a size budget. The index of a job
never changes (a job is annotated once), so a copy is good for as long as the job exists."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from gas_shared.store.records import Job

from ..objects import Objects
from .index import VariantIndex
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
        folder = self._root / job.job_id
        if not (folder / "meta.npy").exists():
            self._fetch(key, folder)
        os.utime(folder)  # most recently used
        explorer = Explorer(VariantIndex(folder))
        with self._lock:
            self._open[job.job_id] = explorer
            while len(self._open) > OPEN:
                self._open.popitem(last=False)
        return explorer

    def forget(self, job_id: str) -> None:
        """A deleted job's copy goes with it."""
        with self._lock:
            self._open.pop(job_id, None)
        shutil.rmtree(self._root / job_id, ignore_errors=True)

    def _fetch(self, key: str, folder: Path) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with tempfile.TemporaryDirectory(dir=self._root, prefix=".fetch-") as scratch:
            archive = Path(scratch) / "index.npz"
            self._results.download(key, archive)
            unpacked = Path(scratch) / "unpacked"
            VariantIndex.unpack(archive, unpacked)
            archive.unlink()
            with contextlib.suppress(FileExistsError, OSError):  # another worker got there first: use theirs
                unpacked.rename(folder)
        log.info("variant index %s fetched in %.2f s", key, time.monotonic() - began)
        self._trim(keep=folder)

    def _trim(self, keep: Path) -> None:
        folders = [p for p in self._root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep]
        sizes = {p: sum(f.stat().st_size for f in p.iterdir()) for p in folders}
        total = sum(sizes.values()) + sum(f.stat().st_size for f in keep.iterdir())
        for folder in sorted(folders, key=lambda p: p.stat().st_mtime):
            if total <= self._budget:
                break
            shutil.rmtree(folder, ignore_errors=True)
            total -= sizes[folder]
