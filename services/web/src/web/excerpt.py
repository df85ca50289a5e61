"""The lines around the one a failed job names, read from the user's own input (plain, gzip or BGZF), so the
failure page can show the offending record with its neighbours instead of a bare line number."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

GZIP_MAGIC = b"\x1f\x8b"
GZIP = zlib.MAX_WBITS | 16  # zlib's wbits for a gzip member
AROUND = 2  # lines shown before and after the offending one
MAX_SCANNED = 64 * 1024 * 1024  # decompressed bytes read at most looking for the line: a page view, not a job
MAX_SHOWN = 400  # characters of each line shown (a VCF line can be megabytes of genotypes)


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as the annotator counts
    text: str
    offending: bool
    cut: bool  # longer than shown


def _decompressed(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The bytes as stored, or inflated when they are gzip (BGZF is many gzip members, one after another)."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    if not first.startswith(GZIP_MAGIC):
        yield first
        yield from chunks
        return
    inflate = zlib.decompressobj(wbits=GZIP)
    for chunk in itertools.chain([first], chunks):
        data = chunk
        while data:
            yield inflate.decompress(data)
            if not inflate.eof:
                break
            data = inflate.unused_data  # the next member starts here
            inflate = zlib.decompressobj(wbits=GZIP)


def around(chunks: Iterable[bytes], line: int, *, before: int = AROUND, after: int = AROUND,
           max_scanned: int = MAX_SCANNED) -> list[Line]:
    """Lines `line - before` to `line + after` of the file in `chunks`; empty when the file is shorter, cannot
    be read as gzip, or the line lies past `max_scanned` bytes."""
    first, last = max(1, line - before), line + after
    found: list[Line] = []
    number, scanned, tail = 0, 0, b""
    try:
        for data in _decompressed(chunks):
            scanned += len(data)
            *complete, tail = (tail + data).split(b"\n")
            for raw in complete:
                number += 1
                if number >= first:
                    found.append(_line(number, raw, line))
                if number >= last:
                    return found
            if scanned > max_scanned:
                return []
    except zlib.error:
        return []
    if tail:
        number += 1
        if number >= first:
            found.append(_line(number, tail, line))
    return found if any(x.offending for x in found) else []


def _line(number: int, raw: bytes, offending: int) -> Line:
    text = raw.rstrip(b"\r").decode("utf-8", "replace")
    return Line(number, text[:MAX_SHOWN], number == offending, len(text) > MAX_SHOWN)
