"""The consequence terms GAS reports and their impact: bcftools csq's SO terms on the VEP/Ensembl scale, and
the region classes GAS gives variants csq leaves bare. One table for the annotator (counting, the variant
index) and the web app (chips, sorting, badges)."""

from __future__ import annotations

IMPACT = {
    "start_lost": "HIGH", "stop_gained": "HIGH", "stop_lost": "HIGH", "frameshift": "HIGH",
    "splice_donor": "HIGH", "splice_acceptor": "HIGH", "feature_elongation": "HIGH",
    "missense": "MODERATE", "inframe_insertion": "MODERATE", "inframe_deletion": "MODERATE",
    "inframe_altering": "MODERATE", "coding_sequence": "MODERATE",
    "synonymous": "LOW", "splice_region": "LOW", "stop_retained": "LOW", "start_retained": "LOW",
    "5_prime_utr": "MODIFIER", "3_prime_utr": "MODIFIER", "intron": "MODIFIER", "non_coding": "MODIFIER",
}
IMPACT_ORDER = ("HIGH", "MODERATE", "LOW", "MODIFIER")  # most severe first
FLANK_TERMS = ("upstream", "downstream", "intergenic")
# Every term a job may report, in a fixed order: a term's place is its bit in the variant index's masks, so
# the order only ever grows at the end.
TERMS = (*IMPACT, *FLANK_TERMS)
KNOWN_TERMS = frozenset(TERMS)


def impact_of(term: str) -> str:
    return IMPACT.get(term, "MODIFIER")


def worst_impact(terms: set[str] | frozenset[str]) -> str:
    return min((impact_of(t) for t in terms), key=IMPACT_ORDER.index, default="MODIFIER")
