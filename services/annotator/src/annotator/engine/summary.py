"""Counts over the annotated VCF: by consequence, impact and region class, genes hit, the first variants."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pysam

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
        for start, end, strand, name in genes[max(0, i - 2): i + 1]:
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


def summarise(annotated: Path, genes: GeneIndex) -> Summary:
    """One streaming pass over the annotated VCF."""
    summary = Summary()
    with pysam.VariantFile(str(annotated)) as vcf:
        for record in vcf:
            summary.variants += 1
            terms = _terms(tuple(record.info["BCSQ"])) if "BCSQ" in record.info else []
            names = {t for t, _, _ in terms}
            where = region(names)
            gene = next((g for _, g, _ in terms if g), "")
            if where == "intergenic":
                near = genes.flank(record.chrom, record.pos)
                if near:
                    where, gene = near
            summary.by_region[where] += 1
            summary.by_consequence.update(names or {where})
            impacts = [IMPACT.get(t, "MODIFIER") for t in names] or ["MODIFIER"]
            worst = min(impacts, key=IMPACT_ORDER.index)
            summary.by_impact[worst] += 1
            summary.genes.update({g for _, g, _ in terms if g})
            if len(summary.first) < FIRST_VARIANTS:
                top = min(terms, key=lambda t: IMPACT_ORDER.index(IMPACT.get(t[0], "MODIFIER")), default=None)
                summary.first.append({
                    "chrom": record.chrom, "pos": record.pos, "ref": record.ref,
                    "alt": ",".join(record.alts or ()), "consequence": top[0] if top else where,
                    "gene": gene, "impact": worst, "protein": top[2] if top else "",
                })
    return summary
