"""Checks a VCF line by line against the reference and writes the clean copy bcftools annotates.

Fatal problems raise VcfError with the line and column. Every record goes on, exactly as it was read, to
the originals (what the merge writes back with the consequences); the alleles bcftools csq can annotate go
to the annotation stream as minimal records (CHROM POS ID REF ALT and the record's number, GASREC), so no
INFO, FORMAT or sample field of the user's ever reaches bcftools. What cannot be annotated (symbolic and
breakend alleles, gVCF reference blocks, ALT equal to REF, POS 0) is kept and counted by reason. Memory does
not grow with the input.

The body is read a block of lines (about a megabyte) at a time. A block whose every record is plain (the
usual case) is checked with whole-block operations in C: one regular expression, maps over the columns,
slices of the reference. A block with anything unusual in it is read again line by line, which finds the
first problem with its line and column and skips what must be skipped. Both ways apply the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pysam

from .. import alleles
from ..errors import VcfError
from .columns import Columns, cut
from .reader import Limits, blocks

FIXED = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
MAX_NOTES = 50
MAX_HEADER_LINES = 100_000  # real headers have hundreds; more is not a VCF
MAX_HEADER_BYTES = 32 * 1024 * 1024  # a GRCh38 header with every alt contig is about 200 KB
MAX_META_LINE_BYTES = 1024 * 1024  # one ## line
RECORD = "GASREC"  # the INFO tag that carries a record's number through bcftools
MINIMAL_HEADER = (
    "##fileformat=VCFv4.2\n"
    f'##INFO=<ID={RECORD},Number=1,Type=Integer,Description="The number of the record in the uploaded file">\n'
)
MINIMAL_COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
# Haplotype-aware consequences need each sample's GT, and nothing else of the samples. Samples are named by
# their place: a user's names may repeat or hold characters bcftools refuses, and csq never shows them.
GT_HEADER = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
GENOTYPE = re.compile(r"(?:\d+|\.)(?:[/|](?:\d+|\.))*$")
WINDOW = 1 << 20  # reference bases fetched at a time: sorted input reads each window once
SPAN = 4 << 20  # a block whose records on one contig span more than this checks REF record by record
ACGT = frozenset("ACGT")
ALLELES = re.compile(r"[ACGTNacgtn]+(?:,[ACGTNacgtn]+)*$")


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
    records_out: int = 0  # records given to bcftools (with at least one annotatable ALT)
    samples: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # records kept without consequences, by reason
    alleles_skipped: dict[str, int] = field(default_factory=dict)  # ALTs not annotated in annotated records
    notes: list[str] = field(default_factory=list)
    needs_norm: bool = False  # a record bcftools norm would change: several ALTs, an indel to left-align, ...
    haplotypes: bool = False  # the samples' genotypes went to csq (asked for, and the file has samples)

    def skip(self, why: str, line: int, detail: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1
        self.note(line, detail)

    def skip_allele(self, why: str, line: int, detail: str) -> None:
        self.alleles_skipped[why] = self.alleles_skipped.get(why, 0) + 1
        self.note(line, detail)

    def note(self, line: int, detail: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(f"line {line}: {detail}")


class Sink(Protocol):
    """Where the annotation stream and the originals go."""

    def begin(self, genotypes: bool) -> None:
        """Told once, before the first minimal line: whether the minimal records carry the samples' GT."""

    def write(self, text: str) -> object:
        """Minimal records for bcftools."""

    def original(self, text: str) -> object:
        """The user's header and records, exactly as read."""

    def normalise(self) -> None:
        """Told once, at the first record that bcftools norm would change."""


def canonical(ref: str, alt: str) -> bool:
    """Whether bcftools norm would leave this upper-case REF/ALT as it is: an SNV, or an indel with one
    anchor base that cannot move left. Anything else (several ALTs, MNPs, lower case, N) is normalised."""
    if len(ref) == 1 and len(alt) == 1:
        return ref != alt and ref in ACGT and alt in ACGT
    if len(ref) > 1 and len(alt) > 1:
        return False
    long, short = (ref, alt) if len(alt) == 1 else (alt, ref)
    # X+S after X can move left by one exactly when S ends in X (Tan, Abecasis & Kang 2015).
    return short == long[0] and long[-1] != long[0] and not long.strip("ACGT")


