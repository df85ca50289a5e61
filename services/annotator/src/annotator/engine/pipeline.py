"""annotate(): validate -> normalise -> bcftools csq -> bgzipped VCF + index, count log and summary."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pysam
from pysam.version import __bcftools_version__ as BCFTOOLS_VERSION
from pysam.version import __version__ as PYSAM_VERSION

from gas_shared.contract.bundle import FASTA, Manifest
from gas_shared.contract.variant_index import SUFFIX as INDEX_SUFFIX
from gas_shared.store.records import Counts

from .. import __version__
from .chain.haplotypes import Tally
from .chain.stages import HAPLOTYPE_COUNTS, Chain
from .check.reader import Limits
from .check.validation import Report, Validator
from .errors import VcfError
from .report.countlog import write_count_log
from .report.summary import Summary

FLANKS = ".gas-flanks-v1.json"  # the genes' flanks, worked out once per reference bundle
Progress = Callable[[str, int], None]  # (stage, variants so far)


@dataclass(frozen=True)
class Result:
    """The files written (name -> path) and what was counted."""

    files: dict[str, Path]
    report: Report
    summary: Summary

    def counts(self) -> Counts:
        """The headline numbers the job record keeps (the pages and e-mail show them)."""
        return Counts(variants=self.summary.variants, records_in=self.report.records_in,
                      skipped=sum(self.report.skipped.values()), genes_hit=len(self.summary.genes),
                      by_impact=dict(self.summary.by_impact))


def stem_of(filename: str) -> str:
    """A safe base name for result files from the uploaded name (which is data, never a path)."""
    base = re.sub(r"\.vcf(\.gz|\.bgz)?$", "", Path(filename).name, flags=re.IGNORECASE)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:80]
    return safe or "input"


def tool_versions() -> str:
    return f"pysam {PYSAM_VERSION}; htslib/bcftools {BCFTOOLS_VERSION}"


def annotate(
    source: Path,
    filename: str,
    reference: Path,
    out: Path,
    *,
    job_id: str = "-",
    plain: bool = True,
    index: bool = True,
    use_tracks: bool = True,
    hgvs: bool = False,
    haplotypes: bool = False,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Result:
    """Annotate `source` (named `filename` by its owner) against the bundle in `reference`, into `out`.

    The validator streams minimal records (the annotatable ALTs, numbered) straight into bcftools csq and the
    user's own records to disk, and the merge writes csq's consequences back into those records, so checking,
    annotating, merging, counting and compressing all run at once. That bets on the usual case, a file bcftools
    norm would not change; the first record that norm would change (several ALTs, an indel to left-align)
    loses the bet: the chain starts again with norm in front, fed what was checked so far from the clean copy
    on disk, then the rest as it comes.
    """
    manifest = Manifest.read(reference) if (reference / "manifest.json").exists() else None
    reference_id = manifest.id if manifest else reference.name
    tracks = manifest.tracks if manifest and use_tracks else ()
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
        clean, counts, kept = work / "clean.vcf", work / "counts.json", work / "originals.vcf"
        staged = work / f"{stem}.annot.vcf.gz"
        staged_plain = work / f"{stem}.annot.vcf" if plain else None
        staged_index = work / f"{stem}{INDEX_SUFFIX}" if index else None
        flanks = reference / FLANKS if os.access(reference, os.W_OK) else work / FLANKS
        with clean.open("w") as copy, kept.open("w") as originals, pysam.FastaFile(str(reference / FASTA)) as fasta:
            sink = _Sink(clean, copy, originals, lambda norm, genotypes: Chain(
                reference, work, staged, staged_plain, counts, flanks=flanks, originals=kept,
                provenance={**provenance, "GAS_consequences": "haplotype-aware" if genotypes else "per-variant"},
                index=staged_index, normalise=norm, tracks=tracks,
                combined=manifest.combined if manifest and tracks else "", hgvs=hgvs, haplotypes=genotypes))
            try:
                report = Validator(fasta, lambda n: report_progress("annotating", n), limits, haplotypes).run(
                    source, filename, sink)
            except BaseException:
                sink.abort()
                raise
        # The originals are whole on disk (closed above) before csq's input closes: the merge reads them to the
        # end once csq is done.
        sink.chain.finish()
        report_progress("summarising", report.records_out)
        files = {"vcf": out / staged.name, "index": out / f"{staged.name}.tbi"}
        if staged_plain:
            files["plain_vcf"] = out / staged_plain.name
        counted = json.loads(counts.read_text())
        tally = Tally(**json.loads((work / HAPLOTYPE_COUNTS).read_text())) if report.haplotypes else None
        summary, merged = Summary.from_counts(counted), counted["merge"]
        staged.rename(files["vcf"])  # only finished results reach `out`
        Path(f"{staged}.tbi").rename(files["index"])
        if staged_index:
            files["explore"] = out / staged_index.name
            staged_index.rename(files["explore"])
        if staged_plain:
            staged_plain.rename(files["plain_vcf"])
    files["log"] = out / f"{stem}.vcf.count.log"
    write_count_log(files["log"], filename=filename, reference_id=reference_id, job_id=job_id,
                    report=report, summary=summary, repairs=merged["header_repairs"], moved=merged["moved"],
                    tracks=tracks, consequences=Consequences(haplotypes, tally))
    files["summary"] = out / "summary.json"
    files["summary"].write_text(json.dumps({
        "job_id": job_id, "input": filename, "reference": reference_id, "gas_version": __version__,
        "tools": tool_versions(), "records_in": report.records_in, "records_out": merged["records_out"],
        "skipped": report.skipped, "alleles_skipped": report.alleles_skipped,
        "moved_by_normalisation": merged["moved"], "header_repairs": merged["header_repairs"],
        "notes": report.notes,
        "consequences": Consequences(haplotypes, tally).as_json(),
        "sources": [{"name": t.name, "kind": t.kind, "version": t.version, "source": t.source, "sha256": t.sha256,
                     "fields": list(t.fields)} for t in tracks],
        **summary.as_json(),
    }, indent=1))
    report_progress("done", report.records_out)
    return Result(files, report, summary)


@dataclass(frozen=True)
class Consequences:
    """How the consequences were worked out: each variant on its own, or on the samples' haplotypes."""

    asked: bool  # the user asked for haplotype-aware consequences
    tally: Tally | None  # what the haplotypes changed; None when not applied (not asked, or no samples)

    @property
    def mode(self) -> str:
        return "haplotype-aware" if self.tally else "per-variant"

    def as_json(self) -> dict[str, object]:
        return {"mode": self.mode, "haplotypes_asked": self.asked,
                **(dataclasses.asdict(self.tally) if self.tally else {})}


