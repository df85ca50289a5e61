"""Counts over the annotated VCF: by consequence, impact and region class, and genes hit."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.consequences import IMPACT, IMPACT_ORDER, worst_impact

from ..check.columns import COMMA, NEWLINE, TAB, Ints, contig_runs, distinct, whole_numbers
from ..derived import derived

SPLICE = {"splice_donor", "splice_acceptor", "splice_region"}
UTR = {"5_prime_utr", "3_prime_utr"}
FLANK = 5000  # up/downstream: within this many bases of a gene, as Ensembl counts it
KEY, EQUALS, PIPE, SEMICOLON = b"BCSQ", ord("="), ord("|"), ord(";")
MASK_BITS = 62  # kinds of consequence string a record's set can be written as bits of one int64


@dataclass
class GeneIndex:
    """Gene spans per contig from the GFF3, for calling intergenic variants up- or downstream."""

    starts: dict[str, list[int]] = field(default_factory=dict)
    genes: dict[str, list[tuple[int, int, str, str]]] = field(default_factory=dict)
    _lengths: dict[str, int] = field(default_factory=dict)  # each contig's longest gene

    @classmethod
    def from_gff3(cls, path: Path) -> GeneIndex:
        spans: dict[str, list[tuple[int, int, str, str]]] = {}
        with path.open() as gff:
            for line in gff:
                if line.startswith("#"):
                    continue
                f = line.split("\t", 8)
                if len(f) == 9 and f[2] == "gene":
                    name = next((a[5:] for a in f[8].rstrip().split(";") if a.startswith("Name=")), "?")
                    spans.setdefault(f[0], []).append((int(f[3]), int(f[4]), f[6], name))
        index = cls()
        for contig, genes in spans.items():
            genes.sort()
            index.genes[contig] = genes
            index.starts[contig] = [g[0] for g in genes]
        return index

    def flank(self, contig: str, pos: int) -> tuple[str, str] | None:
        """('upstream'|'downstream', gene name) for the nearest gene within FLANK bases (not overlapping `pos`),
        the first by start on a tie; None when there is none."""
        genes = self.genes.get(contig, [])
        longest = self._longest(contig)
        low = bisect.bisect_left(self.starts.get(contig, []), pos - FLANK - longest)
        high = bisect.bisect_right(self.starts.get(contig, []), pos + FLANK)
        best: tuple[int, str, str] | None = None
        for start, end, strand, name in genes[low:high]:
            distance = start - pos if pos < start else pos - end if pos > end else 0
            if 0 < distance <= FLANK and (best is None or distance < best[0]):
                before = pos < start
                side = "upstream" if before == (strand == "+") else "downstream"
                best = (distance, side, name)
        return (best[1], best[2]) if best else None

    def _longest(self, contig: str) -> int:
        if contig not in self._lengths:
            self._lengths[contig] = max((end - start for start, end, _, _ in self.genes.get(contig, [])), default=0)
        return self._lengths[contig]


class Flanks:
    """GeneIndex.flank for many positions at once, at the speed of a bisect.

    Along a contig the answer changes only where a gene's flank begins or ends, where a gene begins or
    ends, and half-way between a gene's end and a later gene's start (where the nearer gene changes). So
    each contig is cut at those points, each piece is labelled once, and a position's label is its piece's.
    """

    def __init__(self, genes: GeneIndex):
        self._breaks: dict[str, list[int]] = {}
        self._labels: dict[str, list[tuple[str, str] | None]] = {}
        self._arrays: dict[str, Ints] = {}  # _breaks as numpy arrays, made on first use
        for contig, spans in genes.genes.items():
            points = {1}
            for start, end, _, _ in spans:
                points |= {start - FLANK, start, end + 1, end + FLANK + 1}
            ends = sorted(end for _, end, _, _ in spans)
            for start, _, _, _ in spans:
                for end in ends[bisect.bisect_left(ends, start - 2 * FLANK): bisect.bisect_left(ends, start)]:
                    twice = end + start  # nearer to `end` while 2p < twice, a tie at 2p == twice
                    points |= {(twice + 1) // 2, twice // 2 + 1}
            breaks = sorted(p for p in points if p >= 1)
            self._breaks[contig] = breaks
            self._labels[contig] = [genes.flank(contig, p) for p in breaks]

    @classmethod
    def cached(cls, gff3: Path, cache: Path | None) -> Flanks:
        """From `cache` when it is newer than `gff3`; else made from the GFF3 and kept in `cache` if it can be."""
        def load(data: Any) -> Flanks:
            flanks = cls(GeneIndex())
            flanks._breaks = data["breaks"]
            flanks._labels = {c: [tuple(x) if x else None for x in labels] for c, labels in data["labels"].items()}
            return flanks

        return derived(gff3, cache, lambda: cls(GeneIndex.from_gff3(gff3)),
                       lambda f: {"breaks": f._breaks, "labels": f._labels}, load)

    def label(self, contig: str, pos: int) -> tuple[str, str] | None:
        """GeneIndex.flank(contig, pos)."""
        breaks = self._breaks.get(contig)
        piece = bisect.bisect_right(breaks, pos) if breaks else 0
        return self._labels[contig][piece - 1] if piece else None

    def where(self, contig: str, positions: Ints) -> tuple[list[tuple[str, str] | None], Ints]:
        """Labels for many positions on `contig`: a list of labels and, per position, its index in that list."""
        breaks = self._breaks.get(contig)
        if not breaks:
            return [None], np.zeros(len(positions), dtype=np.int64)
        if contig not in self._arrays:
            self._arrays[contig] = np.asarray(breaks)
        return [None, *self._labels[contig]], np.searchsorted(self._arrays[contig], positions, side="right")

    def count(self, contig: str, positions: Ints) -> Counter[tuple[str, str] | None]:
        """How many of `positions` (on `contig`) get each label."""
        breaks = self._breaks.get(contig)
        if not breaks:
            return Counter({None: len(positions)})
        labels = self._labels[contig]
        if contig not in self._arrays:
            self._arrays[contig] = np.asarray(breaks)
        pieces, n = np.unique(np.searchsorted(self._arrays[contig], positions, side="right"), return_counts=True)
        found: Counter[tuple[str, str] | None] = Counter()
        for piece, count in zip(pieces.tolist(), n.tolist(), strict=True):
            found[labels[piece - 1] if piece else None] += count
        return found


def _terms(bcsq: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(term, gene, amino-acid change) for every consequence of a record."""
    found = []
    for entry in bcsq:
        f = entry.split("|")
        if f[0].startswith("@"):
            continue  # '@123': the consequence is reported at the record at position 123
        consequence = f[0].lstrip("*")  # '*': downstream of a stop or frameshift in the same haplotype
        for term in consequence.split("&"):
            found.append((term, f[1] if len(f) > 1 else "", f[5] if len(f) > 5 else ""))
    return found