Place = tuple[dict[str, int], tuple[int, int]]  # contig order, last (order, POS)


class Validator:
    """One pass over one file; `progress` is called with the records read so far."""

    def __init__(self, fasta: pysam.FastaFile, progress: Callable[[int], None] | None = None,
                 limits: Limits | None = None, haplotypes: bool = False):
        self._fasta = fasta
        self._haplotypes = haplotypes  # asked for; applied only if the file has samples
        self._genotypes = False
        self._reference = _Reference(fasta)
        self._lengths = self._reference.lengths
        self._progress = progress
        self._limits = limits
        # Where the body has got to: contigs in the order met, the last (contig order, POS).
        self._order: dict[str, int] = {}
        self._last: tuple[int, int] = (-1, 0)

    def run(self, path: Path, filename: str, sink: Sink) -> Report:
        report = Report()
        source = blocks(path, filename, self._limits)
        columns, first, rest = self._header(source, sink, report)
        for first_line, text in _chain((first, rest), source):
            if not self._fast(text, columns, sink, report):
                self._slow(text, first_line, columns, sink, report)
            if self._progress:
                self._progress(report.records_in)
        if report.records_in == 0:
            raise VcfError("the file has a header but no variant records")
        return report

    def _header(self, source: Iterator[tuple[int, str]], sink: Sink, report: Report) -> tuple[int, int, str]:
        """Reads the header up to its #CHROM line: (columns, the next line's number, the rest of its block)."""
        size = 0
        for first, text in source:
            start = 0
            for number, line in enumerate(text.split("\n")[:-1], first):
                start += len(line) + 1
                size += len(line) + 1
                if number == 1 and not line.startswith("##fileformat=VCF"):
                    raise VcfError(f"not a VCF: the first line should be ##fileformat=VCFv4.x, not {line[:40]!r}", 1)
                if number > MAX_HEADER_LINES:
                    raise VcfError(f"the header is longer than {MAX_HEADER_LINES:,} lines", number)
                if size > MAX_HEADER_BYTES:
                    raise VcfError(f"the header is larger than {_bytes(MAX_HEADER_BYTES)}: no VCF header needs "
                                   "that much; remove the lines that do not belong to it", number)
                if len(line) > MAX_META_LINE_BYTES:
                    raise VcfError(f"a header line is longer than {_bytes(MAX_META_LINE_BYTES)}", number)
                sink.original(line + "\n")
                if line.startswith("##"):
                    continue
                if not line.startswith("#CHROM"):
                    raise VcfError("the header has no #CHROM line before the first record", number)
                columns = self._columns(line, number, report)
                # A file without samples has no haplotypes: csq without -l would take all its variants as
                # one, so such a file is annotated one variant at a time, and the report says so.
                self._genotypes = report.haplotypes = self._haplotypes and report.samples > 0
                sink.begin(self._genotypes)
                sink.write(MINIMAL_HEADER + (GT_HEADER if self._genotypes else ""))
                for contig, length in self._lengths.items():
                    sink.write(f"##contig=<ID={contig},length={length}>\n")
                samples = "".join(f"\ts{i}" for i in range(1, report.samples + 1))
                sink.write(MINIMAL_COLUMNS[:-1] + f"\tFORMAT{samples}\n" if self._genotypes else MINIMAL_COLUMNS)
                return columns, number + 1, text[start:]
        raise VcfError("the file has no header (no #CHROM line)")

    @staticmethod
    def _columns(line: str, number: int, report: Report) -> int:
        names = line.split("\t")
        for i, (got, want) in enumerate(zip(names, FIXED, strict=False)):
            if got != want:
                raise VcfError(f"header column {i + 1} is {got!r}, expected {want!r} (columns are tab-separated)",
                               number, i + 1)
        if len(names) < len(FIXED):
            raise VcfError(f"the #CHROM line has {len(names)} columns; a VCF has at least 8", number)
        if len(names) > len(FIXED) and names[8] != "FORMAT":
            raise VcfError(f"column 9 of the header is {names[8]!r}, expected 'FORMAT'", number, 9)
        report.samples = max(0, len(names) - 9)
        return len(names)

    def _fast(self, text: str, columns: int, sink: Sink, report: Report) -> bool:
        """Checks and writes a block in which every record is plain; False (having changed nothing) if any is
        not, or if any needs a word said about it, so that the line-by-line reading takes the block."""
        block = cut(text.encode(), columns)
        if block is None or block.ref_equals_alt() or (
                block.commas.any() and not all(_plain_alts(*a) for a in block.alleles_with_commas())):
            return False
        after = self._sorted_and_matching(block)
        if after is None:
            return False
        if not report.needs_norm and block.needs_norm():
            report.needs_norm = True
            sink.normalise()
        self._order, self._last = after
        first = report.records_in + 1
        report.records_in += len(block)
        report.records_out += len(block)
        sink.original(text)
        minimal = block.minimal(first, RECORD)
        if self._genotypes:  # a Python step per record: only for the jobs that asked
            minimal = "".join(m + genotypes(line.split("\t")) + "\n" for m, line in
                              zip(minimal.split("\n"), text.split("\n"), strict=False) if line)
        sink.write(minimal)
        return True

    def _sorted_and_matching(self, block: Columns) -> Place | None:
        """Where the body will have got to after this block (contig order, last position), or None if any
        record is on an unknown contig, out of order, past its contig's end, or not the reference's bases."""
        order, last = dict(self._order), self._last
        for chrom, first, end in block.runs:
            length = self._lengths.get(chrom)
            rank = order.setdefault(chrom, len(order))
            at = block.pos[first:end]
            begins = (rank, int(at[0]))
            if (length is None or begins < last or (np.diff(at) < 0).any()
                    or int((at + block.ref.length[first:end]).max()) - 1 > length
                    or not self._matches(chrom, block, first, end)):
                return None
            last = (rank, int(at[-1]))
        return order, last

    def _matches(self, chrom: str, block: Columns, first: int, end: int) -> bool:
        """Whether every REF of a sorted run is the reference's bases there: from one slice of the genome
        when the records are close, as they are in a block of a dense file; else one by one."""
        at = block.pos[first:end]
        low, high = int(at[0]) - 1, int((at + block.ref.length[first:end]).max()) - 1
        if high - low > SPAN:
            return all(block.allele(i)[0] == self._reference.bases(chrom, int(block.pos[i]) - 1,
                                                                   int(block.pos[i] + block.ref.length[i]) - 1)
                       for i in range(first, end))
        genome = np.frombuffer(self._fasta.fetch(chrom, low, high).upper().encode(), dtype=np.uint8)
        return block.ref_matches(first, end, genome, low)

    def _slow(self, text: str, first: int, columns: int, sink: Sink, report: Report) -> None:
        for number, line in enumerate(text.split("\n")[:-1], first):
            self._line(number, line, columns, sink, report)

    def _line(self, number: int, text: str, columns: int, sink: Sink, report: Report) -> None:
        if not text:
            return
        if text.startswith("#"):
            raise VcfError("a header line after the first record: header lines must all come first", number, 1)
        report.records_in += 1
        count = text.count("\t") + 1
        if count != columns:
            hint = " (columns must be separated by tabs)" if count == 1 and " " in text else ""
            raise VcfError(f"{count} columns, but the header names {columns}{hint}", number)
        fields = text.split("\t", 5)  # CHROM POS ID REF ALT and the rest, untouched
        chrom, pos_text, record_id, ref, alt = fields[:5]
        if chrom not in self._lengths:
            raise VcfError(self._unknown_contig(chrom), number, 1)
        if not pos_text.isdigit():
            raise VcfError(f"POS {pos_text!r} is not a positive whole number", number, 2)
        pos = int(pos_text)
        sink.original(text + "\n")
        if pos == 0:  # a telomere: valid VCF, nothing a gene model can say about it
            report.skip(alleles.TELOMERE, number, f"{chrom}:0 is a telomere position: kept, not annotated")
            return
        if not alleles.BASES.match(ref):
            raise VcfError(f"REF {ref[:50]!r} has characters other than A, C, G, T and N", number, 4)
        if pos + len(ref) - 1 > self._lengths[chrom]:
            raise VcfError(f"{chrom}:{pos} is past the end of {chrom} ({self._lengths[chrom]:,} bases)", number, 2)
        upper_ref = ref.upper()
        expected = self._reference.bases(chrom, pos - 1, pos - 1 + len(ref))
        if upper_ref != expected and not _same_bases(upper_ref, expected):
            raise VcfError(f"REF {ref[:50]!r} does not match the reference ({expected[:50]!r}) at {chrom}:{pos}",
                           number, 4)
        # Sorted by contig (each contig in one block) and position: bcftools requires it.
        order = self._order.setdefault(chrom, len(self._order))
        if (order, pos) < self._last:
            raise VcfError(f"{chrom}:{pos} comes after a later position: the file is not sorted "
                           "(sort it, e.g. with `bcftools sort`, and upload it again)", number)
        self._last = (order, pos)
        indices, why = alleles.annotatable(pos, ref, alt)
        if alleles.UNREADABLE in why:
            raise VcfError(f"ALT {alt[:50]!r} has characters other than A, C, G, T and N", number, 5)
        if not indices:
            report.skip(why[0], number, f"{chrom}:{pos} has {_a(why[0])} ({alt[:60]}): kept, not annotated")
            return
        for reason in why:
            report.skip_allele(reason, number, f"{chrom}:{pos}: {_a(reason)} kept, not annotated; the rest annotated")
        kept = alt if len(why) == 0 else ",".join(alt.split(",")[i] for i in indices)
        if not report.needs_norm and (upper_ref != expected or len(indices) > 1 or not canonical(ref, kept)):
            report.needs_norm = True
            sink.normalise()
        sample_gts = genotypes(text.split("\t"), indices if why else None) if self._genotypes else ""
        sink.write(f"{chrom}\t{pos}\t{record_id}\t{ref}\t{kept}\t.\t.\t{RECORD}={report.records_in}{sample_gts}\n")
        report.records_out += 1

    def _unknown_contig(self, chrom: str) -> str:
        names = list(self._lengths)
        hint = ""
        for other in (f"chr{chrom}", chrom.removeprefix("chr")):
            if other in self._lengths and other != chrom:
                hint = f"; did you mean {other!r}? The reference names contigs like {other!r}"
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        return f"contig {chrom!r} is not in the reference (which has {shown}){hint}"


