"""What every accepted file must satisfy, checked against the file itself and against bcftools run by hand.

- kept: the output holds every input record, in the input's order, each exactly as it was but for the BCSQ
  and GASNORM that GAS adds to its INFO (and the bundle's track tags, where a test names them);
- differential: the consequences in the output equal those of raw `bcftools norm -m -any | bcftools csq -l`
  on a copy of the records GAS annotates, record by record; records it keeps without consequences carry none.
  The copy keeps CHROM to FILTER and the output's own (repaired) header, and leaves INFO and the samples out:
  csq -l reads neither, and real files hold what htslib stops on there (an INFO Number=A with the wrong count,
  an empty sample column), which is why GAS never hands them to bcftools either.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from annotator.engine import alleles
from annotator.synthetic.bundle import FASTA, GFF3

OURS = ("BCSQ=", "GASNORM=", "GASHGVS=")


def lines(path: Path) -> list[str]:
    """A VCF's lines, plain or gzipped, as the engine reads them (CRLF as LF, no empty lines)."""
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
    return [line for line in text.replace("\r\n", "\n").split("\n") if line]


def body(path: Path) -> list[str]:
    return [line for line in lines(path) if not line.startswith("#")]


def without_ours(line: str, tags: tuple[str, ...] = ()) -> str:
    fields = line.split("\t")
    ours = (*OURS, *(f"{tag}=" for tag in tags))
    info = [item for item in fields[7].split(";") if not item.startswith(ours)]
    fields[7] = ";".join(info) or "."
    return "\t".join(fields)


def _same(before: str, after: str, tags: tuple[str, ...] = ()) -> bool:
    """`after` is `before` but for what GAS adds (an empty INFO, which VCF does not allow, reads as '.')."""
    fields = before.split("\t")
    if len(fields) > 7 and fields[7] == "":
        fields[7] = "."
    return without_ours(after, tags) == "\t".join(fields)


def info(line: str, key: str) -> str:
    for item in line.split("\t")[7].split(";"):
        if item.startswith(key + "="):
            return item[len(key) + 1:]
    return ""


def assert_kept(source: Path, output: Path, tags: tuple[str, ...] = ()) -> None:
    ins, outs = body(source), body(output)
    assert len(outs) == len(ins), f"{len(ins)} records in, {len(outs)} out"
    for number, (before, after) in enumerate(zip(ins, outs, strict=True), 1):
        assert _same(before, after, tags), f"record {number} changed:\n{before}\n{after}"


def _bcftools(*args: str, stdin: bytes | None = None) -> bytes:
    """A bcftools command through pysam, in a process of its own (csq keeps state between runs)."""
    done = subprocess.run([sys.executable, "-c", "import sys, pysam.bcftools as b; "
                           "getattr(b, sys.argv[1])(*sys.argv[2:], catch_stdout=False)", *args],
                          input=stdin, capture_output=True, check=False)
    assert done.returncode == 0, f"bcftools {args[0]} by hand failed: {done.stderr.decode()[-600:]}"
    return done.stdout


def by_hand(reference: Path, source: Path, output: Path, work: Path) -> dict[tuple[str, str, str, str], list[str]]:
    """Raw bcftools' consequences for each annotatable input record (CHROM, POS, REF, ALT) -> sorted BCSQ
    entries. Its input: the output's header (the repaired one) and the records GAS annotates, as uploaded."""
    header = [line for line in lines(output) if line.startswith("##")]
    header = [line for line in header if not line.startswith(("##INFO=<ID=BCSQ,", "##INFO=<ID=GASNORM,"))]
    header.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    records = ["\t".join(r.split("\t")[:7]) + "\t." for r in body(source)
               if alleles.annotatable(int(r.split("\t")[1]), r.split("\t")[3], r.split("\t")[4])[0]]
    copy = work / "repaired.vcf"
    copy.write_text("\n".join([*header, *records]) + "\n")
    fasta, gff3 = str(reference / FASTA), str(reference / GFF3)
    normalised = _bcftools("norm", "-f", fasta, "-m", "-any", "-c", "w", "--old-rec-tag", "OLD", "-Ov", str(copy))
    annotated = _bcftools("csq", "-f", fasta, "-g", gff3, "-l", "--force", "-Ov", "-", stdin=normalised)
    found: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for line in annotated.decode().split("\n"):
        if not line or line.startswith("#"):
            continue
        old = info(line, "OLD")
        key = tuple(old.split("|")[:4]) if old else tuple(line.split("\t")[i] for i in (0, 1, 3, 4))
        found[key] += [e for e in info(line, "BCSQ").split(",") if e]  # type: ignore[index]
    return {k: sorted(v) for k, v in found.items()}


def assert_same_consequences(reference: Path, source: Path, output: Path, work: Path) -> int:
    """The differential test; returns how many records carried consequences."""
    raw = by_hand(reference, source, output, work)
    ours: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for line in body(output):
        chrom, pos, _id, ref, alt = line.split("\t")[:5]
        entries = [e for e in info(line, "BCSQ").split(",") if e]
        if not alleles.annotatable(int(pos), ref, alt)[0]:
            assert not entries, f"a record GAS keeps without consequences has some: {line}"
            continue
        ours[(chrom, pos, ref, alt)] += entries
    ours_sorted = {k: sorted(v) for k, v in ours.items()}
    for key in set(raw) | set(ours_sorted):
        assert ours_sorted.get(key, []) == raw.get(key, []), key
    return sum(bool(v) for v in ours_sorted.values())
