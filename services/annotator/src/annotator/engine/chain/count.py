"""`python -m annotator.engine.chain.count --gff3 G [--flanks F] --counts C`: counts csq's records (on stdin,
VCF text without its header) by consequence, impact, region class and gene, and writes the counts to C as
JSON. A process of its own, fed by the merge, so that counting runs beside merging on another core."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import cast

from ..report.summary import Flanks, Summariser

CHUNK = 1 << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.count")
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path, help="a cache of the gene flanks, made from --gff3 if missing")
    parser.add_argument("--counts", type=Path, required=True)
    args = parser.parse_args(argv)
    counter = Summariser(Flanks.cached(args.gff3, args.flanks), 8)
    stdin = cast(io.BufferedReader, sys.stdin.buffer)
    carry = b""
    while chunk := stdin.read1(CHUNK):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            counter.feed(data[:cut])
    if carry.strip():
        counter.feed(carry + b"\n")
    args.counts.write_text(json.dumps(counter.result().to_counts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