def genotypes(fields: list[str], kept: list[int] | None = None) -> str:
    """FORMAT and the samples' GT for a minimal record, from a record's columns: `.` where a sample has no GT
    or one that is not a genotype. With `kept` (the ALTs sent, by 0-based index, when some were left out),
    allele numbers are renumbered to those sent, and an allele left out (a symbolic one, `*`) is missing."""
    keys, samples = fields[8].split(":"), fields[9:]
    has = keys[0] == "GT"
    number = {str(i + 1): str(n + 1) for n, i in enumerate(kept)} if kept is not None else None
    out = ["\tGT"]
    for sample in samples:
        gt = sample.split(":", 1)[0] if has else "."
        if not GENOTYPE.match(gt):
            gt = "."
        elif number is not None:
            gt = re.sub(r"\d+", lambda m: m[0] if m[0] == "0" else number.get(m[0], "."), gt)
        out.append(gt)
    return "\t".join(out)


def _same_bases(ref: str, genome: str) -> bool:
    return len(ref) == len(genome) and all(a == b or "N" in (a, b) for a, b in zip(ref, genome, strict=True))


def _bytes(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n:,} bytes"


def _a(reason: str) -> str:
    return ("an " if reason[0] in "aeiouAEIOU" else "a ") + reason


def _plain_alts(ref: str, alt: str) -> bool:
    """Whether every ALT of a record is plain bases, none equal to REF or to another (the fast path's rule)."""
    return ALLELES.match(alt) is not None and len(alleles.annotatable(1, ref, alt)[0]) == alt.count(",") + 1


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest
