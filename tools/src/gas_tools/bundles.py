"""`gas references`: install the synthetic demo reference or a real assembly into the references bucket, and
list what is installed.

    gas references install-demo
    gas references install --id GRCh38 --assembly GRCh38 --fasta URL_OR_PATH --gff3 URL_OR_PATH
    gas references list
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import urllib.request
from dataclasses import asdict
from pathlib import Path
from typing import Any

from annotator.synthetic.bundle import DEMO_ID, write_demo_bundle
from gas_shared.contract.bundle import FASTA, GFF3, MANIFEST, Manifest, sha256
from gas_shared.store.bundles import Bundles


def _open(source: str) -> Any:
    if "://" in source:
        return urllib.request.urlopen(source)  # noqa: S310 - operators name the URL; file:// is fine too
    return Path(source).open("rb")


def _fetch(source: str, dest: Path) -> None:
    """A local path or an http(s)/ftp/file URL to `dest`, gunzipped when it ends in .gz."""
    with _open(source) as raw, dest.open("wb") as out:
        stream = gzip.GzipFile(fileobj=raw) if source.endswith(".gz") else raw
        shutil.copyfileobj(stream, out, 1 << 20)


def build_bundle(directory: Path, *, reference_id: str, fasta: str, gff3: str, assembly: str, source: str) -> Manifest:
    """A bundle from a FASTA and an Ensembl-style GFF3 (paths or URLs, plain or .gz)."""
    import pysam

    directory.mkdir(parents=True, exist_ok=True)
    _fetch(fasta, directory / FASTA)
    pysam.faidx(str(directory / FASTA))
    _fetch(gff3, directory / GFF3)
    files = {n: sha256(directory / n) for n in (FASTA, FASTA + ".fai", GFF3)}
    manifest = Manifest(reference_id, assembly, source, files)
    (directory / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def add_arguments(commands: Any) -> None:
    references = commands.add_parser("references", help="install or list reference bundles",
                                     description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = references.add_subparsers(dest="references_command", required=True)
    what.add_parser("install-demo", help="install the synthetic demo reference (skipped if present)")
    real = what.add_parser("install", help="install an assembly from a FASTA and a GFF3")
    real.add_argument("--id", required=True)
    real.add_argument("--fasta", required=True, help="path or URL, plain or .gz")
    real.add_argument("--gff3", required=True, help="Ensembl-style GFF3: path or URL, plain or .gz")
    real.add_argument("--assembly", required=True)
    real.add_argument("--source", default="")
    what.add_parser("list", help="the installed references")


def run(args: argparse.Namespace, bundles: Bundles) -> int:
    if args.references_command == "list":
        for manifest in bundles.list():
            print(f"{manifest.id}\t{manifest.assembly}\t{manifest.source}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.references_command == "install-demo":
            if bundles.exists(DEMO_ID):
                print(f"{DEMO_ID} is installed already")
                return 0
            write_demo_bundle(Path(tmp))
        else:
            build_bundle(Path(tmp), reference_id=args.id, fasta=args.fasta, gff3=args.gff3,
                         assembly=args.assembly, source=args.source or f"{args.fasta} + {args.gff3}")
        manifest = bundles.install(Path(tmp))
    print(f"installed {manifest.id} ({manifest.assembly})")
    return 0
