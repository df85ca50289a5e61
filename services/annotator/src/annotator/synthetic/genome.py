"""A deterministic synthetic reference: contigs with protein-coding genes on both strands.

Every gene has one three-exon transcript: a 5' UTR and the start codon in exon 1, CDS across all three
exons (ATG ... stop, no stop codon inside), a 3' UTR in exon 3, and canonical GT...AG introns. The model
keeps every coordinate, so tests can place a variant on a known codon, splice site or UTR base.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

BASES = "ACGT"
STOPS = ("TAA", "TAG", "TGA")
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")

# Transcript layout, in transcript orientation (lengths in bases).
UPSTREAM_GAP = 600
UTR5, UTR3 = 30, 40
CDS_PARTS = (60, 90, 63)  # 213 bases = ATG + 69 sense codons + stop
INTRONS = (120, 150)
GENE_SPACING = 800
TAIL = 6000  # after each contig's last gene: far enough (> 5 kb) to hold truly intergenic positions


def revcomp(seq: str) -> str:
    return seq.translate(COMPLEMENT)[::-1]


@dataclass
class Exon:
    start: int  # 1-based, inclusive, genomic
    end: int


@dataclass
class Gene:
    """One gene with one transcript; genomic coordinates are 1-based and inclusive."""

    gene_id: str
    name: str
    contig: str
    strand: str
    exons: list[Exon]
    cds: list[Exon]  # CDS pieces in genomic order
    utr5: list[Exon]
    utr3: list[Exon]

    @property
    def transcript_id(self) -> str:
        return f"{self.gene_id}T"

    @property
    def start(self) -> int:
        return min(e.start for e in self.exons)

    @property
    def end(self) -> int:
        return max(e.end for e in self.exons)

    def cds_positions(self) -> list[int]:
        """Genomic position of every CDS base, in transcript order (first base of the ATG first)."""
        positions = [p for piece in self.cds for p in range(piece.start, piece.end + 1)]
        return positions if self.strand == "+" else positions[::-1]

    def codon(self, n: int) -> list[int]:
        """Genomic positions of codon n (1 = the start codon), in transcript order."""
        return self.cds_positions()[3 * (n - 1): 3 * n]

    @property
    def codons(self) -> int:
        return len(self.cds_positions()) // 3

    def introns(self) -> list[Exon]:
        """Introns in transcript order."""
        ordered = sorted(self.exons, key=lambda e: e.start)
        found = [Exon(a.end + 1, b.start - 1) for a, b in itertools.pairwise(ordered)]
        return found if self.strand == "+" else found[::-1]

    def donor(self, intron: int = 1) -> list[int]:
        """The two intron bases of the splice donor (GT), in transcript order."""
        i = self.introns()[intron - 1]
        return [i.start, i.start + 1] if self.strand == "+" else [i.end, i.end - 1]

    def acceptor(self, intron: int = 1) -> list[int]:
        """The two intron bases of the splice acceptor (AG), in transcript order."""
        i = self.introns()[intron - 1]
        return [i.end - 1, i.end] if self.strand == "+" else [i.start + 1, i.start]


@dataclass
class Genome:
    contigs: dict[str, str] = field(default_factory=dict)
    genes: list[Gene] = field(default_factory=list)

    def base(self, contig: str, pos: int) -> str:
        return self.contigs[contig][pos - 1]

    def gene(self, name: str) -> Gene:
        return next(g for g in self.genes if g.name == name)


def _random_seq(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(BASES) for _ in range(n))


def _sense_codon(rng: random.Random) -> str:
    while True:
        codon = _random_seq(rng, 3)
        if codon not in STOPS:
            return codon


def _intron(rng: random.Random, n: int) -> str:
    # GT ... AG with a pyrimidine-rich tail before the AG, like real acceptors.
    tail = "".join(rng.choice("CT") for _ in range(12))
    return "GT" + _random_seq(rng, n - 2 - 12 - 2) + tail + "AG"


def _transcript(rng: random.Random) -> tuple[str, list[tuple[str, int]]]:
    """The gene's sequence in transcript orientation and its pieces (kind, length) in order."""
    cds_len = sum(CDS_PARTS)
    cds = "ATG" + "".join(_sense_codon(rng) for _ in range(cds_len // 3 - 2)) + rng.choice(STOPS)
    pieces: list[tuple[str, int]] = []
    seq = []
    offset = 0
    seq.append(_random_seq(rng, UTR5))
    pieces.append(("utr5", UTR5))
    for i, part in enumerate(CDS_PARTS):
        seq.append(cds[offset: offset + part])
        pieces.append(("cds", part))
        offset += part
        if i < len(INTRONS):
            seq.append(_intron(rng, INTRONS[i]))
            pieces.append(("intron", INTRONS[i]))
    seq.append(_random_seq(rng, UTR3))
    pieces.append(("utr3", UTR3))
    return "".join(seq), pieces


def generate(seed: int = 20261123, contigs: tuple[tuple[str, int], ...] = (("chr1", 4), ("chr2", 3), ("chr3", 3))
             ) -> Genome:
    """Contigs named as given, each with that many genes on alternating strands."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    genome = Genome()
    number = 0
    for contig, gene_count in contigs:
        parts: list[str] = []
        length = 0
        for g in range(gene_count):
            number += 1
            strand = "+" if (number % 2) else "-"
            gap = _random_seq(rng, UPSTREAM_GAP if g == 0 else GENE_SPACING)
            parts.append(gap)
            length += len(gap)
            seq, pieces = _transcript(rng)
            genomic = seq if strand == "+" else revcomp(seq)
            gene_start = length + 1
            parts.append(genomic)
            length += len(genomic)
            genome.genes.append(_place(f"GASG{number:05d}", f"GENE{number}", contig, strand, gene_start,
                                       len(seq), pieces))
        tail = _random_seq(rng, TAIL)
        parts.append(tail)
        genome.contigs[contig] = "".join(parts)
    return genome


def _place(gene_id: str, name: str, contig: str, strand: str, start: int, length: int,
           pieces: list[tuple[str, int]]) -> Gene:
    """Turn transcript-oriented pieces into genomic exons, CDS and UTR intervals."""
    spans: dict[str, list[Exon]] = {"utr5": [], "cds": [], "utr3": [], "intron": []}
    t = 0
    for kind, n in pieces:
        if strand == "+":
            spans[kind].append(Exon(start + t, start + t + n - 1))
        else:
            end = start + length - 1 - t
            spans[kind].append(Exon(end - n + 1, end))
        t += n
    # Exons: everything between introns, merged from UTR and CDS pieces.
    blocks = sorted(spans["utr5"] + spans["cds"] + spans["utr3"], key=lambda e: e.start)
    exons: list[Exon] = []
    for b in blocks:
        if exons and b.start == exons[-1].end + 1:
            exons[-1] = Exon(exons[-1].start, b.end)
        else:
            exons.append(Exon(b.start, b.end))
    return Gene(gene_id, name, contig, strand, exons,
                sorted(spans["cds"], key=lambda e: e.start), spans["utr5"], spans["utr3"])
