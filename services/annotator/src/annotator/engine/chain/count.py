"""`python -m annotator.engine.chain.count --gff3 G [--flanks F] --counts C [--index DIR]`: counts csq's
records (on stdin, VCF text without its header) by consequence, impact, region class and gene, writes the
counts to C as JSON and, with --index, spools the variant index's rows and variants to DIR. A process of its
own, fed by the merge, so that counting runs beside merging on another core."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from gas_shared.contract.bundle import Track

from ..report.summary import Flanks, Summariser
from ..report.tracks import Meanings, TrackCounts, matched
from ..report.variant_index import VariantIndex
from ..transcripts import Preferred

CHUNK = 1 << 20


def stdin_lines(size: int = CHUNK) -> Iterator[bytes]:
    """What arrives on stdin, whole lines a block at a time (a last line without its newline gets one)."""
    carry = b""
    stdin = cast(io.BufferedReader, sys.stdin.buffer)
    while chunk := stdin.read1(size):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield data[:cut]
    if carry.strip():
        yield carry + b"\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.count")
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path, help="a cache of the gene flanks, made from --gff3 if missing")
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--index", type=Path, help="a folder to spool the variant index's rows and variants to")
    parser.add_argument("--tracks", default="[]", help="the bundle's tracks the chain applied, as JSON")
    parser.add_argument("--hgvs", action="store_true", help="the records carry GASHGVS: index it")
    args = parser.parse_args(argv)
    flanks = Flanks.cached(args.gff3, args.flanks)
    counter = Summariser(flanks, 8)
    meanings = Meanings.of(tuple(Track.of(t) for t in json.loads(args.tracks)))
    preferred = Preferred.beside(args.gff3, args.flanks)
    index = VariantIndex(args.index, flanks, meanings, preferred, args.hgvs) if args.index else None
    tracks = TrackCounts()
    for block in stdin_lines():
        parsed = counter.feed(block)
        found = matched(parsed, meanings) if meanings.any else None
        if found:
            tracks.add(found, meanings)
        if index:
            index.feed(parsed, found)
    summary = counter.result()
    if meanings.known:
        summary.known = tracks.known
    summary.clinical = tracks.clinical
    if meanings.panels:
        summary.panels = Counter({name: tracks.panels[name] for name in meanings.panels})
    counts = summary.to_counts()
    if index:
        counts["index"] = index.close()
    args.counts.write_text(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
