"""The count log, in the spirit of AnnTools' .vcf.count.log: plain text a person reads at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gas_shared.contract.consequences import IMPACT_ORDER

from ..check.validation import Report
from .summary import Summary

REGIONS = ("CDS", "splice", "UTR", "intronic", "non-coding", "upstream", "downstream", "intergenic")


def write_count_log(path: Path, *, filename: str, reference_id: str, job_id: str, report: Report,
                    summary: Summary, repairs: Sequence[str] = (), moved: int = 0) -> None:
    lines = [
        "# GAS annotation count log",
        f"# input: {filename}",
        f"# reference: {reference_id}",
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
