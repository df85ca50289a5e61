"""Sample VCFs against the synthetic reference: sorted SNVs and short left-aligned indels, deterministic by seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from .genome import BASES, Genome


def records(genome: Genome, count: int, seed: int = 7, indel_share: float = 0.1) -> Iterator[str]:
    """`count` sorted VCF records spread over every contig (several per position when needed)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    total = sum(len(s) for s in genome.contigs.values())
    left = count
    for i, (contig, seq) in enumerate(genome.contigs.items()):
        # Shares by contig length; the last contig takes what rounding left, so the count is exact.
        share = left if i == len(genome.contigs) - 1 else min(left, round(count * len(seq) / total))
        left -= share
        per_site = max(1, -(-share // (len(seq) - 10)))
        positions = sorted(rng.sample(range(2, len(seq) - 5), min(share, len(seq) - 10)))
        made = 0
        for pos in positions:
            used: set[tuple[str, str]] = set()  # several records at one site must differ
            for _ in range(per_site):
                if made >= share:
                    break
                made += 1
                ref = seq[pos - 1]
                roll = rng.random()
                if roll < indel_share / 2:
                    alt = ref + _inserted(rng, ref, rng.randint(1, 3))
                elif roll < indel_share and (length := _deletable(seq, pos, rng.randint(1, 3))):
                    ref, alt = seq[pos - 1: pos + length], seq[pos - 1]
                else:
                    alt = rng.choice([b for b in BASES if b != ref])
                while (ref, alt) in used:  # fall back to a longer insertion, of which there are plenty
                    ref = seq[pos - 1]
                    alt = ref + _inserted(rng, ref, rng.randint(2, 6))
                used.add((ref, alt))
                yield f"{contig}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\n"


def _inserted(rng: random.Random, anchor: str, length: int) -> str:
    """Inserted bases that do not end in the anchor base, so the insertion is left-aligned as callers
    write them (bcftools call, GATK): it could not move left."""
    bases = [rng.choice(BASES) for _ in range(length)]
    bases[-1] = rng.choice([b for b in BASES if b != anchor])
    return "".join(bases)


def _deletable(seq: str, pos: int, length: int) -> int:
    """The longest deletion of up to `length` bases after `pos` that is left-aligned (its last deleted base
    differs from the anchor at `pos`), or 0."""
    return next((n for n in range(length, 0, -1) if seq[pos - 1 + n] != seq[pos - 1]), 0)


def write_vcf(genome: Genome, path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.write('##FILTER=<ID=PASS,Description="All filters passed">\n')
        for contig, seq in genome.contigs.items():
            out.write(f"##contig=<ID={contig},length={len(seq)}>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        out.writelines(records(genome, count, seed))
    return path
