"""Queries over a job's variant index: one filter (gene list, consequence terms, impacts, region, IDs,
FILTER values, free text, and what the reference's tracks matched: known or novel, clinical class, population
frequency, regions) drives the table's pages, the exact counts, the chart and the exports.

Every filter becomes a boolean mask over the index's rows (numpy, a few milliseconds per million rows);
pages are keyset pages over a fixed order per sort key (the cursor is a row's rank in that order, so a page
never shifts as the user moves on); counts are over distinct variants.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.consequences import IMPACT_ORDER, TERMS
from gas_shared.contract.variant_index import SAMPLE_BYTES

from .index import VariantIndex, sorted_distinct

SORTS = ("position", "impact", "gene")
MAX_LIMIT, DEFAULT_LIMIT = 500, 50
MAX_LIST, MAX_TEXT = 2000, 200
REGION = re.compile(r"^\s*([^\s:]+)(?::\s*([\d,]+)(?:\s*-\s*([\d,]+))?)?\s*$")
LIST_SPLIT = re.compile(r"[\s,;]+")
TSV_COLUMNS = ("chrom", "pos", "id", "ref", "alt", "qual", "filter", "gene", "transcript", "biotype",
               "consequence", "impact", "protein_change", "dna_change", "known_id", "clinical", "frequency",
               "regions", "hgvs_c", "hgvs_p")
KNOWN_STATES = ("known", "novel")
OTHER = 2  # a transcript's rank in the index's meta: 0 MANE Select, 1 Ensembl canonical, 2 other
PREFERRED = {0: "MANE_Select", 1: "Ensembl_canonical"}
CLASS_SPLIT = re.compile(r"[/|,]")
BIT = {term: 1 << i for i, term in enumerate(TERMS)}


class FilterError(ValueError):
    """A filter the user must change: the message says how."""


def _listed(values: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        found += [v for v in LIST_SPLIT.split(value) if v]
    if len(found) > MAX_LIST:
        raise FilterError(f"At most {MAX_LIST:,} values per field, please.")
    return tuple(dict.fromkeys(found))


def _frequency(values: list[str], side: str) -> float | None:
    text = " ".join(values).strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise FilterError(f"Frequency {side} is a number from 0 to 1 (e.g. 0.01), not {text[:20]!r}.")
    return value


@dataclass(frozen=True)
class Region:
    chrom: str
    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> Region | None:
        if not text.strip():
            return None
        found = REGION.match(text)
        if not found:
            raise FilterError(f"Write a region as chrom:start-end (e.g. chr1:10000-20000), not {text[:40]!r}.")
        chrom, start, end = found.group(1), found.group(2), found.group(3)
        low = int(start.replace(",", "")) if start else 1
        high = int(end.replace(",", "")) if end else (low if start else 2**62)
        if high < low:
            raise FilterError("A region's end must not be before its start.")
        return cls(chrom, low, high)

    def __str__(self) -> str:
        return self.chrom if self.end >= 2**62 else f"{self.chrom}:{self.start}-{self.end}"


@dataclass(frozen=True)
class Filter:
    """What the user asked for. Within a field, any value matches; across fields, all must."""

    genes: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    impacts: tuple[str, ...] = ()
    region: Region | None = None
    ids: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    text: str = ""
    known: str = ""  # 'known' or 'novel' (by the reference's known-variant tracks)
    clinical: tuple[str, ...] = ()  # clinical classes, as ClinVar writes them (any case, '_' or ' ')
    af_below: float | None = None  # frequency below this, or none known (the rarest of all)
    af_above: float | None = None  # frequency known and at least this
    regions: tuple[str, ...] = ()  # inside any of these region tracks
    pick: bool = False  # one row per variant: the preferred transcript's, else the most severe (VEP's --pick)

    @classmethod
    def of(cls, args: Any) -> Filter:
        """From query arguments (a werkzeug MultiDict, or a dict of lists): gene, consequence, impact, region,
        id, filter, q. Terms may be written as SO terms or with spaces (`stop gained`)."""
        def values(name: str) -> list[str]:
            got = args.getlist(name) if hasattr(args, "getlist") else args.get(name, [])
            return [str(v) for v in (got if isinstance(got, list) else [got])]

        terms = tuple(t.strip().lower().replace(" ", "_") for v in values("consequence") for t in v.split(",")
                      if t.strip())
        unknown = [t for t in terms if t not in BIT]
        if unknown:
            raise FilterError(f"Unknown consequence {unknown[0]!r}; use one of: {', '.join(TERMS)}.")
        impacts = tuple(i.strip().upper() for v in values("impact") for i in v.split(",") if i.strip())
        if any(i not in IMPACT_ORDER for i in impacts):
            raise FilterError(f"Impact is one of {', '.join(IMPACT_ORDER)}.")
        text = " ".join(values("q")).strip()
        if len(text) > MAX_TEXT:
            raise FilterError(f"Search text is limited to {MAX_TEXT} characters.")
        known = " ".join(values("known")).strip().lower()
        if known and known not in KNOWN_STATES:
            raise FilterError("Known is 'known' or 'novel'.")
        clinical = tuple(dict.fromkeys(c.strip().replace(" ", "_") for v in values("clinical") for c in v.split(",")
                                       if c.strip()))
        return cls(genes=_listed(values("gene")), terms=tuple(dict.fromkeys(terms)),
                   impacts=tuple(dict.fromkeys(impacts)), region=Region.parse(" ".join(values("region"))),
                   ids=_listed(values("id")), filters=_listed(values("filter")), text=text, known=known,
                   clinical=clinical[:MAX_LIST], af_below=_frequency(values("af_below"), "below"),
                   af_above=_frequency(values("af_above"), "above"), regions=_listed(values("in_region")),
                   pick=" ".join(values("pick")).strip().lower() in ("1", "true", "on", "yes"))

    def args(self) -> list[tuple[str, str]]:
        """As query arguments (for links: pages, exports, the API)."""
        out = [("gene", ",".join(self.genes))] if self.genes else []
        out += [("consequence", t) for t in self.terms] + [("impact", i) for i in self.impacts]
        out += [("region", str(self.region))] if self.region else []
        out += [("id", ",".join(self.ids))] if self.ids else []
        out += [("filter", ",".join(self.filters))] if self.filters else []
        out += [("known", self.known)] if self.known else []
        out += [("clinical", c) for c in self.clinical]
        out += [("af_below", f"{self.af_below:g}")] if self.af_below is not None else []
        out += [("af_above", f"{self.af_above:g}")] if self.af_above is not None else []
        out += [("in_region", ",".join(self.regions))] if self.regions else []
        out += [("pick", "1")] if self.pick else []
        return out + ([("q", self.text)] if self.text else [])

    @property
    def empty(self) -> bool:
        return not self.args()

    def slug(self) -> str:
        """A short, safe description for export file names ('' for no filter)."""
        parts = [v.replace(",", "+") for _, v in self.args()]
        return re.sub(r"[^A-Za-z0-9+._-]+", "_", "_".join(parts)).strip("._")[:60]


@dataclass
class Row:
    """One (variant, transcript consequence) as the table, the API and the TSV show it."""

    cursor: str
    record: int
    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    qual: float | None
    filter: str
    gene: str
    transcript: str
    biotype: str
    consequence: list[str]
    impact: str
    protein_change: str
    dna_change: str
    genotypes: list[tuple[str, str]] = field(default_factory=list)
    known_id: str = ""  # what the reference's tracks matched ('' / None / [] where they did not, or say nothing)
    clinical: str = ""
    frequency: float | None = None
    regions: list[str] = field(default_factory=list)
    preferred: str = ""  # MANE_Select or Ensembl_canonical: the gene models' preferred transcript
    hgvs_c: str = ""  # HGVS, in jobs that asked for it
    hgvs_p: str = ""

    def as_json(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "genotypes"},
                "genotypes": [{"sample": s, "gt": g} for s, g in self.genotypes]}


@dataclass
class Page:
    rows: list[Row]
    offset: int  # how many matching rows come before this page
    total: int  # matching rows
    next_cursor: str | None
    prev_cursor: str | None


@dataclass
class Counts:
    """Exact counts of what the filter matches: rows, distinct variants and records; variants by consequence
    term (a variant counts once per term it has), by worst impact, and per gene."""

    rows: int
    variants: int
    records: int
    by_consequence: dict[str, int]
    by_impact: dict[str, int]
    genes: list[dict[str, Any]]  # {gene, variants, worst_impact}, most variants first
    genes_total: int
    known: int | None = None  # None: the reference has no known-variant track
    novel: int | None = None
    by_clinical: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Explorer:
    """Queries over one job's index. Safe to share between threads (the orders are made once, under a lock)."""

    def __init__(self, index: VariantIndex):
        self.index = index
        meta = index.meta
        self.genes: list[str] = meta["genes"]
        self.contigs: list[str] = meta["contigs"]
        self.filters_seen: list[str] = meta["filters"]
        self.samples: list[str] = meta["samples"]
        self._gene_codes: dict[str, list[int]] = {}
        for code, name in enumerate(self.genes):
            self._gene_codes.setdefault(name.lower(), []).append(code)
        a = index.arrays
        self._row_variant = a["row_variant"]
        self._orders: dict[str, tuple[NDArray[np.int32], NDArray[np.int32]]] = {}
        self._picked: NDArray[np.bool_] | None = None
        self._lock = threading.Lock()
        self._rank: list[int] = meta.get("transcript_rank", [])
        self.clinical_seen: list[str] = meta.get("clinical", [])
        self.regions_seen: list[str] = meta.get("panels", [])
        self.has_known = "variant_known_id" in index.texts
        self.has_frequency = "variant_frequency" in a
        self.has_hgvs = "row_hgvs_c" in index.texts

    # -- masks ----------------------------------------------------------------------------------------------

    def mask(self, f: Filter) -> NDArray[np.bool_] | None:
        """The rows `f` matches; None for every row."""
        a = self.index.arrays
        masks: list[NDArray[np.bool_]] = []
        variant_masks: list[NDArray[np.bool_]] = []
        if f.genes:
            codes = [c for g in f.genes for c in self._gene_codes.get(g.lower(), [])]
            masks.append(np.isin(a["row_gene"], np.array(codes or [-2], dtype=np.int32)))
        if f.terms:
            bits = sum(BIT[t] for t in f.terms)
            masks.append((a["row_terms"] & bits) != 0)
        if f.impacts:
            ranks = [IMPACT_ORDER.index(i) for i in f.impacts]
            masks.append(np.isin(a["row_impact"], np.array(ranks, dtype=np.int8)))
        if f.region:
            variant_masks.append(self._region(f.region))
        if f.ids:
            variant_masks.append(self._ids(f.ids))
        if f.filters:
            wanted = {v.lower() for v in f.filters}
            codes = [c for c, v in enumerate(self.filters_seen) if wanted & {p.lower() for p in v.split(";")}]
            records = np.isin(a["record_filter"], np.array(codes or [-2], dtype=np.int32))
            variant_masks.append(records[a["variant_record"] - 1])
        variant_masks += self._tracks(f)
        if f.text:
            for word in f.text.split():
                masks.append(self._text(word))
        if f.pick:
            masks.append(self.picked())
        if variant_masks:
            variants = variant_masks[0]
            for more in variant_masks[1:]:
                variants = variants & more
            masks.append(variants[self._row_variant])
        if not masks:
            return None
        out = masks[0]
        for more in masks[1:]:
            out = out & more
        return out

    def _region(self, region: Region) -> NDArray[np.bool_]:
        a = self.index.arrays
        names = [region.chrom, region.chrom[3:] if region.chrom.lower().startswith("chr") else f"chr{region.chrom}"]
        code = next((self.contigs.index(n) for n in names if n in self.contigs), -2)  # 1 <-> chr1 when unambiguous
        pos = a["variant_pos"]
        found: NDArray[np.bool_] = (a["variant_chrom"] == code) & (pos >= region.start) & (pos <= region.end)
        return found

    def _ids(self, ids: tuple[str, ...]) -> NDArray[np.bool_]:
        """Variants whose ID column holds any of `ids` as a whole ID (the column may list several, split by ';'),
        or whose known ID (from the reference's tracks: an rs number) is one of them."""
        texts = self.index.texts["variant_id"]
        out = np.zeros(len(texts), dtype=bool)
        out[texts.whole(ids)] = True
        if self.has_known:
            out[self.index.texts["variant_known_id"].whole(ids)] = True
        return out

    def _tracks(self, f: Filter) -> list[NDArray[np.bool_]]:
        """Variant masks for what the tracks matched; a filter the job's tracks cannot answer is an error."""
        a, masks = self.index.arrays, []
        if f.known:
            if not self.has_known:
                raise FilterError("This job's reference has no known-variant track, so known and novel are unknown.")
            length = self.index.texts["variant_known_id"].lengths()
            masks.append((length > 0) if f.known == "known" else (length == 0))
        if f.clinical:
            if "variant_clinical" not in a:
                raise FilterError("This job's reference has no clinical-significance track.")
            wanted = {c.lower() for c in f.clinical}
            codes = [i for i, name in enumerate(self.clinical_seen)
                     if wanted & ({part.strip("_").lower() for part in CLASS_SPLIT.split(name)} | {name.lower()})]
            masks.append(np.isin(a["variant_clinical"], np.array(codes or [-2], dtype=np.int32)))
        if f.af_below is not None or f.af_above is not None:
            if not self.has_frequency:
                raise FilterError("This job's reference has no population-frequency track.")
            frequency = a["variant_frequency"]
            if f.af_below is not None:
                masks.append(~(frequency >= f.af_below))  # NaN (not in the track) counts as below
            if f.af_above is not None:
                masks.append(frequency >= f.af_above)
        if f.regions:
            if "variant_panels" not in a:
                raise FilterError("This job's reference has no region track.")
            names = {r.lower() for r in f.regions}
            bits = sum(1 << j for j, name in enumerate(self.regions_seen) if name.lower() in names or "any" in names)
            masks.append((a["variant_panels"] & np.uint32(bits)) != 0)
        return masks

    def _text(self, word: str) -> NDArray[np.bool_]:
        """Rows where `word` is in the gene, transcript, consequence, protein or DNA change, or the ID."""
        a, texts = self.index.arrays, self.index.texts
        lowered = word.lower()
        pattern = re.compile(re.escape(word.encode()), re.IGNORECASE)
        genes = [c for c, g in enumerate(self.genes) if lowered in g.lower()]
        transcripts = [c for c, t in enumerate(self.index.meta["transcripts"]) if lowered in t.lower()]
        bits = sum(b for t, b in BIT.items() if lowered.replace(" ", "_") in t)
        out = np.isin(a["row_gene"], np.array(genes or [-2], dtype=np.int32))
        out |= np.isin(a["row_transcript"], np.array(transcripts or [-2], dtype=np.int32))
        if bits:
            out |= (a["row_terms"] & bits) != 0
        for name in ("row_protein", "row_dna", *(("row_hgvs_c", "row_hgvs_p") if self.has_hgvs else ())):
            out[texts[name].matching(pattern)] = True
        ids = np.zeros(len(texts["variant_id"]), dtype=bool)
        ids[texts["variant_id"].matching(pattern)] = True
        if self.has_known:
            ids[texts["variant_known_id"].matching(pattern)] = True
        found: NDArray[np.bool_] = out | ids[self._row_variant]
        return found

    def picked(self) -> NDArray[np.bool_]:
        """One row per variant: the first with the best transcript rank (MANE Select, then Ensembl canonical,
        then any), and among those the most severe, as VEP's --pick orders them. Made once per index."""
        with self._lock:
            if self._picked is None:
                a, v = self.index.arrays, self._row_variant
                ranks = np.array([*self.index.meta.get("transcript_rank", []), OTHER], dtype=np.int64)
                key = ranks[a["row_transcript"]] * 8 + a["row_impact"]
                starts = np.flatnonzero(np.concatenate(([True], v[1:] != v[:-1]))) if len(v) else np.zeros(0, int)
                best = np.repeat(np.minimum.reduceat(key, starts), np.diff(np.append(starts, len(v)))) \
                    if len(v) else key
                at = np.where(key == best, np.arange(len(v)), len(v))
                out = np.zeros(len(v), dtype=bool)
                if len(v):
                    out[np.minimum.reduceat(at, starts)] = True
                self._picked = out
            return self._picked

    # -- orders and pages -----------------------------------------------------------------------------------

    def order(self, sort: str) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """(rows in `sort` order, each row's rank in it), made once per index."""
        if sort not in SORTS:
            raise FilterError(f"Sort by one of: {', '.join(SORTS)}.")
        with self._lock:
            if sort not in self._orders:
                a = self.index.arrays
                v = self._row_variant
                keys: list[NDArray[Any]] = [np.arange(len(v)), a["variant_pos"][v], a["variant_chrom"][v]]
                if sort == "impact":
                    keys.append(a["row_impact"])
                elif sort == "gene":
                    by_name = np.argsort(np.array([g.lower() for g in self.genes] or [""]), kind="stable")
                    rank = np.empty(len(by_name) + 1, dtype=np.int64)
                    rank[by_name] = np.arange(len(by_name))
                    rank[-1] = len(by_name)  # no gene: last
                    keys.append(rank[a["row_gene"]])
                order = np.lexsort(keys).astype(np.int32)
                ranks = np.empty(len(order), dtype=np.int32)
                ranks[order] = np.arange(len(order), dtype=np.int32)
                self._orders[sort] = (order, ranks)
            return self._orders[sort]

    def selected(self, f: Filter, sort: str) -> NDArray[np.int32]:
        """The rows `f` matches, in `sort` order."""
        order, _ = self.order(sort)
        mask = self.mask(f)
        return order if mask is None else order[mask[order]]

    def page(self, f: Filter, sort: str = "position", *, after: str | None = None, before: str | None = None,
             last: bool = False, limit: int = DEFAULT_LIMIT) -> Page:
        limit = max(1, min(limit, MAX_LIMIT))
        _, ranks = self.order(sort)
        rows = self.selected(f, sort)
        placed = ranks[rows]
        if after is not None:
            begin = int(np.searchsorted(placed, _rank(after, sort), side="right"))
        elif before is not None:
            begin = max(0, int(np.searchsorted(placed, _rank(before, sort), side="left")) - limit)
        elif last:
            begin = max(0, len(rows) - limit)
        else:
            begin = 0
        taken = rows[begin: begin + limit]
        out = [self.row(int(r), sort, int(ranks[r])) for r in taken.tolist()]
        has_next = begin + limit < len(rows)
        return Page(out, begin, len(rows), out[-1].cursor if out and has_next else None,
                    out[0].cursor if out and begin > 0 else None)

    def row(self, r: int, sort: str = "position", rank: int = 0) -> Row:
        a, t = self.index.arrays, self.index.texts
        v = int(self._row_variant[r])
        record = int(a["variant_record"][v])
        qual = float(a["record_qual"][record - 1])
        gene, transcript, biotype = (int(a[n][r]) for n in ("row_gene", "row_transcript", "row_biotype"))
        mask = int(a["row_terms"][r])
        return Row(
            cursor=f"{sort}.{rank}", record=record, chrom=self.contigs[int(a["variant_chrom"][v])],
            pos=int(a["variant_pos"][v]), id=t["variant_id"].get(v), ref=t["variant_ref"].get(v),
            alt=t["variant_alt"].get(v), qual=None if math.isnan(qual) else qual,
            filter=self.filters_seen[int(a["record_filter"][record - 1])],
            gene=self.genes[gene] if gene >= 0 else "",
            transcript=self.index.meta["transcripts"][transcript] if transcript >= 0 else "",
            biotype=self.index.meta["biotypes"][biotype] if biotype >= 0 else "",
            consequence=[term for term, bit in BIT.items() if mask & bit],
            impact=IMPACT_ORDER[int(a["row_impact"][r])], protein_change=t["row_protein"].get(r),
            dna_change=t["row_dna"].get(r), genotypes=self._genotypes(t["record_samples"].get(record - 1)),
            preferred=PREFERRED.get(self._rank[transcript], "") if 0 <= transcript < len(self._rank) else "",
            hgvs_c=t["row_hgvs_c"].get(r) if self.has_hgvs else "",
            hgvs_p=t["row_hgvs_p"].get(r) if self.has_hgvs else "",
            **self._matched(v))

    def _matched(self, v: int) -> dict[str, Any]:
        """What the reference's tracks matched for variant `v` (Row's track fields)."""
        a, found = self.index.arrays, dict[str, Any]()
        if self.has_known:
            found["known_id"] = self.index.texts["variant_known_id"].get(v)
        if "variant_clinical" in a and (code := int(a["variant_clinical"][v])) >= 0:
            found["clinical"] = self.clinical_seen[code]
        if self.has_frequency and not math.isnan(frequency := float(a["variant_frequency"][v])):
            found["frequency"] = frequency
        if "variant_panels" in a:
            found["regions"] = [n for j, n in enumerate(self.regions_seen) if int(a["variant_panels"][v]) >> j & 1]
        return found

    def _genotypes(self, text: str) -> list[tuple[str, str]]:
        """(sample, GT) for the samples whose columns the index kept whole."""
        if not text or not self.samples:
            return []
        columns = text.split("\t")
        keys = columns[0].split(":")
        if "GT" not in keys:
            return []
        at = keys.index("GT")
        values = columns[1:]
        if len(text.encode()) >= SAMPLE_BYTES:
            values = values[:-1]  # the last one may be cut
        out = []
        for sample, value in zip(self.samples, values, strict=False):
            parts = value.split(":")
            out.append((sample, parts[at] if at < len(parts) else "."))
        return out

    # -- counts ---------------------------------------------------------------------------------------------

    def counts(self, f: Filter, genes: int = 50) -> Counts:
        a = self.index.arrays
        mask = self.mask(f)
        rows = np.flatnonzero(mask) if mask is not None else np.arange(self.index.rows)
        v = self._row_variant[rows]
        if not len(v):
            none = 0 if self.has_known else None
            return Counts(0, 0, 0, {}, {}, [], 0, none, none)
        # Rows come grouped by variant (the index is written so): a variant is a run of equal numbers.
        starts = np.flatnonzero(np.concatenate(([True], v[1:] != v[:-1])))
        terms = np.bitwise_or.reduceat(a["row_terms"][rows], starts)
        impact = np.minimum.reduceat(a["row_impact"][rows], starts)
        seen = np.zeros(int(self.index.meta["records"]) + 1, dtype=bool)
        seen[a["variant_record"][v[starts]]] = True
        by_term = {t: int(np.count_nonzero(terms & bit)) for t, bit in BIT.items()}
        by_impact = dict(zip(IMPACT_ORDER, np.bincount(impact, minlength=len(IMPACT_ORDER)).tolist(), strict=True))
        gene = a["row_gene"][rows].astype(np.int64)
        pairs = sorted_distinct(v.astype(np.int64) * (len(self.genes) + 1) + gene + 1)
        per_gene = np.bincount(pairs % (len(self.genes) + 1), minlength=len(self.genes) + 1)[1:]
        worst = np.full(len(self.genes), len(IMPACT_ORDER), dtype=np.int64)
        row_impact = a["row_impact"][rows]
        for rank in range(len(IMPACT_ORDER) - 1, -1, -1):
            present = np.bincount(gene[row_impact == rank] + 1, minlength=len(self.genes) + 1)[1:] > 0
            worst[present] = rank
        hit = np.flatnonzero(per_gene)
        top = hit[np.lexsort((worst[hit], -per_gene[hit]))][:genes]
        variants = v[starts]
        known = novel = None
        if self.has_known:
            known = int(np.count_nonzero(self.index.texts["variant_known_id"].lengths()[variants]))
            novel = len(variants) - known
        by_clinical: dict[str, int] = {}
        if "variant_clinical" in a:
            codes = a["variant_clinical"][variants]
            n = np.bincount(codes[codes >= 0], minlength=len(self.clinical_seen))
            by_clinical = {self.clinical_seen[i]: int(n[i]) for i in np.argsort(-n, kind="stable").tolist() if n[i]}
        return Counts(
            rows=len(rows), variants=len(starts), records=int(seen.sum()),
            by_consequence={t: n for t, n in sorted(by_term.items(), key=lambda kv: -kv[1]) if n},
            by_impact={k: n for k, n in by_impact.items() if n},
            genes=[{"gene": self.genes[g], "variants": int(per_gene[g]), "worst_impact": IMPACT_ORDER[int(worst[g])]}
                   for g in top.tolist()],
            genes_total=len(hit), known=known, novel=novel, by_clinical=by_clinical)

    # -- exports --------------------------------------------------------------------------------------------

    def tsv(self, f: Filter, sort: str = "position", chunk: int = 20_000) -> Iterator[str]:
        """The matching rows as TSV, a chunk of lines at a time (columns by numpy, lines by one join each)."""
        yield "\t".join(TSV_COLUMNS) + "\n"
        a, t, meta = self.index.arrays, self.index.texts, self.index.meta
        rows = self.selected(f, sort)
        if not len(rows):
            return
        names = {"contigs": np.array(self.contigs, dtype=object),
                 "filters": np.array(self.filters_seen, dtype=object),
                 "genes": np.array([*self.genes, ""], dtype=object),  # code -1 is none
                 "transcripts": np.array([*meta["transcripts"], ""], dtype=object),
                 "biotypes": np.array([*meta["biotypes"], ""], dtype=object),
                 "impacts": np.array(IMPACT_ORDER, dtype=object)}
        terms: dict[int, str] = {}
        for begin in range(0, len(rows), chunk):
            r = rows[begin: begin + chunk]
            v = self._row_variant[r]
            record = a["variant_record"][v] - 1
            masks = a["row_terms"][r]
            distinct, which = np.unique(masks, return_inverse=True)
            for mask in distinct.tolist():
                if mask not in terms:
                    terms[mask] = "&".join(term for term, bit in BIT.items() if mask & bit)
            consequence = np.array([terms[m] for m in distinct.tolist()], dtype=object)[which]
            quals = ["." if math.isnan(q) else f"{q:g}" for q in a["record_qual"][record].tolist()]
            columns = (
                names["contigs"][a["variant_chrom"][v]], a["variant_pos"][v].astype(str).tolist(),
                t["variant_id"].many(v), t["variant_ref"].many(v), t["variant_alt"].many(v), quals,
                names["filters"][a["record_filter"][record]],
                names["genes"][a["row_gene"][r]], names["transcripts"][a["row_transcript"][r]],
                names["biotypes"][a["row_biotype"][r]], consequence, names["impacts"][a["row_impact"][r]],
                t["row_protein"].many(r), t["row_dna"].many(r), *self._matched_columns(v),
                *((t["row_hgvs_c"].many(r), t["row_hgvs_p"].many(r)) if self.has_hgvs else ([""] * len(r),) * 2))
            yield "".join(["\t".join(line) + "\n" for line in zip(*columns, strict=True)])

    def _matched_columns(self, v: NDArray[np.int32]) -> list[list[str]]:
        """The TSV's known_id, clinical, frequency and regions columns for variants `v` ('' where none)."""
        a, n = self.index.arrays, len(v)
        known = self.index.texts["variant_known_id"].many(v) if self.has_known else [""] * n
        clinical = [""] * n
        if "variant_clinical" in a:
            clinical = np.array([*self.clinical_seen, ""], dtype=object)[a["variant_clinical"][v]].tolist()
        frequency = [""] * n
        if self.has_frequency:
            frequency = ["" if math.isnan(x) else f"{x:g}" for x in a["variant_frequency"][v].tolist()]
        regions = [""] * n
        if "variant_panels" in a:
            masks = a["variant_panels"][v]
            names = {int(m): ",".join(r for j, r in enumerate(self.regions_seen) if int(m) >> j & 1)
                     for m in np.unique(masks).tolist()}
            regions = [names[m] for m in masks.tolist()]
        return [known, clinical, frequency, regions]

    def records(self, f: Filter) -> NDArray[np.bool_]:
        """For each record number (index 0 unused), whether any of its rows matches."""
        mask = self.mask(f)
        wanted = np.zeros(int(self.index.meta["records"]) + 1, dtype=bool)
        v = self._row_variant if mask is None else self._row_variant[mask]
        wanted[self.index.arrays["variant_record"][v]] = True
        return wanted


def _rank(cursor: str, sort: str) -> int:
    kind, _, rank = cursor.partition(".")
    if kind != sort or not rank.isdigit():
        raise FilterError("That page link is out of date; start again from the first page.")
    return int(rank)

