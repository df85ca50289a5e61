"""A reference bundle's layout: <id>/manifest.json beside the files it names, with their checksums.

The annotator reads bundles, the web app lists them for the reference picker, the tools install them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
FASTA, GFF3 = "genome.fa", "genes.gff3"
SAMPLE = "sample.vcf"  # a bundle may carry a sample VCF made against it (the demo one does)


@dataclass(frozen=True)
class Manifest:
    """What a bundle is and the checksums that say its files are whole."""

    id: str
    assembly: str
    source: str
    files: dict[str, str]  # file name -> sha256

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls.parse((directory / MANIFEST).read_text())

    @classmethod
    def parse(cls, text: str | bytes) -> Manifest:
        return cls(**json.loads(text))

    @property
    def has_sample(self) -> bool:
        return SAMPLE in self.files

    def key(self, name: str) -> str:
        """Where one of the bundle's files lives in the references bucket."""
        return f"{self.id}/{name}"


def manifest_key(reference_id: str) -> str:
    return f"{reference_id}/{MANIFEST}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
