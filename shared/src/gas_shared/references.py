"""Reference bundles as the references bucket holds them: <id>/manifest.json beside the bundle's files.

The annotator installs and reads bundles; the web app lists them for the reference picker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What a bundle is and the checksums that say its files are whole."""

    id: str
    assembly: str
    source: str
    files: dict[str, str]  # file name -> sha256

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls(**json.loads((directory / MANIFEST).read_text()))


def installed(s3: Any, bucket: str) -> list[Manifest]:
    """Every whole bundle in the bucket (the manifest is uploaded last, so a listed one is complete)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/"):
        for prefix in page.get("CommonPrefixes", []):
            key = f"{prefix['Prefix']}{MANIFEST}"
            try:
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            except Exception as e:  # being installed right now: not listed yet
                log.debug("no manifest at %s: %s", key, e)
                continue
            found.append(Manifest(**json.loads(body)))
    return sorted(found, key=lambda m: m.id)
