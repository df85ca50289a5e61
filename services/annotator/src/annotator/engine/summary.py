"""Counts over the annotated VCF: by consequence, impact and region class, genes hit, the first variants."""

from __future__ import annotations

import bisect
import contextlib
import gzip
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# bcftools csq consequence terms by impact (the VEP/Ensembl scale).
IMPACT = {
    "start_lost": "HIGH", "stop_gained": "HIGH", "stop_lost": "HIGH", "frameshift": "HIGH",
    "splice_donor": "HIGH", "splice_acceptor": "HIGH", "feature_elongation": "HIGH",
    "missense": "MODERATE", "inframe_insertion": "MODERATE", "inframe_deletion": "MODERATE",
    "inframe_altering": "MODERATE", "coding_sequence": "MODERATE",
    "synonymous": "LOW", "splice_region": "LOW", "stop_retained": "LOW", "start_retained": "LOW",
    "5_prime_utr": "MODIFIER", "3_prime_utr": "MODIFIER", "intron": "MODIFIER", "non_coding": "MODIFIER",
}
IMPACT_ORDER = ("HIGH", "MODERATE", "LOW", "MODIFIER")
SPLICE = {"splice_donor", "splice_acceptor", "splice_region"}
UTR = {"5_prime_utr", "3_prime_utr"}
FLANK = 5000  # up/downstream: within this many bases of a gene, as Ensembl counts it
FIRST_VARIANTS = 500


@dataclass
class GeneIndex:
    """Gene spans per contig from the GFF3, for calling intergenic variants up- or downstream."""

    starts: dict[str, list[int]] = field(default_factory=dict)
    genes: dict[str, list[tuple[int, int, str, str]]] = field(default_factory=dict)

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
        """('upstream'|'downstream', gene name) for the nearest gene within FLANK bases, else None."""
        genes = self.genes.get(contig, [])
        i = bisect.bisect_left(self.starts.get(contig, []), pos)
        best: tuple[int, str, str] | None = None
        for start, end, strand, name in genes[max(0, i - 2): i + 1]:  # neighbours by start: enough between genes
            distance = start - pos if pos < start else pos - end if pos > end else 0
            if 0 < distance <= FLANK and (best is None or distance < best[0]):
                before = pos < start
                side = "upstream" if before == (strand == "+") else "downstream"
                best = (distance, side, name)
        return (best[1], best[2]) if best else None


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
    variants: int = 0
    by_region: Counter[str] = field(default_factory=Counter)
    by_consequence: Counter[str] = field(default_factory=Counter)
    by_impact: Counter[str] = field(default_factory=Counter)
    genes: Counter[str] = field(default_factory=Counter)
    first: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "variants": self.variants,
            "by_region": dict(self.by_region.most_common()),
            "by_consequence": dict(self.by_consequence.most_common()),
            "by_impact": {k: self.by_impact[k] for k in IMPACT_ORDER if self.by_impact[k]},
            "genes_hit": len(self.genes),
            "top_genes": dict(self.genes.most_common(50)),
            "first_variants": self.first,
        }


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def summarise(annotated: Path, genes: GeneIndex, plain: Path | None = None) -> Summary:
    """One streaming pass over the annotated VCF's text, writing the plain copy on the way if asked.

    This is the hot loop of a job after validation (a million records a minute's worth of Python), so it
    counts in plain dicts rather than Counter.update, which costs more than the counting.
    """
    by_region: dict[str, int] = {}
    by_term: dict[str, int] = {}
    by_impact: dict[str, int] = {}
    by_gene: dict[str, int] = {}
    first: list[dict[str, Any]] = []
    variants = 0
    with gzip.open(annotated, "rt", newline="\n") as vcf, \
            (plain.open("w") if plain else contextlib.nullcontext()) as copy:
        for line in vcf:
            if copy:
                copy.write(line)
            if line[0] == "#":
                continue
            chrom, pos_text, _id, ref, alt, _qual, _filter, info = line.split("\t", 8)[:8]
            variants += 1
            at = info.find("BCSQ=")
            if at < 0 or (at > 0 and info[at - 1] != ";"):
                pos = int(pos_text)
                found = genes.flank(chrom, pos)
                where, gene = found if found else ("intergenic", "")
                _count(by_region, where)
                _count(by_term, where)
                _count(by_impact, "MODIFIER")
                if len(first) < FIRST_VARIANTS:
                    first.append({"chrom": chrom, "pos": pos, "ref": ref, "alt": alt, "consequence": where,
                                  "gene": gene, "impact": "MODIFIER", "protein": ""})
                continue
            terms = _terms(tuple(info[at + 5:].split(";", 1)[0].rstrip().split(",")))
            names = {t for t, _, _ in terms}
            where = region(names)
            _count(by_region, where)
            for t in names:
                _count(by_term, t)
            worst = min((IMPACT.get(t, "MODIFIER") for t in names), key=IMPACT_ORDER.index, default="MODIFIER")
            _count(by_impact, worst)
            for g in {g for _, g, _ in terms if g}:
                _count(by_gene, g)
            if len(first) < FIRST_VARIANTS:
                top = min(terms, key=lambda t: IMPACT_ORDER.index(IMPACT.get(t[0], "MODIFIER")), default=None)
                first.append({
                    "chrom": chrom, "pos": int(pos_text), "ref": ref, "alt": alt,
                    "consequence": top[0] if top else where, "gene": next((g for _, g, _ in terms if g), ""),
                    "impact": worst, "protein": top[2] if top else "",
                })
    return Summary(variants, Counter(by_region), Counter(by_term), Counter(by_impact), Counter(by_gene), first)
