"""`python -m annotator.engine.tee --bgzf OUT --gff3 G --counts C [--plain P]`: takes csq's bgzipped VCF on
stdin and stores it in OUT as it comes, inflates it on the way to copy the text to P and count it, and
writes the counts to C as JSON.

A process of its own so that counting runs beside bcftools, on another core, while the VCF streams past.
csq compresses its own output (so the text is not parsed again just to compress it); inflating it here
costs a fraction of that.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import zlib
from pathlib import Path

from .summary import Flanks, Summariser

CHUNK = 1 << 20
GZIP = 31  # zlib's wbits for a gzip member; BGZF is a run of them


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.tee")
    parser.add_argument("--bgzf", type=Path, required=True, help="where csq's output is stored")
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path, help="a cache of the gene flanks, made from --gff3 if missing")
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--plain", type=Path)
    args = parser.parse_args(argv)
    flanks = Flanks.cached(args.gff3, args.flanks)
    counter: Summariser | None = None  # made at the #CHROM line, which says how many columns there are
    header, carry = True, b""
    inflater = zlib.decompressobj(GZIP)
    with args.bgzf.open("wb") as stored, (args.plain.open("wb") if args.plain else contextlib.nullcontext()) as copy:
        while chunk := sys.stdin.buffer.read(CHUNK):
            stored.write(chunk)
            pieces = []
            while chunk:
                pieces.append(inflater.decompress(chunk))
                chunk = b""
                if inflater.eof:  # the end of one BGZF block: the next starts a gzip member of its own
                    chunk, inflater = inflater.unused_data, zlib.decompressobj(GZIP)
            text = b"".join(pieces)
            if copy:
                copy.write(text)
            data = carry + text
            cut = data.rfind(b"\n") + 1
            body, carry = data[:cut], data[cut:]
            if header:  # header lines come first and start with '#': skip them
                at = 0
                while body.startswith(b"#", at):
                    end = body.index(b"\n", at) + 1
                    if body.startswith(b"#CHROM", at):
                        counter = Summariser(flanks, body.count(b"\t", at, end) + 1)
                    at = end
                body, header = body[at:], not body[at:]
            if body and counter:
                counter.feed(body.decode())
    if counter is None:
        raise SystemExit("no #CHROM line in csq's output")
    if carry.strip():
        counter.feed(carry.decode() + "\n")
    summary = counter.result()
    args.counts.write_text(json.dumps({
        "variants": summary.variants, "by_region": summary.by_region, "by_consequence": summary.by_consequence,
        "by_impact": summary.by_impact, "genes": summary.genes, "first": summary.first,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
