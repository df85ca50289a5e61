"""`python -m annotator.engine.chain.tee --follow VCF.GZ --gff3 G --counts C [--plain P]`: reads the bgzipped VCF
that bcftools csq is writing, as it grows, until stdin (csq's stdout) closes; inflates it to copy the text to
P and count it, and writes the counts to C as JSON.

A process of its own so that counting runs beside bcftools, on another core, while csq writes. csq
compresses and indexes its own output (so the text is never parsed again just for that); inflating it here
costs a fraction of that.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..report.summary import Flanks, Summariser

CHUNK = 1 << 17  # compressed: about a megabyte of text
GZIP = 31  # zlib's wbits for a gzip member; BGZF is a run of them


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.tee")
    parser.add_argument("--follow", type=Path, required=True, help="the bgzipped VCF csq is writing")
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path, help="a cache of the gene flanks, made from --gff3 if missing")
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--plain", type=Path)
    args = parser.parse_args(argv)
    flanks = Flanks.cached(args.gff3, args.flanks)
    counter: Summariser | None = None  # made at the #CHROM line, which says how many columns there are
    header, carry = True, b""
    inflate = Inflater()
    with args.plain.open("wb") if args.plain else contextlib.nullcontext() as copy:
        for chunk in _follow(args.follow, sys.stdin.buffer.fileno()):
            text = inflate(chunk)
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
                counter.feed(body)
    if counter is None:
        raise SystemExit("no #CHROM line in csq's output")
    if carry.strip():
        counter.feed(carry + b"\n")
    summary = counter.result()
    args.counts.write_text(json.dumps(summary.to_counts()))
    return 0


class Inflater:
    """BGZF in, text out, a piece at a time; pieces may end anywhere."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(GZIP)

    def __call__(self, data: bytes) -> bytes:
        pieces = []
        while data:
            pieces.append(self._member.decompress(data))
            data = b""
            if self._member.eof:  # the end of one BGZF block: the next is a gzip member of its own
                data, self._member = self._member.unused_data, zlib.decompressobj(GZIP)
        return b"".join(pieces)


def _follow(path: Path, writer: int) -> Iterator[bytes]:
    """The bytes of a file another process is writing, as they come, until that process closes `writer`
    (its stdout); then the rest."""
    while not path.exists():
        if _closed(writer):
            return  # it stopped before it began; its exit code says why
    with path.open("rb") as growing:
        finished = False
        while True:
            if chunk := growing.read(CHUNK):
                yield chunk
            elif finished:
                return
            else:
                finished = _closed(writer)  # then read once more: what was written just before it ended


def _closed(pipe: int, wait: float = 0.01) -> bool:
    """Whether the other end of `pipe` has closed; waits up to `wait` seconds for it."""
    readable, _, _ = select.select([pipe], [], [], wait)
    return bool(readable) and not os.read(pipe, 4096)


if __name__ == "__main__":
    sys.exit(main())
