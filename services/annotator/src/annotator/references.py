"""Reference bundles in the references bucket (<id>/<file>), cached on the annotator's disk.

`python -m annotator.references install-demo` installs the synthetic demo reference;
`... install --id GRCh38 --fasta URL_OR_PATH --gff3 URL_OR_PATH` installs a real assembly;
`... list` shows what is installed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from gas_shared.references import MANIFEST, Manifest, installed
from gas_shared.runtime.aws import Aws, error_code
from gas_shared.runtime.settings import ServiceSettings, load
from gas_shared.topology import Names

from .reference.bundle import DEMO_ID, FASTA, GFF3, sha256, write_demo_bundle

log = logging.getLogger(__name__)



class UnknownReference(LookupError):
    """No bundle with that id is installed."""


class ReferenceStore:
    """Bundles in S3, and a local cache the annotator reads them from."""

    def __init__(self, s3: Any, bucket: str, cache: Path):
        self._s3 = s3
        self.bucket = bucket
        self.cache = cache
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._checked: set[str] = set()

    def list(self) -> list[Manifest]:
        return installed(self._s3, self.bucket)

    def install(self, directory: Path) -> Manifest:
        """Upload a bundle; the manifest goes last, so a listed bundle is always whole."""
        manifest = Manifest.read(directory)
        for name in manifest.files:
            self._s3.upload_file(str(directory / name), self.bucket, f"{manifest.id}/{name}")
        self._s3.upload_file(str(directory / MANIFEST), self.bucket, f"{manifest.id}/{MANIFEST}")
        return manifest

    def exists(self, reference_id: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=f"{reference_id}/{MANIFEST}")
        except ClientError as e:
            if error_code(e) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def local(self, reference_id: str) -> Path:
        """The bundle's directory on this disk, downloaded (and checked) the first time it is asked for."""
        if "/" in reference_id or reference_id.startswith("."):
            raise UnknownReference(reference_id)
        with self._guard:
            lock = self._locks.setdefault(reference_id, threading.Lock())
        with lock:  # one download per bundle, however many jobs ask at once
            target = self.cache / reference_id
            if reference_id in self._checked and (target / MANIFEST).exists():
                return target
            if not (target / MANIFEST).exists() or not self._whole(target):
                self._download(reference_id, target)
            self._checked.add(reference_id)
            return target

    def _whole(self, directory: Path) -> bool:
        manifest = Manifest.read(directory)
        return all((directory / n).exists() and sha256(directory / n) == digest for n, digest in manifest.files.items())

    def _download(self, reference_id: str, target: Path) -> None:
        if not self.exists(reference_id):
            raise UnknownReference(reference_id)
        self.cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache, prefix=f".{reference_id}-") as tmp:
            work = Path(tmp)
            self._s3.download_file(self.bucket, f"{reference_id}/{MANIFEST}", str(work / MANIFEST))
            manifest = Manifest.read(work)
            for name, digest in manifest.files.items():
                self._s3.download_file(self.bucket, f"{reference_id}/{name}", str(work / name))
                if sha256(work / name) != digest:
                    raise RuntimeError(f"reference {reference_id}: {name} does not match its checksum")
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)  # atomic on one file system: readers see all or nothing
            work.mkdir()  # for TemporaryDirectory's clean-up
        log.info("reference %s cached in %s", reference_id, target)


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
    (directory / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.references", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install-demo", help="install the synthetic demo reference (skipped if present)")
    real = commands.add_parser("install", help="install an assembly from a FASTA and a GFF3")
    real.add_argument("--id", required=True)
    real.add_argument("--fasta", required=True, help="path or URL, plain or .gz")
    real.add_argument("--gff3", required=True, help="Ensembl-style GFF3: path or URL, plain or .gz")
    real.add_argument("--assembly", required=True)
    real.add_argument("--source", default="")
    commands.add_parser("list", help="the installed references")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load(ServiceSettings)
    store = ReferenceStore(Aws().client("s3"), Names(settings.prefix).bucket("references"), Path("."))
    if args.command == "list":
        for manifest in store.list():
            print(f"{manifest.id}\t{manifest.assembly}\t{manifest.source}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.command == "install-demo":
            if store.exists(DEMO_ID):
                print(f"{DEMO_ID} is installed already")
                return 0
            write_demo_bundle(Path(tmp))
        else:
            build_bundle(Path(tmp), reference_id=args.id, fasta=args.fasta, gff3=args.gff3,
                         assembly=args.assembly, source=args.source or f"{args.fasta} + {args.gff3}")
        manifest = store.install(Path(tmp))
    print(f"installed {manifest.id} ({manifest.assembly})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
