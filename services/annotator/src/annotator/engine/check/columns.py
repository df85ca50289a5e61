"""Columns: a block of plain VCF records cut by numpy into arrays of byte offsets and values.

Cutting a megabyte of records with str.split makes a few hundred thousand small strings, and checking them
costs more than bcftools csq's own work on them. numpy finds the tabs and newlines and reads POS, and where
REF and ALT lie, as arrays, and the validator checks those a block at a time. Only the odd record (one that
shares its position) is ever made into Python strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

TAB, NEWLINE, HASH, COMMA = 9, 10, 35, 44
MAX_POS_DIGITS = 10
MAX_CHROM_BYTES = 255

Ints = NDArray[np.int64]


def _table(chars: bytes) -> NDArray[np.bool_]:
    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(chars, dtype=np.uint8)] = True
    return table


BASE = _table(b"ACGTNacgtn")
ALLELE = _table(b"ACGTNacgtn,")
ACGT = _table(b"ACGT")
UPPER = np.arange(256, dtype=np.uint8)
UPPER[ord("a"): ord("z") + 1] -= 32


@dataclass
class Field:
    """One column of every record: where each lies, and all their bytes end to end."""

    start: Ints
    length: Ints
    offset: Ints  # where each record's bytes begin in `flat`
    within: Ints  # for each byte of `flat`, its place in its own record's field
    flat: NDArray[np.uint8]

    @classmethod
    def of(cls, a: NDArray[np.uint8], start: Ints, length: Ints) -> Field:
        within = _within(length)
        return cls(start, length, np.cumsum(length) - length, within, a[np.repeat(start, length) + within])

    def text(self, data: bytes, i: int) -> str:
        return data[self.start[i]: self.start[i] + self.length[i]].decode()


@dataclass
class Columns:
    data: bytes
    pos: Ints
    ref: Field
    alt: Field
    runs: list[tuple[str, int, int]]  # (CHROM, first record, end) of each run of records on one contig
    commas: NDArray[np.bool_]  # records with several ALTs
    starts: Ints  # where each line begins
    alt_end: Ints  # where each ALT ends (the tab after it)

    def __len__(self) -> int:
        return len(self.pos)

    def allele(self, i: int) -> tuple[str, str]:
        """(REF, ALT) of record i, upper case."""
        return self.ref.text(self.data, i).upper(), self.alt.text(self.data, i).upper()

    def alleles_with_commas(self) -> list[tuple[str, str]]:
        """(REF, ALT) of the records with several ALTs."""
        return [(self.ref.text(self.data, i), self.alt.text(self.data, i))
                for i in np.flatnonzero(self.commas).tolist()]

    def ref_equals_alt(self) -> bool:
        """Whether any one-ALT record's ALT is its REF (in any case): kept, not annotated, so not this path."""
        one = ~self.commas & (self.ref.length == self.alt.length)
        if not one.any():
            return False
        ref, alt = self.ref, self.alt
        lengths = ref.length[one]
        within = _within(lengths)
        r = np.repeat(ref.offset[one], lengths) + within
        a = np.repeat(alt.offset[one], lengths) + within
        differs = UPPER[ref.flat[r]] != UPPER[alt.flat[a]]
        # A record is REF = ALT when none of its bytes differ.
        per_record = np.add.reduceat(differs, np.cumsum(lengths) - lengths) if len(lengths) else differs
        return bool((per_record == 0).any())

    def minimal(self, first: int, tag: str) -> str:
        """The block as bcftools gets it: CHROM POS ID REF ALT of each line, nothing of QUAL, FILTER, INFO or
        the samples, and INFO `tag`=the record's number (`first` for the first line)."""
        data, starts, ends = self.data, self.starts.tolist(), self.alt_end.tolist()
        suffix = f"\t.\t.\t{tag}=".encode()
        return b"".join([data[s:e] + suffix + b"%d\n" % n
                         for n, s, e in zip(range(first, first + len(starts)), starts, ends, strict=True)]).decode()

    def ref_matches(self, first: int, end: int, genome: NDArray[np.uint8], offset: int) -> bool:
        """Whether REF of records [first, end) is `genome` (upper-case bases from 0-based `offset`) there."""
        lengths = self.ref.length[first:end]
        low = int(self.ref.offset[first])
        high = low + int(lengths.sum())
        within = self.ref.within[low:high]
        where = np.repeat(self.pos[first:end] - 1 - offset, lengths) + within
        return bool((UPPER[self.ref.flat[low:high]] == genome[where]).all())

    def needs_norm(self) -> bool:
        """Whether bcftools norm would change any record (validation.canonical, over arrays)."""
        if not ACGT[self.ref.flat].all() or not ACGT[self.alt.flat].all():
            return True  # lower case, N, or a comma between ALTs
        ref, alt = self.ref, self.alt
        first_ref, first_alt = ref.flat[ref.offset], alt.flat[alt.offset]
        snv = (ref.length == 1) & (alt.length == 1)
        if (first_ref[snv] == first_alt[snv]).any():
            return True
        odd = ~snv
        rl, al = ref.length[odd], alt.length[odd]
        last_ref, last_alt = ref.flat[ref.offset[odd] + rl - 1], alt.flat[alt.offset[odd] + al - 1]
        return bool((np.minimum(rl, al) != 1).any() or (first_ref[odd] != first_alt[odd]).any()
                    or (last_ref == last_alt).any())


