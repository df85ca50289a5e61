"""What every accepted file must satisfy, checked against the file itself and against bcftools run by hand.

- kept: the output holds every input record, in the input's order, each exactly as it was but for the BCSQ
  and GASNORM that GAS adds to its INFO (and the bundle's track tags, where a test names them);
- differential: the consequences in the output equal those of raw `bcftools norm -m -any | bcftools csq -l`
  on a copy of the records GAS annotates, record by record; records it keeps without consequences carry none.
  In haplotype mode the copy keeps each sample's GT too, and the consequences are raw `bcftools csq -p s`'s,
  with raw `csq -l`'s added where a sample carries the ALT without a known phase, or none carries it.
  The copy keeps CHROM to FILTER and the output's own (repaired) header, and leaves INFO and the samples out:
  csq -l reads neither, and real files hold what htslib stops on there (an INFO Number=A with the wrong count,
  an empty sample column), which is why GAS never hands them to bcftools either.
"""

from __future__ import annotations

import gzip
import re
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


def _gts(record: str) -> list[str]:
    """A record's samples' GTs, with every allele GAS does not annotate (symbolic, `*`) as missing."""
    fields = record.split("\t")
    kept, _ = alleles.annotatable(int(fields[1]), fields[3], fields[4])
    keys = fields[8].split(":")
    gts = [s.split(":", 1)[0] if keys[0] == "GT" else "." for s in fields[9:]]
    return [re.sub(r"[1-9]\d*", lambda m: m[0] if int(m[0]) - 1 in kept else ".", gt) for gt in gts]


def _unsure(gts: list[str]) -> bool:
    """The rule GAS states: per-variant consequences too where a sample carries the ALT unphased or with a
    missing allele, or no sample carries it."""
    carried = False
    for gt in gts:
        found = re.split(r"[/|]", gt)
        if "1" in found:
            carried = True
            if "." in found or ("/" in gt and len(set(found)) > 1):
                return True
    return not carried


def by_hand(reference: Path, source: Path, output: Path, work: Path,
            haplotypes: bool = False) -> dict[tuple[str, str, str, str], list[str]]:
    """Raw bcftools' consequences for each annotatable input record (CHROM, POS, REF, ALT) -> sorted BCSQ
    entries. Its input: the output's header (the repaired one) and the records GAS annotates, as uploaded."""
    header = [line for line in lines(output) if line.startswith("##")]
    header = [line for line in header if not line.startswith(("##INFO=<ID=BCSQ,", "##INFO=<ID=GASNORM,"))]
    columns = next(line for line in lines(source) if line.startswith("#CHROM")).split("\t")
    samples = columns[9:] if haplotypes else []
    header.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
                            + (["FORMAT"] + [f"s{i}" for i in range(1, len(samples) + 1)] if samples else [])))
    records = ["\t".join(r.split("\t")[:7]) + "\t." + ("\tGT\t" + "\t".join(_gts(r)) if samples else "")
               for r in body(source)
               if alleles.annotatable(int(r.split("\t")[1]), r.split("\t")[3], r.split("\t")[4])[0]]
    copy = work / "repaired.vcf"
    copy.write_text("\n".join([*header, *records]) + "\n")
    fasta, gff3 = str(reference / FASTA), str(reference / GFF3)
    normalised = _bcftools("norm", "-f", fasta, "-m", "-any", "-c", "w", "--old-rec-tag", "OLD", "-Ov", str(copy))
    annotated = _bcftools("csq", "-f", fasta, "-g", gff3, "-l", "--force", "-Ov", "-", stdin=normalised)
    together = (_bcftools("csq", "-f", fasta, "-g", gff3, "-p", "s", "--force", "-Ov", "-", stdin=normalised)
                if samples else b"")
    found: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    each_alone = _records(annotated)
    for line, joint in zip(each_alone, _records(together) if samples else [""] * len(each_alone), strict=True):
        old = info(line, "OLD")
        key = tuple(old.split("|")[:4]) if old else tuple(line.split("\t")[i] for i in (0, 1, 3, 4))
        each = [e for e in info(line, "BCSQ").split(",") if e]
        if samples:
            entries = [e for e in info(joint, "BCSQ").split(",") if e]
            gts = [s.split(":", 1)[0] for s in joint.split("\t")[9:]]
            each = entries + ([e for e in each if e not in entries] if _unsure(gts) else [])
        found[key] += each  # type: ignore[index]
    return {k: sorted(v) for k, v in found.items()}


def _records(vcf: bytes) -> list[str]:
    return [line for line in vcf.decode().split("\n") if line and not line.startswith("#")]


def assert_same_consequences(reference: Path, source: Path, output: Path, work: Path,
                             haplotypes: bool = False) -> int:
    """The differential test; returns how many records carried consequences."""
    raw = by_hand(reference, source, output, work, haplotypes)
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