def region(terms: set[str]) -> str:
    if terms & SPLICE:
        return "splice"
    if any(IMPACT.get(t) in ("HIGH", "MODERATE") or t in ("synonymous", "stop_retained", "start_retained")
           for t in terms):
        return "CDS"
    if terms & UTR:
        return "UTR"
    if "intron" in terms:
        return "intronic"
    return "non-coding" if terms else "intergenic"


@dataclass
class Summary:
    """What a job counted. The one owner of its shapes: the tee's counts file (to_counts/from_counts) and
    summary.json's counting fields (as_json)."""

    variants: int = 0
    by_region: Counter[str] = field(default_factory=Counter)
    by_consequence: Counter[str] = field(default_factory=Counter)
    by_impact: Counter[str] = field(default_factory=Counter)
    genes: Counter[str] = field(default_factory=Counter)
    # What the bundle's tracks matched: None where no track says (no known-variant track: no known count).
    known: int | None = None
    clinical: Counter[str] = field(default_factory=Counter)
    panels: Counter[str] | None = None

    def to_counts(self) -> dict[str, Any]:
        """As the tee hands it to the job (a JSON file between two processes)."""
        return {"variants": self.variants, "by_region": self.by_region, "by_consequence": self.by_consequence,
                "by_impact": self.by_impact, "genes": self.genes, "known": self.known, "clinical": self.clinical,
                "panels": self.panels}

    @classmethod
    def from_counts(cls, counts: dict[str, Any]) -> Summary:
        panels = counts.get("panels")
        return cls(counts["variants"], Counter(counts["by_region"]), Counter(counts["by_consequence"]),
                   Counter(counts["by_impact"]), Counter(counts["genes"]), counts.get("known"),
                   Counter(counts.get("clinical") or {}), None if panels is None else Counter(panels))

    @property
    def novel(self) -> int | None:
        return None if self.known is None else self.variants - self.known

    def as_json(self) -> dict[str, Any]:
        tracks: dict[str, Any] = {} if self.known is None else {"known": self.known, "novel": self.novel}
        if self.clinical:
            tracks["clinical"] = dict(self.clinical.most_common())
        if self.panels is not None:
            tracks["in_regions"] = dict(self.panels)
        return {**({"tracks": tracks} if tracks else {}),
            "variants": self.variants,
            "by_region": dict(self.by_region.most_common()),
            "by_consequence": dict(self.by_consequence.most_common()),
            "by_impact": {k: self.by_impact[k] for k in IMPACT_ORDER if self.by_impact[k]},
            "genes_hit": len(self.genes),
            "top_genes": dict(self.genes.most_common(50)),
        }


