"""Which ALT alleles of a record GAS annotates, and why the others are kept as they are.

The validator (which sends the annotatable alleles to bcftools) and the merge (which writes the consequences
back into the user's own record) both ask this one function, so they always agree on how many pieces of a
record come back from bcftools. Everything not annotated is kept in the output untouched and counted by reason.
"""

from __future__ import annotations

import re

BASES = re.compile(r"^[ACGTNacgtn]+$")

# Why an allele (or a whole record) is kept without consequences, as the report and the count log say it.
NO_ALT = "no ALT allele"
SYMBOLIC = "symbolic allele"
REFERENCE_BLOCK = "gVCF reference block (<NON_REF> or <*>)"
BREAKEND = "breakend allele"
SPANNING = "spanning deletion allele (*)"
SAME_AS_REF = "ALT equal to REF"
REPEATED = "ALT repeated in the record"
TELOMERE = "position 0 (telomere)"
UNREADABLE = "ALT with characters other than bases"

NON_REF = frozenset({"<NON_REF>", "<*>"})


def kind(allele: str) -> str | None:
    """Why an allele is not annotated, or None for plain bases."""
    if BASES.match(allele):
        return None
    if allele in NON_REF:
        return REFERENCE_BLOCK
    if allele.startswith("<"):
        return SYMBOLIC
    if allele in ("*", "."):
        return SPANNING if allele == "*" else NO_ALT
    if "[" in allele or "]" in allele or allele.startswith(".") or allele.endswith("."):
        return BREAKEND
    return UNREADABLE


def annotatable(pos: int, ref: str, alt: str) -> tuple[list[int], list[str]]:
    """The 0-based indices of the ALTs bcftools csq is given, and why each other one is not."""
    if alt == ".":
        return [], [NO_ALT]
    if pos == 0:
        return [], [TELOMERE]
    if BASES.match(alt):  # the common case: one plain allele
        return ([0], []) if alt.upper() != ref.upper() else ([], [SAME_AS_REF])
    kept: list[int] = []
    why: list[str] = []
    seen = {ref.upper()}
    for i, allele in enumerate(alt.split(",")):
        reason = kind(allele)
        if reason is None:
            upper = allele.upper()
            reason = (SAME_AS_REF if upper == ref.upper() else REPEATED) if upper in seen else None
            seen.add(upper)
        if reason is None:
            kept.append(i)
        else:
            why.append(reason)
    return kept, why