class _Sink:
    """The validator's output: the minimal records (the chain's input, and a copy on disk for a restart with
    norm) and the user's own records (on disk, for the merge)."""

    def __init__(self, path: Path, copy: TextIO, originals: TextIO, start: Callable[[bool, bool], Chain]):
        self._path, self._copy, self._originals, self._start = path, copy, originals, start
        self._genotypes = False
        self._chain: Chain | None = None

    @property
    def chain(self) -> Chain:
        if self._chain is None:
            raise VcfError("the file has no header (no #CHROM line)")  # the validator says so first
        return self._chain

    def begin(self, genotypes: bool) -> None:
        """The chain starts once the header says whether the samples' genotypes go with the records."""
        self._genotypes = genotypes
        self._chain = self._start(False, genotypes)

    def abort(self) -> None:
        if self._chain is not None:
            self._chain.abort()

    def original(self, text: str) -> None:
        self._originals.write(text)

    def write(self, text: str) -> None:
        self._copy.write(text)
        if self.chain.stdin:
            self.chain.stdin.write(text.encode())  # if csq stopped, Chain.finish says why

    def normalise(self) -> None:
        """Starts the chain again with bcftools norm in front, and gives it what was written so far."""
        self.chain.abort()
        self._chain = self._start(True, self._genotypes)
        self._copy.flush()
        with self._path.open("rb") as written:
            while chunk := written.read(1 << 20):
                if self.chain.stdin:
                    self.chain.stdin.write(chunk)
