"""Reference bundles as the references bucket holds them: <id>/manifest.json beside the bundle's files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..contract.bundle import MANIFEST, Manifest, manifest_key
from ..runtime.aws import unless_missing

log = logging.getLogger(__name__)


class Bundles:
    """The bundles of one references bucket."""

    def __init__(self, s3: Any, bucket: str):
        self._s3 = s3
        self.bucket = bucket

    def list(self) -> list[Manifest]:
        """Every whole bundle (the manifest is uploaded last, so a listed one is complete)."""
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Delimiter="/"):
            for prefix in page.get("CommonPrefixes", []):
                key = f"{prefix['Prefix']}{MANIFEST}"
                try:
                    body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                except Exception as e:  # being installed right now: not listed yet
                    log.debug("no manifest at %s: %s", key, e)
                    continue
                found.append(Manifest.parse(body))
        return sorted(found, key=lambda m: m.id)

    def exists(self, reference_id: str) -> bool:
        key = manifest_key(reference_id)
        return unless_missing(lambda: self._s3.head_object(Bucket=self.bucket, Key=key)) is not None

    def install(self, directory: Path) -> Manifest:
        """Upload a bundle; the manifest goes last, so a listed bundle is always whole."""
        manifest = Manifest.read(directory)
        for name in manifest.files:
            self._s3.upload_file(str(directory / name), self.bucket, manifest.key(name))
        self._s3.upload_file(str(directory / MANIFEST), self.bucket, manifest_key(manifest.id))
        return manifest

    def download(self, reference_id: str, name: str, dest: Path) -> None:
        self._s3.download_file(self.bucket, f"{reference_id}/{name}", str(dest))

    def manifest_bytes(self, reference_id: str) -> bytes | None:
        """The installed manifest as stored (None if there is none): what a cached copy is compared with."""
        found = unless_missing(lambda: self._s3.get_object(Bucket=self.bucket, Key=manifest_key(reference_id)))
        return found["Body"].read() if found else None

    def download_all(self, reference_id: str, directory: Path) -> Manifest:
        """The whole bundle into `directory` (to change it, then install it again)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.download(reference_id, MANIFEST, directory / MANIFEST)
        manifest = Manifest.read(directory)
        for name in manifest.files:
            self.download(reference_id, name, directory / name)
        return manifest