def cut(data: bytes, columns: int) -> Columns | None:
    """The columns of a block of whole lines, or None unless every line is a record of exactly `columns`
    columns with a CHROM, a whole-number POS, and a REF and ALT made of bases (ALTs split by commas)."""
    a = np.frombuffer(data, dtype=np.uint8)
    if not a.size or a[-1] != NEWLINE:
        return None
    ends = np.flatnonzero(a == NEWLINE)
    starts = np.concatenate(([0], ends[:-1] + 1))
    tabs = np.flatnonzero(a == TAB)
    n = len(ends)
    if len(tabs) != n * (columns - 1):
        return None
    t = tabs.reshape(n, columns - 1)
    # With each line's share of the tabs inside it, every line has exactly columns - 1 (and a CHROM).
    if not ((t[:, 0] > starts).all() and (t[:, -1] < ends).all()) or (a[starts] == HASH).any():
        return None
    ref_len, alt_len = t[:, 3] - t[:, 2] - 1, t[:, 4] - t[:, 3] - 1
    if ref_len.min() < 1 or alt_len.min() < 1:
        return None
    ref, alt = Field.of(a, t[:, 2] + 1, ref_len), Field.of(a, t[:, 3] + 1, alt_len)
    pos = whole_numbers(a, t[:, 0] + 1, t[:, 1] - t[:, 0] - 1)
    runs = contig_runs(data, a, starts, t[:, 0] - starts)
    if pos is None or runs is None or not BASE[ref.flat].all() or not ALLELE[alt.flat].all():
        return None
    commas = np.zeros(n, dtype=bool)
    commas[np.repeat(np.arange(n), alt_len)[alt.flat == COMMA]] = True
    return Columns(data, pos, ref, alt, runs, commas, starts, t[:, 4])


def _within(lengths: Ints) -> Ints:
    """For fields of these lengths laid end to end, each byte's place in its own field."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def whole_numbers(a: NDArray[np.uint8], start: Ints, length: Ints) -> Ints | None:
    """The numbers written in the fields [start, start + length), or None unless each is all digits and >= 1."""
    if not len(length):
        return np.zeros(0, dtype=np.int64)
    if length.min() < 1 or length.max() > MAX_POS_DIGITS:
        return None
    value = np.zeros(len(start), dtype=np.int64)
    for k in range(int(length.max())):
        has = length > k
        digit = a[np.where(has, start + k, 0)].astype(np.int64) - ord("0")
        if ((digit < 0) | (digit > 9))[has].any():
            return None
        value = np.where(has, value * 10 + digit, value)
    return value if value.min() >= 1 else None


def contig_runs(data: bytes, a: NDArray[np.uint8], starts: Ints, lengths: Ints) -> list[tuple[str, int, int]] | None:
    """(CHROM, first, end) for each run of lines with the same CHROM (the bytes [starts, starts + lengths))."""
    if not len(starts):
        return []
    if lengths.max() > MAX_CHROM_BYTES:
        return None
    same = lengths[1:] == lengths[:-1]
    for k in range(int(lengths.max())):
        has = lengths[1:] > k
        same &= ~has | (a[np.where(has, starts[1:] + k, 0)] == a[np.where(has, starts[:-1] + k, 0)])
    bounds = [0, *(np.flatnonzero(~same) + 1).tolist(), len(starts)]
    try:
        return [(data[starts[s]: starts[s] + lengths[s]].decode(), s, e) for s, e in pairwise(bounds)]
    except UnicodeDecodeError:
        return None


def distinct(a: NDArray[np.uint8], start: Ints, length: Ints) -> tuple[list[str], Ints]:
    """The distinct strings among the fields [start, start + length), and for each field the index of its own."""
    if not len(start):
        return [], np.zeros(0, dtype=np.int64)
    width = max(1, int(length.max()))
    columns = np.arange(width)
    grid = np.where(columns < length[:, None], a[np.minimum(start[:, None] + columns, len(a) - 1)], 0)
    keys = np.ascontiguousarray(grid.astype(np.uint8)).view(f"S{width}").ravel()  # trailing NULs drop off
    found, inverse = np.unique(keys, return_inverse=True)
    return [key.decode() for key in found.tolist()], inverse.astype(np.int64)
