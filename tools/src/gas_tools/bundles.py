"""`gas references`: install the synthetic demo reference or a real assembly into the references bucket, and
list what is installed.

    gas references install-demo
    gas references install --id GRCh38 --assembly GRCh38 --fasta URL_OR_PATH --gff3 URL_OR_PATH
    gas references install-track --reference GRCh38 --preset clinvar
    gas references install-track --reference GRCh38 --name panel --kind regions --url panel.bed --version 2
    gas references list

A track is downloaded into --cache (an interrupted download resumes there), checked against its checksum
(--sha256, --md5, or the .md5 file the preset's source publishes), cut to the bundle's contigs, normalised
against its FASTA and attached to the bundle (annotator.track_builder); the bundle is installed again with its
manifest last, and annotators fetch only the new files before their next job.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.synthetic.bundle import DEMO_ID, write_demo_bundle
from annotator.track_builder import TrackError, attach, fetch
from gas_shared.contract.bundle import FASTA, GFF3, Manifest, sha256
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
    manifest.write(directory)
    return manifest


@dataclass(frozen=True)
class Preset:
    """A public source GAS knows: where it is, what to carry, and how its contigs are named."""

    kind: str
    fields: tuple[str, ...]
    urls: tuple[str, ...]  # '{contig}' is each of the bundle's chr1..chr22, chrX, chrY
    md5_sidecar: bool  # the source publishes URL.md5
    note: str = ""


NCBI = "https://ftp.ncbi.nlm.nih.gov"
PRESETS = {
    "clinvar": Preset("variants", ("ID", "CLNSIG", "CLNDN"), (f"{NCBI}/pub/clinvar/vcf_GRCh38/clinvar.vcf.gz",), True),
    "dbsnp": Preset("variants", ("ID",), (f"{NCBI}/snp/latest_release/VCF/GCF_000001405.40.gz",), True,
                    "dbSNP names contigs by RefSeq accession (NC_000001.11): give --contig-map, made from NCBI's "
                    "assembly report (columns RefSeq-Accn and Sequence-Name or UCSC-style-name)"),
    "gnomad": Preset("variants", ("AF", "AF_grpmax"), (
        "https://storage.googleapis.com/gcp-public-data--gnomad/release/4.1/vcf/genomes/"
        "gnomad.genomes.v4.1.sites.{contig}.vcf.bgz",), False,
        "gnomAD publishes no checksum file: pass --sha256 for a single file to have it checked"),
}
HUMAN = tuple(f"chr{c}" for c in [*range(1, 23), "X", "Y"])


def install_track(args: argparse.Namespace, bundles: Bundles) -> int:
    preset = PRESETS.get(args.preset) if args.preset else None
    name = args.name or args.preset
    kind = args.kind or (preset.kind if preset else "variants")
    fields = tuple(f for f in (args.fields or "").split(",") if f) or (preset.fields if preset else ())
    if not name or not (args.url or preset):
        print("install-track: give --preset, or --name and --url", file=sys.stderr)
        return 2
    if not bundles.exists(args.reference):
        print(f"install-track: no reference {args.reference} is installed", file=sys.stderr)
        return 2
    if preset and preset.note:
        print(f"install-track: note: {preset.note}", file=sys.stderr)
    cache = Path(args.cache).expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    extra = dict(line.split()[:2] for line in Path(args.contig_map).read_text().splitlines()
                 if len(line.split()) >= 2 and not line.startswith("#")) if args.contig_map else None
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        bundles.download_all(args.reference, bundle)
        urls = (args.url or _preset_urls(preset, bundle)) if preset else args.url
        try:
            sources = []
            for url in urls:
                md5 = args.md5 or (_sidecar(url) if preset and preset.md5_sidecar and not args.sha256 else None)
                sources.append(fetch(url, cache / _file_name(url), sha256_hex=args.sha256 if len(urls) == 1 else None,
                                     md5_hex=md5))
            manifest = attach(bundle, [s.path for s in sources], name=name, kind=kind, fields=fields,
                              version=args.version, origin=" ".join(urls), extra_map=extra,
                              source_sha256=",".join(s.sha256 for s in sources))
        except TrackError as e:
            print(f"install-track: {e}", file=sys.stderr)
            return 1
        bundles.install(bundle)
    track = next(t for t in manifest.tracks if t.name == name)
    print(f"attached {track.name} {track.version} ({track.kind}: {', '.join(track.fields) or 'regions'}) to "
          f"{manifest.id}")
    return 0


def _preset_urls(preset: Preset, bundle: Path) -> list[str]:
    import pysam

    if "{contig}" not in preset.urls[0]:
        return list(preset.urls)
    contigs = pysam.FastaFile(str(bundle / FASTA)).references
    wanted = [c for c in HUMAN if c in contigs or c[3:] in contigs]
    return [preset.urls[0].format(contig=c) for c in wanted]


def _sidecar(url: str) -> str:
    """The checksum a source publishes beside itself (URL.md5: 'HEX  name')."""
    with _open(url + ".md5") as published:
        return str(published.read().decode().split()[0])


def _file_name(url: str) -> str:
    return Path(urllib.parse.urlparse(url).path).name or "source"


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
    track = what.add_parser("install-track", help="attach an annotation track (dbSNP, ClinVar, gnomAD, a BED)")
    track.add_argument("--reference", required=True, help="the installed bundle's id")
    track.add_argument("--preset", choices=sorted(PRESETS), help="a public source GAS knows")
    track.add_argument("--name", help="the track's name (lower-case letters and digits; prefixes its INFO tags)")
    track.add_argument("--kind", choices=("variants", "regions"))
    track.add_argument("--url", action="append", help="path or URL of the source (again for more files)")
    track.add_argument("--fields", help="ID and INFO keys to carry, comma-separated (variants)")
    track.add_argument("--version", default="unversioned", help="the source's release, as the job will record it")
    track.add_argument("--sha256", help="the source's expected sha256 (one --url)")
    track.add_argument("--md5", help="the source's expected md5")
    track.add_argument("--contig-map", help="a file of 'SOURCE_NAME BUNDLE_NAME' lines")
    track.add_argument("--cache", default="~/.cache/gas/tracks", help="where downloads are kept (and resumed)")
    what.add_parser("list", help="the installed references")


def run(args: argparse.Namespace, bundles: Bundles) -> int:
    if args.references_command == "install-track":
        return install_track(args, bundles)
    if args.references_command == "list":
        for manifest in bundles.list():
            tracks = ",".join(f"{t.name}:{t.version}" for t in manifest.tracks)
            print(f"{manifest.id}\t{manifest.assembly}\t{manifest.source}" + (f"\t{tracks}" if tracks else ""))
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
