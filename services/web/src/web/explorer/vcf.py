"""The matching records of an annotated VCF, streamed: the bgzipped file read from S3 a chunk at a time,
its header and the records whose number is wanted written out, memory flat."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import NDArray


def inflated(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The text of a gzip file made of many members (BGZF is a run of them)."""
    inflate = zlib.decompressobj(31)
    for chunk in chunks:
        data = chunk
        while data:
            out = inflate.decompress(data)
            if out:
                yield out
            if inflate.eof:
                data = inflate.unused_data
                inflate = zlib.decompressobj(31)
            else:
                data = b""
    rest = inflate.flush()
    if rest:
        yield rest


def selected(chunks: Iterable[bytes], wanted: NDArray[np.bool_]) -> Iterator[bytes]:
    """The header, then each record line whose 1-based number is True in `wanted`."""
    carry, number, header = b"", 0, True
    for text in inflated(chunks):
        data = carry + text
        cut = data.rfind(b"\n") + 1
        carry, data = data[cut:], data[:cut]
        while header and data:
            if not data.startswith(b"#"):
                header = False
                break
            end = data.index(b"\n") + 1
            yield data[:end]
            data = data[end:]
        if not data:
            continue
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == 10)
        starts = np.concatenate(([0], ends[:-1] + 1))
        numbers = np.arange(number + 1, number + 1 + len(ends))
        number += len(ends)
        inside = numbers < len(wanted)
        keep = np.zeros(len(ends), dtype=bool)
        keep[inside] = wanted[numbers[inside]]
        if keep.any():
            yield b"".join(data[s: e + 1] for s, e in zip(starts[keep].tolist(), ends[keep].tolist(), strict=True))
