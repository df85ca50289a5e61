"""Sample VCFs against the synthetic reference: sorted SNVs and short indels, deterministic by seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from .synthetic import BASES, Genome


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
                    alt = ref + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 3)))
                elif roll < indel_share:
                    length = rng.randint(1, 3)
                    ref, alt = seq[pos - 1: pos + length], seq[pos - 1]
                else:
                    alt = rng.choice([b for b in BASES if b != ref])
                while (ref, alt) in used:  # fall back to a longer insertion, of which there are plenty
                    ref = seq[pos - 1]
                    alt = ref + "".join(rng.choice(BASES) for _ in range(rng.randint(2, 6)))
                used.add((ref, alt))
                yield f"{contig}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\n"


def write_vcf(genome: Genome, path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.write('##FILTER=<ID=PASS,Description="All filters passed">\n')
        for contig, seq in genome.contigs.items():
            out.write(f"##contig=<ID={contig},length={len(seq)}>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        out.writelines(records(genome, count, seed))
    return path
