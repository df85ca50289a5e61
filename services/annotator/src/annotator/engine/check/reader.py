"""Reads an uploaded VCF (plain or gzip/BGZF) as numbered blocks of text lines, refusing what is not text."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import VcfError

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE_BYTES = 4 * 1024 * 1024  # a multi-sample line can be long; 4 MiB is far past any real one
# A VCF compresses 5-20x; a ratio this high past this size is a decompression bomb, not genomics.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 8 * 1024 * 1024
BLOCK_BYTES = 1 << 20
TRUNCATED = "the gzip data is truncated (the file ends before the end of its compressed stream)"


@dataclass
class Limits:
    max_line_bytes: int = MAX_LINE_BYTES
    bomb_ratio: int = BOMB_RATIO
    bomb_min_bytes: int = BOMB_MIN_BYTES
    max_bytes: int | None = None  # the most text a file may hold (the user's plan says how much)
    plan: str = ""  # named in the refusal


class _CountingReader(io.RawIOBase):
    """Counts decompressed bytes so a bomb is stopped while it inflates, not after."""

    def __init__(self, inner: gzip.GzipFile, compressed: IO[bytes], limits: Limits):
        self._inner = inner
        self._compressed = compressed  # its position: the compressed bytes consumed so far
        self._limits = limits
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._inner.readinto(buffer)
        self.total += n
        _within_plan(self.total, self._limits)
        if self.total > self._limits.bomb_min_bytes:
            consumed = max(1, self._compressed.tell())
            if self.total / consumed > self._limits.bomb_ratio:
                raise VcfError(
                    f"the gzip data inflates more than {self._limits.bomb_ratio}x "
                    f"({consumed:,} bytes to over {self.total:,}): refused as a decompression bomb"
                )
        return int(n)


def blocks(path: Path, filename: str, limits: Limits | None = None) -> Iterator[tuple[int, str]]:
    """(number of its first line, text) for blocks of whole lines, each ending in a newline.

    Blocks, not lines, so that the checks every byte needs (NUL, UTF-8, line length, CRLF) run in C over
    a megabyte at a time; the validator takes lines one by one only where it must.
    """
    limits = limits or Limits()
    if path.stat().st_size == 0:
        raise VcfError("the file is empty")
    with path.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == GZIP_MAGIC:
            stream: IO[bytes] = io.BufferedReader(
                _CountingReader(gzip.GzipFile(fileobj=raw), raw, limits), buffer_size=1 << 20
            )
        elif filename.endswith(".gz"):
            raise VcfError(f"{filename} is named .gz but is not gzip data (it starts with {magic!r})")
        else:
            stream = raw
        yield from _blocks(stream, limits)


def _within_plan(total: int, limits: Limits) -> None:
    if limits.max_bytes is not None and total > limits.max_bytes:
        raise VcfError(f"the file holds more than {limits.max_bytes / 2**30:.3g} GB of VCF text once decompressed, "
                       f"the most the {limits.plan or 'current'} plan annotates")


def _blocks(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, str]]:
    number, carry = 1, b""  # the next block's first line; a line not yet ended
    read = 0
    try:
        while data := stream.read(BLOCK_BYTES):
            read += len(data)
            _within_plan(read, limits)
            data = carry + data if carry else data
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if len(carry) > limits.max_line_bytes:
                raise VcfError(f"the line is longer than {limits.max_line_bytes:,} bytes",
                               number + block.count(b"\n"))
            if block:
                yield number, _text(block, number, limits)
                number += block.count(b"\n")
        if carry:
            yield number, _text(carry + b"\n", number, limits)  # the last line, without a newline: fine
    except EOFError:
        raise VcfError(TRUNCATED) from None  # where it was cut is not a line we know
    except (gzip.BadGzipFile, zlib.error) as e:
        raise VcfError(f"the gzip data is corrupt: {e}", number) from None


def _text(block: bytes, first: int, limits: Limits) -> str:
    """The block as text, or VcfError at the first line (and column) that is not."""
    if block.find(b"\n") > limits.max_line_bytes or (
            len(block) > limits.max_line_bytes and max(map(len, block.split(b"\n"))) > limits.max_line_bytes):
        at = next(i for i, line in enumerate(block.split(b"\n")) if len(line) > limits.max_line_bytes)
        raise VcfError(f"the line is longer than {limits.max_line_bytes:,} bytes", first + at)
    nul = block.find(b"\x00")
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as e:
        if nul < 0 or e.start < nul:
            line, column = _place(block, e.start, first)
            what = "binary data: this is not a text VCF" if line == 1 else "not UTF-8 text"
            raise VcfError(f"{what} (byte 0x{block[e.start]:02x})", line, column) from None
    if nul >= 0:
        raise VcfError("binary data (a NUL byte): this is not a text VCF", *_place(block, nul, first))
    return text.replace("\r\n", "\n") if "\r" in text else text  # Windows line endings are fine


def _place(block: bytes, offset: int, first: int) -> tuple[int, int]:
    """(line, column), 1-based, of a byte offset in a block whose first line is `first`."""
    return first + block.count(b"\n", 0, offset), offset - block.rfind(b"\n", 0, offset)
