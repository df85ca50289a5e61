"""Which transcripts the bundle's gene models prefer, and the consequences of a record put in that order.

Ensembl's GFF3 tags a gene's preferred transcript: `tag=...,MANE_Select,...` (the one RefSeq and Ensembl agree
on) and `Ensembl_canonical`. GAS ranks a transcript 0 (MANE Select), 1 (Ensembl canonical) or 2 (other); a
record's BCSQ lists its entries by that rank, keeping bcftools' order within a rank (bcftools csq's own order
follows its internal structures, not the tags), and the explorer's one-line-per-variant view picks the first
by rank, then by severity, as VEP's --pick does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .check.columns import COMMA, Ints, _within, distinct
from .derived import derived

MANE, CANONICAL, OTHER = 0, 1, 2
CACHE = ".gas-preferred-v1.json"  # worked out once per bundle, kept beside the flanks' cache
PIPE = ord("|")
TRANSCRIPT_FEATURES = {"mRNA", "transcript", "lnc_RNA", "ncRNA", "pseudogenic_transcript", "snRNA", "snoRNA",
                       "miRNA", "rRNA", "scRNA", "misc_RNA", "unconfirmed_transcript", "NMD_transcript_variant"}


class Preferred:
    """Transcript id (as bcftools csq writes it: without 'transcript:') -> rank, for the tagged ones."""

    def __init__(self, ranks: dict[str, int]):
        self.ranks = ranks

    def rank(self, transcript: str) -> int:
        return self.ranks.get(transcript, OTHER)

    @classmethod
    def from_gff3(cls, path: Path) -> Preferred:
        ranks = {}
        with path.open() as gff:
            for line in gff:
                if line.startswith("#") or "tag=" not in line:
                    continue
                f = line.rstrip("\n").split("\t")
                if len(f) != 9 or f[2] not in TRANSCRIPT_FEATURES:
                    continue
                attributes = dict(a.split("=", 1) for a in f[8].split(";") if "=" in a)
                tags = set(attributes.get("tag", "").split(","))
                rank = MANE if "MANE_Select" in tags else CANONICAL if "Ensembl_canonical" in tags else OTHER
                name = attributes.get("ID", "")
                if rank != OTHER and name:
                    ranks[name.split(":", 1)[1] if name.startswith("transcript:") else name] = rank
        return cls(ranks)

    @classmethod
    def cached(cls, gff3: Path, cache: Path | None) -> Preferred:
        """From `cache` when it is newer than `gff3`; else read from the GFF3 (a whole GRCh38: seconds) and
        kept in `cache` if it can be."""
        return derived(gff3, cache, lambda: cls.from_gff3(gff3), lambda p: p.ranks, cls)

    @classmethod
    def beside(cls, gff3: Path, flanks: Path | None) -> Preferred:
        return cls.cached(gff3, flanks.with_name(CACHE) if flanks else None)

    def ordered(self, bcsq: str) -> str:
        """One BCSQ value with its entries in rank order (the record-at-a-time path)."""
        entries = bcsq.split(",")
        if len(entries) < 2 or not self.ranks:
            return bcsq
        return ",".join(sorted(entries, key=lambda e: self.rank(_field(e, 2))))

    def reorder(self, a: NDArray[np.uint8], value: Ints, value_end: Ints) -> dict[int, bytes]:
        """For BCSQ values [value, value_end) of a block, the ones whose entries are out of rank order:
        index into `value` -> the value in order. numpy over the block; nothing per ordinary record."""
        if not self.ranks or not len(value):
            return {}
        commas = np.append(np.flatnonzero(a == COMMA), len(a))
        first = np.searchsorted(commas, value)
        per = np.searchsorted(commas, value_end) - first + 1  # entries of each value
        several = np.flatnonzero(per > 1)
        if not len(several):
            return {}
        record = np.repeat(several, per[several])
        within = np.arange(len(record)) - np.repeat(np.cumsum(per[several]) - per[several], per[several])
        comma = np.repeat(first[several], per[several]) + within
        start = np.where(within == 0, np.repeat(value[several], per[several]), commas[np.maximum(comma - 1, 0)] + 1)
        end = np.where(within == np.repeat(per[several] - 1, per[several]), np.repeat(value_end[several],
                                                                                       per[several]), commas[comma])
        pipes = np.append(np.flatnonzero(a == PIPE), len(a))
        at = np.searchsorted(pipes, start)
        t_start = np.minimum(pipes[np.minimum(at + 1, len(pipes) - 1)] + 1, end)  # after the 2nd '|'
        t_end = np.maximum(np.minimum(pipes[np.minimum(at + 2, len(pipes) - 1)], end), t_start)
        names, local = distinct(a, t_start, t_end - t_start)
        rank = np.array([self.rank(n) for n in names] or [OTHER], dtype=np.int64)[local]
        later = np.concatenate(([False], (rank[1:] < rank[:-1]) & (record[1:] == record[:-1])))
        out_of_order = np.unique(record[later])
        if not len(out_of_order):
            return {}
        take = np.isin(record, out_of_order)
        order = np.lexsort((np.arange(int(take.sum())), rank[take], record[take]))  # stable within a rank
        s, e, r = start[take][order], end[take][order], record[take][order]
        # Every entry followed by a comma, in the new order, as one buffer; each value is a slice of it.
        width = e - s + 1
        flat = a[np.repeat(s, width) + _within(width)].copy()
        flat[np.cumsum(width) - 1] = COMMA
        buffer = flat.tobytes()
        bounds = np.concatenate(([0], np.cumsum(width)))
        first_of = np.concatenate(([True], r[1:] != r[:-1]))
        begins = np.flatnonzero(first_of)
        finishes = np.append(begins[1:], len(r))
        return {int(r[b]): buffer[int(bounds[b]): int(bounds[f]) - 1]
                for b, f in zip(begins.tolist(), finishes.tolist(), strict=True)}


def _field(entry: str, k: int) -> str:
    parts = entry.split("|")
    return parts[k] if len(parts) > k else ""