@dataclass
class Entries:
    """Every BCSQ entry (one per transcript consequence) of a block: the record it belongs to (an index into
    the block's records with BCSQ) and the bytes [start, end) it spans."""

    record: Ints
    start: Ints
    end: Ints
    per: Ints  # entries of each record with BCSQ

    @classmethod
    def of(cls, commas: Ints, value: Ints, value_end: Ints) -> Entries:
        """From each BCSQ value's span; `commas` (every comma of the block, then len(a)) splits them."""
        first_comma = np.searchsorted(commas, value)
        inside = np.searchsorted(commas, value_end) - first_comma  # commas within each value
        per = inside + 1
        record = np.repeat(np.arange(len(value)), per)
        within = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        comma = np.repeat(first_comma, per) + within  # the comma after each entry, but for the last
        start = np.where(within == 0, np.repeat(value, per), commas[np.maximum(comma - 1, 0)] + 1)
        end = np.where(within == np.repeat(inside, per), np.repeat(value_end, per), commas[comma])
        return cls(record, start, end, per)

    def field(self, pipes: Ints, k: int) -> tuple[Ints, Ints]:
        """[start, end) of each entry's k-th '|' field (empty at the entry's end where it has none).
        `pipes` is every '|' of the block, then len(a)."""
        first = np.searchsorted(pipes, self.start)
        last = len(pipes) - 1
        begin = self.start if k == 0 else np.minimum(pipes[np.minimum(first + k - 1, last)] + 1, self.end)
        end = np.minimum(pipes[np.minimum(first + k, last)], self.end)
        return begin, np.maximum(end, begin)


@dataclass
class Parsed:
    """What Summariser.feed found in a block of csq's records, for the variant index to reuse."""

    data: bytes
    a: NDArray[np.uint8]
    starts: Ints
    ends: Ints
    tabs: Ints  # (records, 7)
    annotated: Ints  # the records with BCSQ, in order
    entries: Entries
    pipes: Ints
    positions: Ints
    contigs: list[tuple[str, int, int]]
    genes: tuple[list[str], Ints]  # each entry's gene: the block's distinct names, and an index into them
    terms: tuple[list[str], Ints]  # each real entry's consequence string (not '@POS' ones), likewise
    real: NDArray[np.bool_]  # the entries that are not '@POS'


