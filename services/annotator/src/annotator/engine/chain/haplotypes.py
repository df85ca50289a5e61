"""`python -m annotator.engine.chain.haplotypes`: one BCSQ per record from csq's two answers (haplotype mode).

In haplotype mode the chain runs bcftools csq twice: first on each sample's haplotypes, as its phased GTs give
them (`-p s`: unphased heterozygous GTs skipped), into GASHAP; then on every variant on its own (`-l`), into
BCSQ. csq's haplotype answer is the one users asked for: variants on one haplotype are read together (two
SNVs in one codon, a frameshift and the indel that restores the frame), the combined consequence stands at the
first of them and `@POS` at the others. But it sees only the haplotypes it can build: a variant that some
sample carries without a known phase (an unphased heterozygous or partly missing GT), or that no sample
carries at all, would lose its consequences. Those records keep the per-variant ones too, so nothing is lost.

Reads csq's VCF text on stdin; writes the minimal records (8 columns, the samples dropped) with that BCSQ last
on stdout, as the rest of the chain expects, and what it saw to `--counts` (JSON, a Tally).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TAG = "GASHAP"  # csq's haplotype-aware answer, between the two csq stages and this one
ALLELE = re.compile(rb"[/|]")


def needs_each_on_its_own(genotypes: list[bytes]) -> bool:
    """Whether csq's haplotypes may miss a consequence of this record's ALT (allele 1: the chain has split
    every record to one ALT): no sample carries it, or one carries it without a known phase."""
    carried = False
    for gt in genotypes:
        alleles = ALLELE.split(gt)
        if b"1" not in alleles:
            continue
        carried = True
        if b"." in alleles or (b"/" in gt and len(set(alleles)) > 1):
            return True
    return not carried


@dataclass
class Tally:
    """What the haplotypes changed, in records (the count log and the summary say it)."""

    combined: int = 0  # records with a consequence of several variants together (its DNA change joins them: +)
    elsewhere: int = 0  # records whose consequence is reported at another record of the haplotype (@POS)
    on_their_own: int = 0  # records that also got per-variant consequences (unphased or missing GTs, no carrier)

    def add(self, entries: list[bytes], filled: bool) -> None:
        self.combined += any(b"+" in e.rsplit(b"|", 1)[-1] for e in entries if not e.startswith(b"@"))
        self.elsewhere += any(e.startswith(b"@") for e in entries)
        self.on_their_own += filled


def combined(haplotypes: bytes, each: bytes, genotypes: list[bytes], tally: Tally | None = None) -> bytes:
    """BCSQ: csq's haplotype-aware entries, then the per-variant ones it lacks where it may have missed some."""
    entries = [e for e in haplotypes.split(b",") if e]
    filled = False
    if needs_each_on_its_own(genotypes):
        more = [e for e in each.split(b",") if e and e not in entries]
        entries += more
        filled = bool(more)
    if tally is not None:
        tally.add(entries, filled)
    return b",".join(entries)


def record(line: bytes, tally: Tally | None = None) -> bytes:
    """One of csq's records (CHROM .. INFO FORMAT samples) as the minimal record the merge expects."""
    fields = line.split(b"\t")
    haplotypes = each = b""
    kept = []
    for item in fields[7].split(b";"):
        key, _, value = item.partition(b"=")
        if key == TAG.encode():
            haplotypes = value
        elif key == b"BCSQ":
            each = value
        elif item and item != b".":
            kept.append(item)
    genotypes = [sample.split(b":", 1)[0] for sample in fields[9:]]
    bcsq = combined(haplotypes, each, genotypes, tally)
    fields[7] = b";".join(kept + ([b"BCSQ=" + bcsq] if bcsq else [])) or b"."
    return b"\t".join(fields[:8])


def header(line: bytes) -> bytes | None:
    """csq's header line as the merge should see it: no FORMAT lines, no GASHAP, eight columns."""
    if line.startswith((b"##FORMAT=", f"##INFO=<ID={TAG},".encode())):
        return None
    if line.startswith(b"#CHROM"):
        return b"\t".join(line.split(b"\t")[:8])
    return line


def run(stdin: BinaryIO, stdout: BinaryIO, tally: Tally) -> None:
    rest = b""
    while True:
        chunk = stdin.read(1 << 20)
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop() if chunk else b""  # at the end, a last line without its newline is whole
        out = [kept for line in lines if line
               and (kept := header(line) if line.startswith(b"#") else record(line, tally)) is not None]
        if out:
            stdout.write(b"\n".join(out) + b"\n")
        if not chunk:
            break
    stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=Path, required=True, help="where the Tally goes (JSON)")
    args = parser.parse_args(argv)
    tally = Tally()
    run(sys.stdin.buffer, sys.stdout.buffer, tally)
    args.counts.write_text(json.dumps(dataclasses.asdict(tally)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
