"""An annotation track from its public source: downloaded (resumable, checked), cut to the bundle's contigs and
made into the file the chain applies (contract.bundle.Track).

A VCF source (dbSNP, ClinVar, gnomAD sites) goes through bcftools as a pipeline, so memory stays flat on a
file of a billion records: `annotate --rename-chrs` (the source's contig names to the bundle's: 1 -> chr1,
MT -> chrM, or a map file) | `view -t` (the bundle's contigs only) | `norm -m -any -c wx` against the bundle's
FASTA (split, left-aligned and trimmed as GAS normalises the user's ALTs; records whose REF is not the
bundle's are left out) | `query` CHROM POS REF ALT and the carried fields. A comma inside a value becomes '|'
(the output writes one value per ALT, separated by commas). A BED source keeps CHROM START END NAME.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import heapq
import itertools
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pysam
from pysam.libcbgzf import BGZFile

from gas_shared.contract.bundle import FASTA, KNOWN_ID, REGIONS, VARIANTS, Manifest, Track, sha256

TOOL = [sys.executable, "-m", "annotator.engine.chain.bcftools"]
COMBINED = "tracks.variants.tsv.gz"
BLOCK = 1 << 20


class TrackError(ValueError):
    """The source cannot become a track: the reason, in one sentence."""


@dataclass(frozen=True)
class Download:
    """A source file on this disk, and the checksum it matched."""

    path: Path
    sha256: str


def fetch(url: str, dest: Path, *, sha256_hex: str | None = None, md5_hex: str | None = None,
          opener: Callable[[urllib.request.Request], IO[bytes]] | None = None) -> Download:
    """`url` (http(s), ftp or file) to `dest`, resuming a `dest`.part left by an interrupted run (HTTP Range;
    a server that ignores Range sends it whole again), then checked against the checksum given."""
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})  # noqa: S310
    open_url = opener or (lambda r: urllib.request.urlopen(r, timeout=60))  # noqa: S310 - the operator's URL
    try:
        response = open_url(request)
    except urllib.error.HTTPError as e:
        if e.code != 416:  # 416: the part is whole already
            raise TrackError(f"{url}: the server answered {e.code} {e.reason}") from None
        response = None
    if response is not None:
        with response:
            resumed = have and getattr(response, "status", 200) == 206
            length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            with part.open("ab" if resumed else "wb") as out:
                start = out.tell()
                shutil.copyfileobj(response, out, BLOCK)
                got = out.tell() - start
        # A dropped connection can end the body early without an error: the length says.
        if length is not None and got < int(length):
            raise TrackError(f"{url}: the download stopped after {start + got} bytes; run again to resume")
    digest_sha, digest_md5 = hashlib.sha256(), hashlib.md5()  # noqa: S324 - the checksum NCBI publishes
    with part.open("rb") as whole:
        for block in iter(lambda: whole.read(BLOCK), b""):
            digest_sha.update(block)
            digest_md5.update(block)
    if sha256_hex and digest_sha.hexdigest() != sha256_hex.lower():
        part.unlink()
        raise TrackError(f"{url}: sha256 {digest_sha.hexdigest()} is not the expected {sha256_hex}")
    if md5_hex and digest_md5.hexdigest() != md5_hex.lower():
        part.unlink()
        raise TrackError(f"{url}: md5 {digest_md5.hexdigest()} is not the expected {md5_hex}")
    part.replace(dest)
    return Download(dest, digest_sha.hexdigest())


def contig_map(source_names: Iterable[str], bundle_names: Sequence[str],
               extra: dict[str, str] | None = None) -> dict[str, str]:
    """Source contig -> bundle contig: the same name, or the other of '1'/'chr1' ('MT'/'chrM'), or `extra`."""
    bundle = set(bundle_names)
    found = {}
    for name in source_names:
        bare = name[3:] if name.startswith("chr") else name
        for candidate in ((extra or {}).get(name, ""), name, bare, f"chr{bare}",
                          "chrM" if bare in ("M", "MT") else "", "MT" if bare in ("M", "MT") else ""):
            if candidate in bundle:
                found[name] = candidate
                break
    return found


def build_variants(sources: Sequence[Path], bundle: Path, name: str, fields: Sequence[str], *,
                   extra_map: dict[str, str] | None = None) -> tuple[Path, dict[str, str], int]:
    """The track table for a VCF source (several files, one per contig, are taken in the bundle's contig
    order): (the file in `bundle`, each field's Description, rows written)."""
    fasta = bundle / FASTA
    contigs = pysam.FastaFile(str(fasta)).references
    source = sources[0]
    header = _vcf_header(source)
    wanted_info = [f for f in fields if f != KNOWN_ID]
    missing = [f for f in wanted_info if f not in header.info]
    if missing:
        raise TrackError(f"{source.name} has no INFO field {', '.join(missing)} (it has "
                         f"{', '.join(str(k) for k in list(header.info)[:20]) or 'none'})")
    named = [str(c) for c in header.contigs]
    mapping = contig_map(named, contigs, extra_map)
    if not mapping and named:
        raise TrackError(f"none of {source.name}'s contigs ({', '.join(named[:5])}…) is in the "
                         "bundle; give a contig map")
    descriptions = {f: header.info[f].description or f for f in wanted_info}
    if KNOWN_ID in fields:
        descriptions[KNOWN_ID] = "the ID the source gives the variant"
    out = bundle / f"track.{name}.tsv.gz"
    with tempfile.TemporaryDirectory() as tmp, BGZFile(str(out), "wb", None) as table:
        rows = 0
        for each in sources:
            rows += _table(each, fasta, contigs, fields, table, Path(tmp), extra_map)
    pysam.tabix_index(str(out), seq_col=0, start_col=1, end_col=1, force=True)
    return out, descriptions, rows


def _table(source: Path, fasta: Path, contigs: Sequence[str], fields: Sequence[str], table: BGZFile, work: Path,
           extra_map: dict[str, str] | None) -> int:
    """One source file's rows, appended to `table`."""
    mapping = contig_map([str(c) for c in _vcf_header(source).contigs], contigs, extra_map)
    renames = work / "contigs.txt"
    renames.write_text("".join(f"{a}\t{b}\n" for a, b in mapping.items()))
    columns = "\\t".join(["%CHROM", "%POS", "%REF", "%ALT",
                          *("%ID" if f == KNOWN_ID else f"%INFO/{f}" for f in fields)])
    stages = [
        ["annotate", "--rename-chrs", str(renames), "-Ou", "-o", "-", str(source)],
        ["view", "-t", ",".join(mapping.values()) or ",".join(contigs), "-Ou", "-o", "-", "-"],
        ["norm", "-f", str(fasta), "-m", "-any", "-c", "wx", "-Ou", "-o", "-", "-"],
        # query: '-o -' writes a file named '-', and no -o at all crashes pysam's bcftools (a double free).
        ["query", "-f", columns + "\\n", "-o", "/dev/stdout", "-"],
    ]
    return _run(stages, table, work)


def build_regions(source: Path, bundle: Path, name: str, *, extra_map: dict[str, str] | None = None) -> tuple[
        Path, int]:
    """The track file for a BED source: CHROM START END NAME on the bundle's contigs, sorted."""
    contigs = list(pysam.FastaFile(str(bundle / FASTA)).references)
    order = {c: i for i, c in enumerate(contigs)}
    opener = gzip.open if _gzipped(source) else open
    regions = []
    with opener(source, "rt") as bed:
        for number, line in enumerate(bed, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            cols = line.rstrip("\n").split("\t")
            try:
                start, end = int(cols[1]), int(cols[2])
            except (IndexError, ValueError):
                raise TrackError(f"{source.name} line {number}: not BED (CHROM, START, END separated by tabs)") \
                    from None
            contig = contig_map([cols[0]], contigs, extra_map).get(cols[0])
            if contig is None or end <= start:
                continue
            label = (cols[3] if len(cols) > 3 and cols[3] else ".").replace(",", "|").replace(";", "|")
            regions.append((order[contig], start, end, contig, label.replace(" ", "_")))
    regions.sort()
    out = bundle / f"track.{name}.bed.gz"
    with BGZFile(str(out), "wb", None) as table:
        table.write("".join(f"{c}\t{s}\t{e}\t{n}\n" for _, s, e, c, n in regions).encode())
    pysam.tabix_index(str(out), preset="bed", force=True)
    return out, len(regions)


def attach(bundle: Path, source: Path | Sequence[Path], *, name: str, kind: str, fields: Sequence[str], version: str,
           origin: str, source_sha256: str | None = None, extra_map: dict[str, str] | None = None) -> Manifest:
    """Builds the track from `source` into the bundle directory and writes the manifest with it."""
    manifest = Manifest.read(bundle)
    sources = [source] if isinstance(source, Path) else list(source)
    if kind == VARIANTS:
        if not fields:
            raise TrackError("a variants track carries at least one field (ID, or INFO keys such as CLNSIG, AF)")
        out, descriptions, _ = build_variants(sources, bundle, name, fields, extra_map=extra_map)
    elif kind == REGIONS:
        (out, _), descriptions, fields = build_regions(sources[0], bundle, name, extra_map=extra_map), {}, ()
    else:
        raise TrackError(f"kind {kind!r}: {VARIANTS} or {REGIONS}")
    track = Track(name, kind, out.name, version, origin, source_sha256 or ",".join(sha256(s) for s in sources),
                  tuple(fields),
                  descriptions)
    index = Path(f"{out}.tbi")
    updated = combine(bundle, manifest.with_track(track, {out.name: sha256(out), index.name: sha256(index)}))
    updated.write(bundle)
    return updated


def combine(bundle: Path, manifest: Manifest) -> Manifest:
    """The bundle's variants tracks joined into one table (COMBINED) when it has two or more: a row per
    CHROM POS REF ALT that any track holds, each track's fields in turn ('.' where it holds none; the first
    row of a track wins where it repeats an allele). One annotate stage then applies them all."""
    variants = manifest.variant_tracks
    files = {k: v for k, v in manifest.files.items() if k not in (COMBINED, f"{COMBINED}.tbi")}
    if len(variants) < 2:
        return dataclasses.replace(manifest, files=files, combined="")
    out = bundle / COMBINED
    contigs = pysam.FastaFile(str(bundle / FASTA)).references
    tables = [pysam.TabixFile(str(bundle / t.file)) for t in variants]
    empty = [["."] * len(t.fields) for t in variants]
    try:
        with BGZFile(str(out), "wb", None) as joined:
            for contig in contigs:
                streams = [_rows(table, contig, i) for i, table in enumerate(tables) if contig in table.contigs]
                lines = []
                # By position only: a table's rows at one position need not be in REF/ALT order.
                for pos, group in itertools.groupby(heapq.merge(*streams, key=lambda r: r[0]), key=lambda r: r[0]):
                    alleles: dict[tuple[str, str], list[list[str]]] = {}
                    for _, ref, alt, i, fields in group:
                        values = alleles.setdefault((ref, alt), [list(e) for e in empty])
                        if values[i] == empty[i]:  # the first row of a track wins
                            values[i] = fields
                    lines += ["\t".join([contig, str(pos), ref, alt, *(v for vs in values for v in vs)]) + "\n"
                              for (ref, alt), values in alleles.items()]
                    if len(lines) >= 100_000:
                        joined.write("".join(lines).encode())
                        lines = []
                joined.write("".join(lines).encode())
    finally:
        for table in tables:
            table.close()
    pysam.tabix_index(str(out), seq_col=0, start_col=1, end_col=1, force=True)
    index = Path(f"{out}.tbi")
    return dataclasses.replace(manifest, files={**files, COMBINED: sha256(out), index.name: sha256(index)},
                               combined=COMBINED)


def _rows(table: pysam.TabixFile, contig: str, track: int) -> Iterator[tuple[int, str, str, int, list[str]]]:
    """A track table's rows on `contig` as (POS, REF, ALT, the track's number, its fields), in order."""
    for line in table.fetch(contig):
        f = line.split("\t")
        yield int(f[1]), f[2], f[3], track, f[4:]


def _vcf_header(source: Path) -> pysam.VariantHeader:
    quiet = pysam.set_verbosity(0)  # htslib would say that a source without an index has none: it needs none
    try:
        with pysam.VariantFile(str(source)) as vcf:
            return vcf.header
    except (OSError, ValueError) as e:
        raise TrackError(f"{source.name} is not a VCF htslib can read ({e})") from None
    finally:
        pysam.set_verbosity(quiet)


def _gzipped(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _run(stages: list[list[str]], table: BGZFile, work: Path) -> int:
    """The bcftools stages as one pipeline; the last one's output (commas made '|') to `table`."""
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []
    upstream: IO[bytes] | None = None
    for i, argv in enumerate(stages):
        errors = work / f"stage-{i}.err"
        with errors.open("wb") as err:
            process = subprocess.Popen([*TOOL, *argv], stdin=upstream, stdout=subprocess.PIPE, stderr=err)
        if upstream:
            upstream.close()
        upstream = process.stdout
        processes.append((process, errors))
    rows = 0
    assert upstream is not None
    while chunk := upstream.read(BLOCK):
        rows += chunk.count(b"\n")
        table.write(chunk.replace(b",", b"|"))
    for i, (process, errors) in enumerate(processes):
        if process.wait() != 0:
            said = errors.read_text(errors="replace").strip()[-400:]
            raise TrackError(f"bcftools {stages[i][0]} could not read the source: {said}")
    return rows
