"""`python -m annotator.engine.chain.count --gff3 G [--flanks F] --counts C`: counts csq's records (on stdin,
VCF text without its header) by consequence, impact, region class and gene, and writes the counts to C as
JSON. A process of its own, fed by the merge, so that counting runs beside merging on another core."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from ..report.summary import Flanks, Summariser

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
    args = parser.parse_args(argv)
    counter = Summariser(Flanks.cached(args.gff3, args.flanks), 8)
    for block in stdin_lines():
        counter.feed(block)
    args.counts.write_text(json.dumps(counter.result().to_counts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
