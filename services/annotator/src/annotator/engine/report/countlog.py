"""The count log, in the spirit of AnnTools' .vcf.count.log: plain text a person reads at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gas_shared.contract.bundle import Track
from gas_shared.contract.consequences import IMPACT_ORDER

from ..check.validation import Report
from .summary import Summary

if TYPE_CHECKING:
    from ..pipeline import Consequences

REGIONS = ("CDS", "splice", "UTR", "intronic", "non-coding", "upstream", "downstream", "intergenic")


def write_count_log(path: Path, *, filename: str, reference_id: str, job_id: str, report: Report,
                    summary: Summary, repairs: Sequence[str] = (), moved: int = 0,
                    tracks: Sequence[Track] = (), consequences: Consequences | None = None) -> None:
    lines = [
        "# GAS annotation count log",
        f"# input: {filename}",
        f"# reference: {reference_id}",
        *(f"# track: {t.name} {t.version} ({t.kind}; {t.source}; sha256 {t.sha256})" for t in tracks),
        f"# job: {job_id}",
        "",
        f"Records read\t{report.records_in}",
        f"Records written\t{report.records_in}",
        f"Records kept without consequences\t{sum(report.skipped.values())}",
        f"Variants annotated\t{summary.variants}",
        f"Records annotated in normalised form\t{moved}",
        f"Genes hit\t{len(summary.genes)}",
        "",
        "## By region",
        *(f"{r}\t{summary.by_region[r]}" for r in REGIONS),
        "",
        "## By impact",
        *(f"{i}\t{summary.by_impact[i]}" for i in IMPACT_ORDER),
        "",
        "## By consequence",
        *(f"{term}\t{n}" for term, n in summary.by_consequence.most_common()),
    ]
    if consequences and consequences.tally:
        t = consequences.tally
        lines += ["", "## Haplotype-aware consequences (each sample's phased genotypes read together)",
                  f"Records with a consequence of several variants together (+ in the DNA change)\t{t.combined}",
                  f"Records whose consequence is given at another record of the haplotype (@POS)\t{t.elsewhere}",
                  f"Records also annotated on their own (unphased or missing genotypes, or no carrier)\t"
                  f"{t.on_their_own}"]
    elif consequences and consequences.asked:
        lines += ["", "# Haplotype-aware consequences were asked for, but the file has no samples (no genotypes):",
                  "# each variant was annotated on its own."]
    if summary.known is not None:  # as AnnTools counted dbSNP overlaps
        lines += ["", "## Known variants (matched by allele in a known-variant track)",
                  f"known\t{summary.known}", f"novel\t{summary.novel}"]
    if summary.clinical:
        lines += ["", "## Clinical significance (variants)",
                  *(f"{name}\t{n}" for name, n in summary.clinical.most_common())]
    if summary.panels is not None:
        lines += ["", "## Variants in regions", *(f"{name}\t{n}" for name, n in summary.panels.items())]
    if report.skipped:
        lines += ["", "## Kept without consequences", *(f"{why}\t{n}" for why, n in report.skipped.items())]
    if report.alleles_skipped:
        lines += ["", "## ALTs kept without consequences",
                  *(f"{why}\t{n}" for why, n in report.alleles_skipped.items())]
    if repairs:
        lines += ["", "## Header lines GAS added (the body uses them; the uploaded header did not declare them)",
                  *repairs]
    if report.notes:
        lines += ["", *(f"# {note}" for note in report.notes)]
    path.write_text("\n".join(lines) + "\n")
