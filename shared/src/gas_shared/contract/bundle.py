"""A reference bundle's layout: <id>/manifest.json beside the files it names, with their checksums.

The annotator reads bundles, the web app lists them for the reference picker, the tools install them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
FASTA, GFF3 = "genome.fa", "genes.gff3"
SAMPLE = "sample.vcf"  # a bundle may carry a sample VCF made against it (the demo one does)


TRACK_NAME = re.compile(r"[a-z][a-z0-9]{0,23}$")  # it prefixes INFO tags: short, and no '_' of its own
VARIANTS, REGIONS = "variants", "regions"
# What a carried field means, by the names the public sources give them: the explorer and the counts use
# these; every carried field reaches the output VCF whatever its name.
KNOWN_ID, CLINICAL = "ID", "CLNSIG"
FREQUENCIES = ("AF_popmax", "AF_grpmax", "AF")  # the first a bundle carries is "the" frequency


@dataclass(frozen=True)
class Track:
    """An annotation track of a bundle: known variants (dbSNP, ClinVar, gnomAD sites), matched by allele, or
    regions (a gene panel, a capture kit's targets), matched by overlap.

    The file is what `gas references install-track` makes of the source: for variants, a bgzipped, tabix-indexed
    table CHROM POS REF ALT and one column per carried field (normalised and split against the bundle's FASTA,
    so it matches GAS's normalised ALTs); for regions, a bgzipped, indexed BED (CHROM START END NAME)."""

    name: str
    kind: str  # VARIANTS or REGIONS
    file: str  # in the bundle, beside its .tbi
    version: str
    source: str  # where it came from (a URL, or "synthetic: ...")
    sha256: str  # of the source as downloaded (the bundle's files list holds the installed file's)
    fields: tuple[str, ...] = ()  # variants: the source's ID and INFO keys carried; regions: none
    descriptions: dict[str, str] = field(default_factory=dict)  # field -> the source header's Description

    def __post_init__(self) -> None:
        if not TRACK_NAME.match(self.name):
            raise ValueError(f"track name {self.name!r}: a lower-case letter, then up to 23 letters or digits")
        if self.kind not in (VARIANTS, REGIONS):
            raise ValueError(f"track {self.name}: kind must be {VARIANTS!r} or {REGIONS!r}")

    def tag(self, name: str) -> str:
        """The INFO tag a carried field is written as."""
        return f"{self.name}_{name}"

    @property
    def tags(self) -> tuple[str, ...]:
        """Every INFO tag the track adds: one per field, or one (the region's name) for regions."""
        return (self.name,) if self.kind == REGIONS else tuple(self.tag(f) for f in self.fields)

    def description(self, name: str) -> str:
        said = self.descriptions.get(name, "the region's name" if self.kind == REGIONS else name)
        return f"{self.name} {self.version} ({said})".replace('"', "'")

    @classmethod
    def of(cls, data: dict[str, object]) -> Track:
        return cls(**{**data, "fields": tuple(data.get("fields", ()))})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Manifest:
    """What a bundle is and the checksums that say its files are whole."""

    id: str
    assembly: str
    source: str
    files: dict[str, str]  # file name -> sha256
    tracks: tuple[Track, ...] = ()
    # Every variants track's table joined into one (CHROM POS REF ALT, then each track's fields in turn), so
    # the chain runs one bcftools annotate for them all; '' while the bundle has fewer than two.
    combined: str = ""

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls.parse((directory / MANIFEST).read_text())

    @classmethod
    def parse(cls, text: str | bytes) -> Manifest:
        data = json.loads(text)
        return cls(**{**data, "tracks": tuple(Track.of(t) for t in data.get("tracks", ()))})

    def with_track(self, track: Track, files: dict[str, str]) -> Manifest:
        """This manifest with `track` added (or replacing the one of its name) and its files."""
        kept = tuple(t for t in self.tracks if t.name != track.name)
        return Manifest(self.id, self.assembly, self.source, {**self.files, **files}, (*kept, track), self.combined)

    @property
    def variant_tracks(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.kind == VARIANTS)

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")

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
