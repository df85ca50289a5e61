"""Reads an uploaded VCF (plain or gzip/BGZF) as numbered text lines, refusing what is not one."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import VcfError

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE_BYTES = 4 * 1024 * 1024  # a multi-sample line can be long; 4 MiB is far past any real one
# A VCF compresses 5-20x; a ratio this high past this size is a decompression bomb, not genomics.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 8 * 1024 * 1024
TRUNCATED = "the gzip data is truncated (the file ends before the end of its compressed stream)"


@dataclass
class Limits:
    max_line_bytes: int = MAX_LINE_BYTES
    bomb_ratio: int = BOMB_RATIO
    bomb_min_bytes: int = BOMB_MIN_BYTES


class _CountingReader(io.RawIOBase):
    """Counts decompressed bytes so a bomb is stopped while it inflates, not after."""

    def __init__(self, inner: IO[bytes], compressed: IO[bytes], limits: Limits):
        self._inner = inner
        self._compressed = compressed  # its position: the compressed bytes consumed so far
        self._limits = limits
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        self.total += n
        if self.total > self._limits.bomb_min_bytes:
            consumed = max(1, self._compressed.tell())
            if self.total / consumed > self._limits.bomb_ratio:
                raise VcfError(
                    f"the gzip data inflates more than {self._limits.bomb_ratio}x "
                    f"({consumed:,} bytes to over {self.total:,}): refused as a decompression bomb"
                )
        return int(n)


def lines(path: Path, filename: str, limits: Limits | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text without its line ending) for every line; VcfError for what is not text."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size == 0:
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
        yield from _numbered(stream, limits)


def _numbered(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, str]]:
    number = 0
    try:
        while True:
            chunk = stream.readline(limits.max_line_bytes + 1)
            if not chunk:
                return
            number += 1
            if len(chunk) > limits.max_line_bytes:
                raise VcfError(f"the line is longer than {limits.max_line_bytes:,} bytes", number)
            if not chunk.endswith(b"\n"):
                # The last line, without a newline: fine for a file, but a cut-off gzip stream shows here.
                try:
                    stream.read(1)
                except EOFError:
                    raise VcfError(TRUNCATED) from None
            if b"\x00" in chunk:
                raise VcfError("binary data (a NUL byte): this is not a text VCF", number,
                               chunk.index(b"\x00") + 1)
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as e:
                what = "binary data: this is not a text VCF" if number == 1 else "not UTF-8 text"
                raise VcfError(f"{what} (byte 0x{chunk[e.start]:02x})", number, e.start + 1) from None
            yield number, text.rstrip("\r\n")  # Windows line endings are fine
    except EOFError:
        raise VcfError(TRUNCATED) from None  # buffered reads: where it was cut is not a line we know
    except (gzip.BadGzipFile, zlib.error) as e:
        raise VcfError(f"the gzip data is corrupt: {e}", number + 1) from None
