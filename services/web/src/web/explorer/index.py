"""A job's variant index (gas_shared.contract.variant_index) opened for queries: every column memory-mapped
from a folder of .npy files, so a query touches the pages it reads and the web worker never holds the job."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.variant_index import ARRAYS, OPTIONAL_ARRAYS, OPTIONAL_TEXTS, TEXTS, VERSION

Ints = NDArray[np.int64]


def sorted_distinct(values: NDArray[Any]) -> NDArray[Any]:
    """np.unique(values) by a sort: numpy 2.4's np.unique without return_* hashes, 50x slower on 1 M ints."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


class IndexError_(ValueError):
    """The stored index is not one this version can read."""


@dataclass(frozen=True)
class Texts:
    """A text column: every value followed by a newline, and where each newline is."""

    text: NDArray[np.uint8]
    end: NDArray[Any]  # uint32, or int64 past 4 GiB

    def __len__(self) -> int:
        return len(self.end)

    def get(self, i: int) -> str:
        begin = int(self.end[i - 1]) + 1 if i else 0
        return bytes(self.text[begin: int(self.end[i])]).decode("utf-8", "replace")

    def lengths(self) -> Ints:
        """Each value's length in bytes (0 for an empty one)."""
        return np.diff(np.concatenate(([-1], self.end.astype(np.int64)))) - 1

    def many(self, items: NDArray[np.integer]) -> list[str]:
        """The values at `items` (slices of the mapped text: nothing else is copied)."""
        view = memoryview(self.text.data) if len(self.text) else memoryview(b"")
        ends = self.end[items]
        begins = np.where(items > 0, self.end[np.maximum(items - 1, 0)] + 1, 0)
        return [str(view[b:e], "utf-8", "replace") for b, e in zip(begins.tolist(), ends.tolist(), strict=True)]

    def whole(self, values: tuple[str, ...], split: bytes = b";") -> Ints:
        """The values that are, or hold as one of their `split`-separated parts, any of `values` (any case)."""
        alternatives = b"|".join(re.escape(v.encode()) for v in values)
        view = memoryview(self.text.data)
        found: list[int] = []
        # Each pattern starts with a literal (the separator before a part), which re searches for fast; the
        # part's first byte is one past it.
        for lead in (b"\n", split):
            pattern = re.compile(re.escape(lead) + b"(?:" + alternatives + b")(?=[" + re.escape(split) + b"\n])",
                                 re.IGNORECASE)
            found += [m.start() + 1 for m in pattern.finditer(view)]
        if len(self.end):
            first = bytes(self.text[: int(self.end[0])]).lower().split(split)
            if {v.lower().encode() for v in values} & set(first):
                found.append(0)
        return sorted_distinct(np.searchsorted(self.end, np.array(found, dtype=np.int64)))

    def matching(self, pattern: re.Pattern[bytes]) -> Ints:
        """The values in which `pattern` matches (sorted, distinct); the pattern must not match a newline."""
        found = np.fromiter((m.start() for m in pattern.finditer(memoryview(self.text.data))), dtype=np.int64)
        return sorted_distinct(np.searchsorted(self.end, found)) if len(found) else found


class VariantIndex:
    """The columns of one index, by name (see the contract), and its meta: each column memory-mapped where
    it lies inside the stored (uncompressed) zip, so nothing is unpacked or copied."""

    def __init__(self, archive: Path):
        members = _members(archive)
        try:
            meta_dtype, _, meta_at = members["meta"]
        except KeyError:
            raise IndexError_("the variant index has no meta") from None
        with archive.open("rb") as file:
            file.seek(meta_at)
            self.meta: dict[str, Any] = json.loads(str(np.fromfile(file, dtype=meta_dtype, count=1)[0]))
        if self.meta.get("version") != VERSION:
            raise IndexError_(f"variant index version {self.meta.get('version')}, not {VERSION}")

        def mapped(name: str) -> NDArray[Any]:
            if name not in members:
                raise IndexError_(f"the variant index has no {name}")
            dtype, shape, offset = members[name]
            if not shape[0]:
                return np.zeros(shape, dtype=dtype)
            return np.memmap(archive, dtype=dtype, mode="r", offset=offset, shape=shape)

        self.arrays: dict[str, NDArray[Any]] = {name: mapped(name) for name in ARRAYS}
        self.arrays |= {name: mapped(name) for name in OPTIONAL_ARRAYS if name in members}  # what tracks filled
        self.texts = {name: Texts(mapped(f"{name}_text"), mapped(f"{name}_end")) for name in TEXTS}
        self.texts |= {name: Texts(mapped(f"{name}_text"), mapped(f"{name}_end")) for name in OPTIONAL_TEXTS
                       if f"{name}_text" in members}

    def column(self, name: str) -> NDArray[Any]:
        return self.arrays[name]

    @property
    def rows(self) -> int:
        return len(self.arrays["row_variant"])


def _members(archive: Path) -> dict[str, tuple[np.dtype[Any], tuple[int, ...], int]]:
    """Each stored .npy member of the zip: (dtype, shape, where its data begins in the file)."""
    found: dict[str, tuple[np.dtype[Any], tuple[int, ...], int]] = {}
    try:
        with zipfile.ZipFile(archive) as zipped, archive.open("rb") as file:
            for info in zipped.infolist():
                if not re.fullmatch(r"[a-z_]+\.npy", info.filename) or info.compress_type != zipfile.ZIP_STORED:
                    raise IndexError_(f"unexpected member {info.filename!r} in the variant index")
                file.seek(info.header_offset)
                local = file.read(30)  # the local file header: its name and extra field lengths are at 26
                if local[:4] != b"PK\x03\x04":
                    raise IndexError_("the variant index is damaged")
                name_length, extra_length = struct.unpack("<HH", local[26:30])
                file.seek(info.header_offset + 30 + name_length + extra_length)
                version = np.lib.format.read_magic(file)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read_header(file)
                if fortran:
                    raise IndexError_("the variant index is damaged")
                found[info.filename[:-4]] = (dtype, shape, file.tell())
    except (zipfile.BadZipFile, ValueError, struct.error) as e:
        raise IndexError_(f"the variant index cannot be read: {e}") from None
    return found
