"""A job's variant index (gas_shared.contract.variant_index) opened for queries: every column memory-mapped
from a folder of .npy files, so a query touches the pages it reads and the web worker never holds the job."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.variant_index import ARRAYS, TEXTS, VERSION

Ints = NDArray[np.int64]


class IndexError_(ValueError):
    """The stored index is not one this version can read."""


@dataclass(frozen=True)
class Texts:
    """A text column: every value followed by a newline, and where each newline is."""

    text: NDArray[np.uint8]
    end: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.end)

    def get(self, i: int) -> str:
        begin = int(self.end[i - 1]) + 1 if i else 0
        return bytes(self.text[begin: int(self.end[i])]).decode("utf-8", "replace")

    def many(self, items: NDArray[np.integer], blob: bytes | None = None) -> list[str]:
        """The values at `items`; `blob` (bytes(self.text)), when a caller reads many chunks, saves copies."""
        data = blob if blob is not None else bytes(self.text)
        ends = self.end[items]
        begins = np.where(items > 0, self.end[np.maximum(items - 1, 0)] + 1, 0)
        return [data[b:e].decode("utf-8", "replace") for b, e in zip(begins.tolist(), ends.tolist(), strict=True)]

    def matching(self, pattern: re.Pattern[bytes]) -> Ints:
        """The values in which `pattern` matches (sorted, distinct); the pattern must not match a newline."""
        found = np.fromiter((m.start() for m in pattern.finditer(memoryview(self.text.data))), dtype=np.int64)
        return np.unique(np.searchsorted(self.end, found)) if len(found) else found


class VariantIndex:
    """The columns of one index, by name (see the contract), and its meta."""

    def __init__(self, folder: Path):
        self.meta: dict[str, Any] = json.loads(str(np.load(folder / "meta.npy")))
        if self.meta.get("version") != VERSION:
            raise IndexError_(f"variant index version {self.meta.get('version')}, not {VERSION}")
        self.arrays: dict[str, NDArray[Any]] = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
        self.texts = {name: Texts(np.load(folder / f"{name}_text.npy", mmap_mode="r"),
                                  np.load(folder / f"{name}_end.npy", mmap_mode="r")) for name in TEXTS}

    @staticmethod
    def unpack(archive: Path, folder: Path) -> None:
        """The stored .npz as a folder of .npy files (stored uncompressed, so this is a copy)."""
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                if not re.fullmatch(r"[a-z_]+\.npy", member):
                    raise IndexError_(f"unexpected member {member!r} in the variant index")
                zipped.extract(member, folder)

    def column(self, name: str) -> NDArray[Any]:
        return self.arrays[name]

    @property
    def rows(self) -> int:
        return len(self.arrays["row_variant"])
