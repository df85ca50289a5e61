"""Reference bundles cached on the annotator's disk, fetched from the references bucket and checked."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from gas_shared.contract.bundle import MANIFEST, Manifest, sha256
from gas_shared.store.bundles import Bundles

log = logging.getLogger(__name__)


class UnknownReference(LookupError):
    """No bundle with that id is installed."""


class BundleCache:
    """The bundles of a references bucket, as directories on this disk."""

    def __init__(self, bundles: Bundles, cache: Path):
        self._bundles = bundles
        self.cache = cache
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._checked: set[str] = set()

    def local(self, reference_id: str) -> Path:
        """The bundle's directory on this disk, downloaded (and checked) the first time it is asked for, and
        brought up to date when the installed manifest changed (a track was attached: only new or changed
        files are fetched)."""
        if "/" in reference_id or reference_id.startswith("."):
            raise UnknownReference(reference_id)
        with self._guard:
            lock = self._locks.setdefault(reference_id, threading.Lock())
        with lock:  # one download per bundle, however many jobs ask at once
            target = self.cache / reference_id
            installed = self._bundles.manifest_bytes(reference_id)  # one small GET a job
            if installed is None:
                raise UnknownReference(reference_id)
            current = (target / MANIFEST).exists() and (target / MANIFEST).read_bytes() == installed
            if current and reference_id in self._checked:
                return target
            if not current or not self._whole(target):
                self._download(reference_id, target)
            self._checked.add(reference_id)
            return target

    def _whole(self, directory: Path) -> bool:
        manifest = Manifest.read(directory)
        return all((directory / n).exists() and sha256(directory / n) == digest for n, digest in manifest.files.items())

    def _download(self, reference_id: str, target: Path) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        old = Manifest.read(target).files if (target / MANIFEST).exists() else {}
        with tempfile.TemporaryDirectory(dir=self.cache, prefix=f".{reference_id}-") as tmp:
            work = Path(tmp)
            self._bundles.download(reference_id, MANIFEST, work / MANIFEST)
            manifest = Manifest.read(work)
            for name, digest in manifest.files.items():
                if old.get(name) == digest and (target / name).exists():
                    os.link(target / name, work / name)  # unchanged: not fetched again, unless damaged
                    if sha256(work / name) != digest:
                        (work / name).unlink()
                if not (work / name).exists():
                    self._bundles.download(reference_id, name, work / name)
                if sha256(work / name) != digest:
                    raise RuntimeError(f"reference {reference_id}: {name} does not match its checksum")
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)  # atomic on one file system: readers see all or nothing
            work.mkdir()  # for TemporaryDirectory's clean-up
        log.info("reference %s cached in %s", reference_id, target)
