"""A block of the user's records as the merge holds them, cut by numpy: columns, record numbers, and how
many ALTs of each record bcftools csq was given."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .. import alleles
from ..check.columns import BASE, NEWLINE, TAB, UPPER, Ints, _within, contig_runs

KEY_BYTES = re.compile(rb";([^=;]+)")
OURS = (b"BCSQ", b"GASNORM", b"GASHGVS")  # the INFO tags GAS writes, whatever the bundle's tracks add


def ours_pattern(tags: tuple[str, ...] = ()) -> re.Pattern[bytes]:
    """Finds a record INFO that already has one of GAS's tags (the upload was annotated before)."""
    names = b"|".join(re.escape(t) for t in (*OURS, *(t.encode() for t in tags)))
    return re.compile(rb"(?:\t|;)(?:" + names + rb")=")


DEFAULT_OURS = ours_pattern()


class BlockError(ValueError):
    """The originals are not what the validator wrote."""


@dataclass
class RecordBlock:
    """Whole record lines of the originals, cut by numpy."""

    data: bytes
    starts: Ints
    ends: Ints  # the newline of each line
    info_s: Ints
    info_e: Ints
    nums: Ints
    k: Ints  # annotatable ALTs of each record
    one_by_one: NDArray[np.bool_]  # merged one record at a time
    empty_info: NDArray[np.bool_]  # INFO is '.' or empty
    chrom: list[str]
    filters: list[str]
    formats: list[str]
    tabs: Ints  # (records, columns - 1)
    cursor: int = 0

    @classmethod
    def of(cls, data: bytes, columns: int, first: int, ours: re.Pattern[bytes] = DEFAULT_OURS) -> RecordBlock:
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == NEWLINE)
        starts = np.concatenate(([0], ends[:-1] + 1))
        tabs = np.flatnonzero(a == TAB)
        if len(tabs) != len(ends) * (columns - 1):
            raise BlockError("an original record does not have the header's number of columns")
        t = tabs.reshape(len(ends), columns - 1)
        info_s, info_e = t[:, 6] + 1, (t[:, 7] if columns > 8 else ends)
        ref_s, ref_len, alt_s, alt_len = t[:, 2] + 1, t[:, 3] - t[:, 2] - 1, t[:, 3] + 1, t[:, 4] - t[:, 3] - 1
        n = len(ends)
        pos_is_zero = (t[:, 1] - t[:, 0] == 2) & (a[np.minimum(t[:, 0] + 1, len(a) - 1)] == ord("0"))
        alt_flat = a[np.repeat(alt_s, alt_len) + _within(alt_len)]
        record_of = np.repeat(np.arange(n), alt_len)
        odd = np.zeros(n, dtype=bool)
        odd[record_of[~BASE[alt_flat]]] = True  # commas, symbols, '.', '<', '*': not one plain ALT
        same = ~odd & (ref_len == alt_len)
        one = same & (ref_len == 1)
        same[one] = UPPER[a[ref_s[one]]] == UPPER[a[alt_s[one]]]
        for i in np.flatnonzero(same & (ref_len > 1)).tolist():  # MNPs: rare
            same[i] = data[ref_s[i]: ref_s[i] + ref_len[i]].upper() == data[alt_s[i]: alt_s[i] + alt_len[i]].upper()
        k = np.where(odd | same | pos_is_zero, -1, 1)
        one_by_one = k == -1
        for i in np.flatnonzero(one_by_one).tolist():
            fields = data[starts[i]: ends[i]].decode().split("\t", 5)
            k[i] = len(alleles.annotatable(int(fields[1]), fields[3], fields[4])[0])
        # A record whose INFO already has our tags is merged one at a time, which replaces them.
        for match in ours.finditer(data):
            one_by_one[int(np.searchsorted(ends, match.start()))] = True
        one_by_one &= k > 0
        empty_info = (info_e == info_s) | ((info_e - info_s == 1) & (a[np.minimum(info_s, len(a) - 1)] == ord(".")))
        chrom_runs = contig_runs(data, a, starts, t[:, 0] - starts) or []
        filters = {data[b + 1: e] for b, e in zip(t[:, 5].tolist(), t[:, 6].tolist(), strict=True)}
        formats = {data[b + 1: e] for b, e in zip(t[:, 7].tolist(), (t[:, 8] if columns > 9 else ends).tolist(),
                                                   strict=True)} if columns > 8 else set()
        return cls(data, starts, ends, info_s, info_e, np.arange(first, first + n), k, one_by_one, empty_info,
                   [c for c, _, _ in chrom_runs], sorted(f.decode() for f in filters),
                   sorted(f.decode() for f in formats), t)

    def info_keys(self) -> set[str]:
        """Every INFO key the block's records use."""
        data = self.data
        joined = b";" + b";".join([data[b:e] for b, e, none in zip(
            self.info_s.tolist(), self.info_e.tolist(), self.empty_info.tolist(), strict=True) if not none])
        return {k.decode() for k in set(KEY_BYTES.findall(joined))}
