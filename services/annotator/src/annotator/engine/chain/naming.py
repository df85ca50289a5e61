"""`python -m annotator.engine.chain.naming --gff3 G --fasta F [--cache C]`: csq's records (VCF text) in on
stdin, out on stdout with INFO/GASHGVS: the HGVS c. (or n.) and p. notation of the variant on every transcript
it falls in (engine.hgvs), as TRANSCRIPT|c.|p. entries. A stage of its own between csq and the merge, run
only when the user asks for HGVS (a Python statement per transcript and variant: a job takes longer)."""

from __future__ import annotations

import argparse
import bisect
import logging
import sys
from dataclasses import asdict
from pathlib import Path

import pysam

from ..derived import derived
from ..hgvs import Transcript, notation, transcripts_of
from .count import stdin_lines

CACHE = ".gas-transcripts-v1.json"  # the transcript models, read from the GFF3 once per bundle
LINE = (b'##INFO=<ID=GASHGVS,Number=.,Type=String,Description="HGVS notation of the ALT on each transcript it '
        b'falls in (GAS), as TRANSCRIPT|c. or n.|p. (p. empty outside the CDS)">\n')
log = logging.getLogger(__name__)


class Models:
    """The transcripts of each contig, sorted by start, for overlap queries."""

    def __init__(self, by_contig: dict[str, list[Transcript]]):
        self._by = by_contig
        self._starts = {c: [t.start for t in ts] for c, ts in by_contig.items()}
        self._longest = {c: max((t.end - t.start for t in ts), default=0) for c, ts in by_contig.items()}

    @classmethod
    def cached(cls, gff3: Path, cache: Path | None) -> Models:
        return derived(gff3, cache, lambda: cls(transcripts_of(gff3)),
                       lambda m: {c: [asdict(t) for t in ts] for c, ts in m._by.items()},
                       lambda data: cls({c: [Transcript(t["id"], t["contig"], t["strand"],
                                                        tuple(map(tuple, t["exons"])),
                                                        tuple(t["cds"]) if t["cds"] else None) for t in ts]
                                         for c, ts in data.items()}))

    def overlapping(self, contig: str, low: int, high: int) -> list[Transcript]:
        starts = self._starts.get(contig)
        if not starts:
            return []
        first = bisect.bisect_left(starts, low - self._longest[contig])
        last = bisect.bisect_right(starts, high)
        return [t for t in self._by[contig][first:last] if t.start <= high and t.end >= low]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.naming")
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--fasta", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="a file beside which the transcript models are cached")
    args = parser.parse_args(argv)
    models = Models.cached(args.gff3, args.cache.with_name(CACHE) if args.cache else None)
    out = sys.stdout.buffer
    with pysam.FastaFile(str(args.fasta)) as fasta:
        def fetch(contig: str, start: int, end: int) -> str:
            return fasta.fetch(contig, max(start, 0), end).upper() if end > start else ""

        for block in stdin_lines():
            out.write(b"".join(_named(line, models, fetch) for line in block.split(b"\n")[:-1]))
    return 0


def _named(line: bytes, models: Models, fetch: object) -> bytes:
    if line.startswith(b"#"):
        return (LINE if line.startswith(b"#CHROM") else b"") + line + b"\n"
    f = line.split(b"\t", 8)
    chrom, pos, ref, alt = f[0].decode(), int(f[1]), f[3].decode().upper(), f[4].decode().upper()
    names = []
    for transcript in models.overlapping(chrom, pos, pos + len(ref) - 1):
        try:
            c, p = notation(transcript, pos, ref, alt, fetch)  # type: ignore[arg-type]
        except (ValueError, KeyError, IndexError) as e:  # a model HGVS cannot number: that transcript is left out
            log.debug("no HGVS for %s on %s: %s", line[:80], transcript.id, e)
            continue
        names.append(f"{transcript.id}|{c}|{p}")
    if not names:
        return line + b"\n"
    info = f[7]
    tag = b"GASHGVS=" + ",".join(names).encode()
    at = info.find(b";BCSQ=")  # BCSQ stays last: the merge finds it there
    f[7] = info[:at] + b";" + tag + info[at:] if at >= 0 else info + b";" + tag
    return b"\t".join(f) + b"\n"


if __name__ == "__main__":
    sys.exit(main())
