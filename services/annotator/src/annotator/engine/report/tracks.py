"""What the bundle's tracks matched, read from csq's records a block at a time: each variant's known ID, its
clinical class, its population frequency and the regions it falls in; and their counts (known and novel,
as AnnTools counted dbSNP overlaps; clinical classes; variants per region track)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.bundle import CLINICAL, FREQUENCIES, KNOWN_ID, REGIONS, VARIANTS, Track

from ..check.columns import Ints, distinct
from .summary import EQUALS, SEMICOLON, Parsed, info_values, key_lengths_of


@dataclass(frozen=True)
class Meanings:
    """Which of the tracks' tags mean what (by the field names the public sources use)."""

    known: tuple[str, ...] = ()  # tags holding a known variant's ID (dbSNP's rs number, ClinVar's id)
    clinical: str | None = None
    frequency: str | None = None
    panels: tuple[str, ...] = ()  # one tag per region track

    @classmethod
    def of(cls, tracks: tuple[Track, ...]) -> Meanings:
        variants = [t for t in tracks if t.kind == VARIANTS]
        known = tuple(t.tag(KNOWN_ID) for t in variants if KNOWN_ID in t.fields)
        clinical = next((t.tag(CLINICAL) for t in variants if CLINICAL in t.fields), None)
        frequency = next((t.tag(f) for f in FREQUENCIES for t in variants if f in t.fields), None)
        return cls(known, clinical, frequency, tuple(t.name for t in tracks if t.kind == REGIONS))

    @property
    def any(self) -> bool:
        return bool(self.known or self.clinical or self.frequency or self.panels)


@dataclass
class Matched:
    """A block's variants (csq's records), what the tracks matched for each."""

    known_start: Ints  # the known ID's bytes in the block (length 0: none)
    known_length: Ints
    clinical: tuple[list[str], Ints]  # the block's distinct classes, and each variant's index (-1: none)
    frequency: NDArray[np.float32]  # NaN: none
    panels: NDArray[np.uint32]  # bit j: inside region track j


def matched(block: Parsed, meanings: Meanings) -> Matched:
    a, t, ends = block.a, block.tabs, block.ends
    n = len(ends)
    info_start, info_end = t[:, 6] + 1, ends
    equals = np.flatnonzero(a == EQUALS)
    semicolons = np.append(np.flatnonzero(a == SEMICOLON), len(a))
    lengths = key_lengths_of(a, equals)  # once: each tag then compares only the keys of its length

    def values(tag: str) -> tuple[Ints, Ints, Ints]:
        return info_values(a, ends, info_start, info_end, tag.encode(), equals, semicolons, lengths)

    known_start, known_length = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for tag in reversed(meanings.known):  # the first track that knows a variant names it
        record, value, value_end = values(tag)
        known_start[record], known_length[record] = value, value_end - value
    classes: list[str] = []
    clinical = np.full(n, -1, dtype=np.int64)
    if meanings.clinical:
        record, value, value_end = values(meanings.clinical)
        classes, local = distinct(a, value, value_end - value)
        clinical[record] = local
    frequency = np.full(n, np.nan, dtype=np.float32)
    if meanings.frequency:
        record, value, value_end = values(meanings.frequency)
        names, local = distinct(a, value, value_end - value)
        frequency[record] = np.array([_number(x) for x in names] or [math.nan], dtype=np.float32)[local]
    panels = np.zeros(n, dtype=np.uint32)
    for j, tag in enumerate(meanings.panels):
        record, _, _ = values(tag)
        panels[record] |= np.uint32(1 << j)
    return Matched(known_start, known_length, (classes, clinical), frequency, panels)


@dataclass
class TrackCounts:
    """Counts over every variant of a job."""

    known: int = 0
    clinical: Counter[str] = field(default_factory=Counter)
    panels: Counter[str] = field(default_factory=Counter)

    def add(self, found: Matched, meanings: Meanings) -> None:
        self.known += int((found.known_length > 0).sum())
        names, codes = found.clinical
        if names:
            used, n = np.unique(codes[codes >= 0], return_counts=True)
            self.clinical.update({names[int(i)]: int(c) for i, c in zip(used, n, strict=True)})
        for j, tag in enumerate(meanings.panels):
            inside = int(((found.panels >> np.uint32(j)) & np.uint32(1)).sum())
            if inside:
                self.panels[tag] += inside


def _number(text: str) -> float:
    """A frequency as a track writes it ('.' or anything else that is not a number: none); the first of
    several (a source that listed one per population)."""
    try:
        return float(text.split("|", maxsplit=1)[0])
    except ValueError:
        return math.nan
