"""Checks a VCF line by line against the reference and writes the clean copy bcftools annotates.

Fatal problems raise VcfError with the line and column. What can be annotated is kept; what cannot
(symbolic and breakend alleles, duplicate records) is skipped and said in the report. Memory does not grow
with the input: only the current position's records are remembered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pysam

from .errors import VcfError
from .reader import Limits, lines

FIXED = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
BASES = re.compile(r"^[ACGTNacgtn]+$")
MAX_NOTES = 50
MAX_HEADER_LINES = 100_000  # real headers have hundreds; more is not a VCF
PROGRESS_EVERY = 10_000
WINDOW = 1 << 20  # reference bases fetched at a time: sorted input reads each window once


class _Reference:
    """Reference bases through a window cache: one FASTA fetch per megabase, not per record."""

    def __init__(self, fasta: pysam.FastaFile):
        self._fasta = fasta
        self.lengths = dict(zip(fasta.references, fasta.lengths, strict=True))
        self._chrom, self._start, self._end, self._seq = "", 0, 0, ""

    def bases(self, chrom: str, start: int, end: int) -> str:
        """Upper-case bases [start, end) (0-based) of a contig."""
        if chrom != self._chrom or start < self._start or end > self._end:
            self._chrom, self._start = chrom, start
            self._end = min(self.lengths[chrom], max(end, start + WINDOW))
            self._seq = self._fasta.fetch(chrom, self._start, self._end).upper()
        return self._seq[start - self._start: end - self._start]


@dataclass
class Report:
    """What the validator saw and did."""

    records_in: int = 0
    records_out: int = 0
    samples: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def skip(self, why: str, line: int, detail: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1
        if len(self.notes) < MAX_NOTES:
            self.notes.append(f"line {line}: {detail}")


def _allele_kind(allele: str) -> str:
    if allele.startswith("<"):
        return "symbolic allele"
    if "[" in allele or "]" in allele:
        return "breakend allele"
    if allele == "*":
        return "spanning deletion allele"
    return "bases"


class Validator:
    """One pass over one file; `progress` is called with the records read so far."""

    def __init__(self, fasta: pysam.FastaFile, provenance: dict[str, str],
                 progress: Callable[[int], None] | None = None, limits: Limits | None = None):
        self._reference = _Reference(fasta)
        self._lengths = self._reference.lengths
        self._provenance = provenance
        self._progress = progress
        self._limits = limits

    def run(self, path: Path, filename: str, out: Path) -> Report:
        report = Report()
        with out.open("w") as sink:
            columns = self._header(path, filename, sink, report)
            self._body(sink, report, columns)
        if report.records_in == 0:
            raise VcfError("the file has a header but no variant records")
        if report.records_out == 0:
            raise VcfError(f"none of the {report.records_in} records can be annotated ({_summary(report)})")
        return report

    # The header and the body are read in one pass; _header stops at the #CHROM line.
    def _header(self, path: Path, filename: str, sink: TextIO, report: Report) -> int:
        self._lines = lines(path, filename, self._limits)
        for number, text in self._lines:
            if number == 1 and not text.startswith("##fileformat=VCF"):
                raise VcfError(f"not a VCF: the first line should be ##fileformat=VCFv4.x, not {text[:40]!r}", 1)
            if number > MAX_HEADER_LINES:
                raise VcfError(f"the header is longer than {MAX_HEADER_LINES:,} lines", number)
            if text.startswith("##"):
                if not text.startswith("##contig="):  # replaced by the reference's own contig lines
                    sink.write(text + "\n")
                continue
            if not text.startswith("#CHROM"):
                raise VcfError("the header has no #CHROM line before the first record", number)
            names = text.split("\t")
            for i, (got, want) in enumerate(zip(names, FIXED, strict=False)):
                if got != want:
                    raise VcfError(f"header column {i + 1} is {got!r}, expected {want!r} (columns are tab-separated)",
                                   number, i + 1)
            if len(names) < len(FIXED):
                raise VcfError(f"the #CHROM line has {len(names)} columns; a VCF has at least 8", number)
            if len(names) > len(FIXED) and names[8] != "FORMAT":
                raise VcfError(f"column 9 of the header is {names[8]!r}, expected 'FORMAT'", number, 9)
            report.samples = max(0, len(names) - 9)
            for contig, length in self._lengths.items():
                sink.write(f"##contig=<ID={contig},length={length}>\n")
            for key, value in self._provenance.items():
                sink.write(f"##{key}={value}\n")
            sink.write(text + "\n")
            return len(names)
        raise VcfError("the file has no header (no #CHROM line)")

    def _body(self, sink: TextIO, report: Report, columns: int) -> None:
        contig_order: dict[str, int] = {}
        last: tuple[int, int] = (-1, 0)
        here: set[tuple[str, str]] = set()
        for number, text in self._lines:
            if not text:
                continue
            if text.startswith("#"):
                raise VcfError("a header line after the first record: header lines must all come first", number, 1)
            report.records_in += 1
            if self._progress and report.records_in % PROGRESS_EVERY == 0:
                self._progress(report.records_in)
            count = text.count("\t") + 1
            if count != columns:
                hint = " (columns must be separated by tabs)" if count == 1 and " " in text else ""
                raise VcfError(f"{count} columns, but the header names {columns}{hint}", number)
            fields = text.split("\t", 5)  # CHROM POS ID REF ALT and the rest, untouched
            chrom, pos_text, _id, ref, alt = fields[:5]
            if chrom not in self._lengths:
                raise VcfError(self._unknown_contig(chrom), number, 1)
            if not pos_text.isdigit() or int(pos_text) < 1:
                raise VcfError(f"POS {pos_text!r} is not a positive whole number", number, 2)
            pos = int(pos_text)
            if not BASES.match(ref):
                raise VcfError(f"REF {ref[:50]!r} has characters other than A, C, G, T and N", number, 4)
            if pos + len(ref) - 1 > self._lengths[chrom]:
                raise VcfError(f"{chrom}:{pos} is past the end of {chrom} ({self._lengths[chrom]:,} bases)", number, 2)
            upper_ref = ref.upper()
            expected = self._reference.bases(chrom, pos - 1, pos - 1 + len(ref))
            if upper_ref != expected and not _same_bases(upper_ref, expected):
                raise VcfError(f"REF {ref[:50]!r} does not match the reference ({expected[:50]!r}) at {chrom}:{pos}",
                               number, 4)
            # Sorted by contig (each contig in one block) and position: bcftools requires it.
            order = contig_order.setdefault(chrom, len(contig_order))
            if (order, pos) < last:
                raise VcfError(f"{chrom}:{pos} comes after a later position: the file is not sorted "
                               "(sort it, e.g. with `bcftools sort`, and upload it again)", number)
            if (order, pos) != last:
                here = set()
            last = (order, pos)
            allele = (upper_ref, alt.upper())
            if allele in here:
                report.skip("duplicate record", number, f"duplicate of an earlier {chrom}:{pos} {ref}>{alt}: skipped")
                continue
            here.add(allele)
            kept = self._alleles(alt, number, report, chrom, pos)
            if kept is None:
                continue
            if kept != alt:
                fields[4] = kept
            sink.write(text + "\n" if kept == alt else "\t".join(fields) + "\n")
            report.records_out += 1

    def _alleles(self, alt: str, number: int, report: Report, chrom: str, pos: int) -> str | None:
        """The ALT column to annotate, or None when nothing in it can be annotated."""
        if BASES.match(alt):  # the common case: one plain allele
            return alt
        if alt == ".":
            report.skip("no ALT allele", number, f"{chrom}:{pos} has no ALT allele: skipped")
            return None
        alleles = alt.split(",")
        kinds = [_allele_kind(a) for a in alleles]
        for allele, kind in zip(alleles, kinds, strict=True):
            if kind == "bases" and not BASES.match(allele):
                raise VcfError(f"ALT {allele[:50]!r} has characters other than A, C, G, T and N", number, 5)
        if all(k == "bases" for k in kinds):
            return alt
        odd = next(k for k in kinds if k != "bases")
        keep = [a for a, k in zip(alleles, kinds, strict=True) if k == "bases"]
        if not keep or report.samples:
            # With samples, dropping an allele would renumber every genotype: skip the whole record.
            report.skip(odd, number, f"{chrom}:{pos} has a {odd} ({alt[:60]}), which cannot be annotated: skipped")
            return None
        report.skip(odd, number, f"{chrom}:{pos}: the {odd} was skipped, {','.join(keep)} annotated")
        return ",".join(keep)

    def _unknown_contig(self, chrom: str) -> str:
        names = list(self._lengths)
        hint = ""
        for other in (f"chr{chrom}", chrom.removeprefix("chr")):
            if other in self._lengths and other != chrom:
                hint = f"; did you mean {other!r}? The reference names contigs like {other!r}"
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        return f"contig {chrom!r} is not in the reference (which has {shown}){hint}"


def _same_bases(ref: str, genome: str) -> bool:
    return len(ref) == len(genome) and all(a == b or "N" in (a, b) for a, b in zip(ref, genome, strict=True))


def _summary(report: Report) -> str:
    return ", ".join(f"{n} {why}" for why, n in report.skipped.items()) or "nothing annotatable"
