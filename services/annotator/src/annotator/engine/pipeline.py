"""annotate(): validate -> normalise -> bcftools csq -> bgzipped VCF + index, count log and summary."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pysam
import pysam.version
from pysam.utils import SamtoolsError

from gas_shared.references import Manifest

from .. import __version__
from ..reference.bundle import FASTA, GFF3
from .countlog import write_count_log
from .isolation import run_bcftools
from .summary import GeneIndex, Summary, summarise
from .validation import Report, Validator

Progress = Callable[[str, int], None]  # (stage, variants so far)


@dataclass(frozen=True)
class Result:
    """The files written (name -> path) and what was counted."""

    files: dict[str, Path]
    report: Report
    summary: Summary


def stem_of(filename: str) -> str:
    """A safe base name for result files from the uploaded name (which is data, never a path)."""
    base = re.sub(r"\.vcf(\.gz|\.bgz)?$", "", Path(filename).name, flags=re.IGNORECASE)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:80]
    return safe or "input"


def tool_versions() -> str:
    return f"pysam {pysam.__version__}; htslib/bcftools {pysam.version.__bcftools_version__}"


def annotate(
    source: Path,
    filename: str,
    reference: Path,
    out: Path,
    *,
    job_id: str = "-",
    plain: bool = True,
    progress: Progress | None = None,
    genes: GeneIndex | None = None,
) -> Result:
    """Annotate `source` (named `filename` by its owner) against the bundle in `reference`, into `out`."""
    manifest = Manifest.read(reference) if (reference / "manifest.json").exists() else None
    reference_id = manifest.id if manifest else reference.name
    out.mkdir(parents=True, exist_ok=True)
    stem = stem_of(filename)
    report_progress = progress or (lambda _stage, _n: None)
    with tempfile.TemporaryDirectory(dir=out, prefix=".work-") as scratch:
        work = Path(scratch)
        provenance = {
            "GAS_reference": reference_id,
            "GAS_version": __version__,
            "GAS_tools": f'"{tool_versions()}"',
            "GAS_job": job_id,
            "GAS_input": json.dumps(filename),
        }
        clean, normalised = work / "clean.vcf", work / "norm.bcf"
        with pysam.FastaFile(str(reference / FASTA)) as fasta:
            report = Validator(fasta, provenance, lambda n: report_progress("validating", n)).run(
                source, filename, clean
            )
        report_progress("annotating", report.records_out)
        staged = work / f"{stem}.annot.vcf.gz"
        _bcftools("norm", "-f", str(reference / FASTA), "-m", "-any", "-c", "e",
                  "-Ou", "-o", str(normalised), str(clean))
        _bcftools("csq", "-f", str(reference / FASTA), "-g", str(reference / GFF3), "-l",
                  "-Oz", "--write-index=tbi", "-o", str(staged), str(normalised))
        annotated = out / staged.name
        staged.rename(annotated)  # only a finished result reaches `out`
        Path(f"{staged}.tbi").rename(f"{annotated}.tbi")
    report_progress("summarising", report.records_out)
    files = {"vcf": annotated, "index": Path(f"{annotated}.tbi")}
    if plain:
        files["plain_vcf"] = out / f"{stem}.annot.vcf"
    summary = summarise(annotated, genes or GeneIndex.from_gff3(reference / GFF3), files.get("plain_vcf"))
    files["log"] = out / f"{stem}.vcf.count.log"
    write_count_log(files["log"], filename=filename, reference_id=reference_id, job_id=job_id,
                    report=report, summary=summary)
    files["summary"] = out / "summary.json"
    files["summary"].write_text(json.dumps({
        "job_id": job_id, "input": filename, "reference": reference_id, "gas_version": __version__,
        "tools": tool_versions(), "records_in": report.records_in, "skipped": report.skipped,
        "notes": report.notes, **summary.as_json(),
    }, indent=1))
    report_progress("done", report.records_out)
    return Result(files, report, summary)


def _bcftools(command: str, *args: str) -> None:
    """Run bcftools in a child (pysam links bcftools in; nothing is installed system-wide)."""
    try:
        run_bcftools(command, *args)
    except SamtoolsError as e:
        # Validation caught what users can get wrong; what is left is ours, and says so.
        raise RuntimeError(f"bcftools {command} failed: {e}") from e