class Summariser:
    """Counts csq's output a block of whole lines at a time.

    A Python statement per record would cost more than bcftools csq itself, so numpy finds each record's
    BCSQ value and each entry's consequence and gene; records are counted by their set of consequences (a
    bit mask, np.unique) and their genes, records without BCSQ by the Flanks piece their position falls in
    (np.searchsorted). Each distinct set and piece is then looked at once.
    """

    def __init__(self, flanks: Flanks, columns: int = 8):
        self._flanks = flanks
        self._columns = columns
        self._sets: Counter[frozenset[str]] = Counter()  # records by their set of consequence terms
        self._genes_hit: Counter[str] = Counter()
        self._flanked: Counter[tuple[str, str] | None] = Counter()
        self.variants = 0

    def feed(self, data: bytes) -> Parsed:
        """Whole record lines (no header lines), each ending in a newline; what was found, for the index."""
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == NEWLINE)
        starts = np.concatenate(([0], ends[:-1] + 1))
        tabs = np.flatnonzero(a == TAB)
        if len(tabs) != len(ends) * (self._columns - 1):
            raise ValueError("bcftools csq wrote a record with the wrong number of columns")
        t = tabs.reshape(len(ends), self._columns - 1)
        self.variants += len(ends)
        record, value, value_end = info_values(a, ends, t[:, 6] + 1, t[:, 7] if self._columns > 8 else ends)
        pipes = np.append(np.flatnonzero(a == PIPE), len(a))
        commas = np.append(np.flatnonzero(a == COMMA), len(a))
        entries = Entries.of(commas, value, value_end)
        genes, terms, real = self._annotated(data, a, pipes, entries, value, value_end)
        bare = np.ones(len(ends), dtype=bool)
        bare[record] = False
        positions = whole_numbers(a, t[:, 0] + 1, t[:, 1] - t[:, 0] - 1)
        contigs = contig_runs(data, a, starts, t[:, 0] - starts)
        if positions is None or contigs is None:
            raise ValueError("bcftools csq wrote a record without a CHROM or POS")
        for chrom, first, end in contigs:
            on = bare[first:end]
            if on.any():
                self._flanked.update(self._flanks.count(chrom, positions[first:end][on]))
        return Parsed(data, a, starts, ends, t, record, entries, pipes, positions, contigs, genes, terms, real)

    def _annotated(self, data: bytes, a: NDArray[np.uint8], pipes: Ints, entries: Entries, value: Ints,
                   value_end: Ints) -> tuple[tuple[list[str], Ints], tuple[list[str], Ints], NDArray[np.bool_]]:
        """Records with a BCSQ value: each record's set of consequences and of genes counted once, over all
        its entries (one per transcript). `pipes` ends with len(a). Returns what it found of each entry:
        (gene names, codes), (consequence names, codes of the real entries), which entries are real."""
        none = np.zeros(0, dtype=np.int64)
        if not len(value):
            return ([], none), ([], none), np.zeros(0, dtype=bool)
        record, start, per = entries.record, entries.start, entries.per
        _, term_end = entries.field(pipes, 0)
        gene_start, gene_end = entries.field(pipes, 1)
        genes, gene = distinct(a, gene_start, gene_end - gene_start)
        # (np.unique without return_* hashes, many times slower than its sort: keep return_counts on.)
        pairs = np.unique(record * len(genes) + gene, return_counts=True)[0]
        hit, n = np.unique(pairs % len(genes), return_counts=True)
        self._genes_hit.update(dict(zip([genes[i] for i in hit.tolist()], n.tolist(), strict=True)))
        real = a[start] != ord("@")  # '@POS': reported at another record; no consequence here
        names, term = distinct(a, start[real], (term_end - start)[real])
        found = (genes, gene), (names, term), real
        if len(names) > MASK_BITS:  # more kinds than a mask holds: one record at a time
            for first, last in zip(value.tolist(), value_end.tolist(), strict=True):
                self._sets[frozenset(t for t, _, _ in _terms(tuple(data[first:last].decode().split(","))))] += 1
            return found
        bits = np.zeros(len(record), dtype=np.int64)  # '@POS' entries add no bit
        bits[real] = np.left_shift(1, term)
        masks = np.bitwise_or.reduceat(bits, np.cumsum(per) - per)  # every record has an entry: offsets rise
        for mask, count in zip(*np.unique(masks, return_counts=True), strict=True):
            kinds = [names[i] for i in range(len(names)) if int(mask) >> i & 1]
            self._sets[frozenset(t for kind in kinds for t, _, _ in _terms((kind,)))] += int(count)
        return found

    def result(self) -> Summary:
        by_region: dict[str, int] = defaultdict(int)
        by_term: dict[str, int] = defaultdict(int)
        by_impact: dict[str, int] = defaultdict(int)
        for names, n in self._sets.items():
            where, worst = _classes(names)
            by_region[where] += n
            for t in names:
                by_term[t] += n
            by_impact[worst] += n
        by_gene = Counter({g: n for g, n in self._genes_hit.items() if g})
        for label, n in self._flanked.items():
            where = label[0] if label else "intergenic"
            by_region[where] += n
            by_term[where] += n
            by_impact["MODIFIER"] += n
        return Summary(self.variants, Counter(by_region), Counter(by_term), Counter(by_impact), by_gene)


def info_values(a: NDArray[np.uint8], ends: Ints, info_start: Ints, info_end: Ints, key: bytes = KEY,
                equals: Ints | None = None, semicolons: Ints | None = None,
                key_lengths: Ints | None = None) -> tuple[Ints, Ints, Ints]:
    """(record, value start, value end) for each record with `key` (BCSQ unless told) in its INFO column.
    `equals` (every '=') and `semicolons` (every ';', then len(a)) may be given, to look for several keys;
    with them `key_lengths` (key_lengths_of: the length of the key before each '='), so that only the keys
    of the right length are compared byte by byte."""
    equals = np.flatnonzero(a == EQUALS) if equals is None else equals
    if key_lengths is not None:
        equals = equals[key_lengths == len(key)]
    equals = equals[equals >= len(key)]
    found = np.ones(len(equals), dtype=bool)
    for k, byte in enumerate(key):
        found &= a[equals - len(key) + k] == byte
    at = equals[found] - len(key)  # where "KEY=" begins
    record = np.searchsorted(ends, at)
    before = a[np.maximum(at - 1, 0)]
    own = (at >= info_start[record]) & (at < info_end[record]) & ((before == TAB) | (before == SEMICOLON))
    at, record = at[own], record[own]
    value = at + len(key) + 1
    if semicolons is None:
        semicolons = np.append(np.flatnonzero(a == SEMICOLON), len(a))
    value_end = np.minimum(semicolons[np.searchsorted(semicolons, value)], info_end[record])
    return record, value, value_end


def key_lengths_of(a: NDArray[np.uint8], equals: Ints) -> Ints:
    """For each '=' of a block, the length of the word before it, back to the tab, ';' or newline."""
    separators = np.flatnonzero((a == TAB) | (a == SEMICOLON) | (a == NEWLINE))
    before = np.searchsorted(separators, equals) - 1
    return equals - np.where(before >= 0, separators[np.maximum(before, 0)] + 1, 0)


@cache
def _classes(names: frozenset[str]) -> tuple[str, str]:
    return region(set(names)), _worst(set(names))


def _worst(names: set[str]) -> str:
    return worst_impact(names)
