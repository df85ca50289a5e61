"""A reference bundle on disk: genome.fa (+ .fai), genes.gff3 (Ensembl style) and manifest.json."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pysam

from gas_shared.contract.bundle import FASTA, GFF3, SAMPLE, Manifest, sha256

from .genome import Gene, Genome

LINE = 60


def write_fasta(contigs: dict[str, str], path: Path) -> None:
    with path.open("w") as out:
        for name, seq in contigs.items():
            out.write(f">{name}\n")
            for i in range(0, len(seq), LINE):
                out.write(seq[i: i + LINE] + "\n")
    pysam.faidx(str(path))


def _gff_lines(gene: Gene) -> list[str]:
    c, s = gene.contig, gene.strand
    tid = f"transcript:{gene.transcript_id}"
    rows = [
        (c, "gene", gene.start, gene.end, ".", f"ID=gene:{gene.gene_id};Name={gene.name};biotype=protein_coding"),
        (c, "mRNA", gene.start, gene.end, ".",
         f"ID={tid};Parent=gene:{gene.gene_id};Name={gene.name}-201;biotype=protein_coding;"
         "tag=basic,Ensembl_canonical,MANE_Select"),
    ]
    rows += [(c, "five_prime_UTR", u.start, u.end, ".", f"Parent={tid}") for u in gene.utr5]
    rows += [(c, "exon", e.start, e.end, ".", f"Parent={tid}") for e in gene.exons]
    # CDS phase: bases to skip at this piece's 5' end (transcript orientation) to reach a codon start.
    done = 0
    pieces = gene.cds if s == "+" else gene.cds[::-1]
    for piece in pieces:
        rows.append((c, "CDS", piece.start, piece.end, str((3 - done % 3) % 3), f"Parent={tid}"))
        done += piece.end - piece.start + 1
    rows += [(c, "three_prime_UTR", u.start, u.end, ".", f"Parent={tid}") for u in gene.utr3]
    return [f"{c}\tGAS\t{kind}\t{a}\t{b}\t.\t{s}\t{phase}\t{attrs}" for c, kind, a, b, phase, attrs in rows]


def write_gff3(genome: Genome, path: Path) -> None:
    lines = ["##gff-version 3"]
    lines += [f"##sequence-region {name} 1 {len(seq)}" for name, seq in genome.contigs.items()]
    for gene in sorted(genome.genes, key=lambda g: (list(genome.contigs).index(g.contig), g.start)):
        lines += _gff_lines(gene)
    path.write_text("\n".join(lines) + "\n")


def write_bundle(genome: Genome, directory: Path, *, reference_id: str, assembly: str, source: str,
                 extra: tuple[str, ...] = ()) -> Manifest:
    directory.mkdir(parents=True, exist_ok=True)
    write_fasta(genome.contigs, directory / FASTA)
    write_gff3(genome, directory / GFF3)
    files = {name: sha256(directory / name) for name in (FASTA, FASTA + ".fai", GFF3, *extra)}
    manifest = Manifest(reference_id, assembly, source, files)
    manifest.write(directory)
    return manifest


DEMO_ID = "gas-demo-1"
SAMPLE_VARIANTS = 400


def write_demo_bundle(directory: Path, *, tracks: bool = True) -> Manifest:
    """The synthetic demo reference that `make run` installs and the CLI can write."""
    from .genome import generate
    from .samples import write_vcf

    genome = generate()
    directory.mkdir(parents=True, exist_ok=True)
    # A sample VCF made against it travels in the bundle: the web app's one-click sample job.
    write_vcf(genome, directory / SAMPLE, SAMPLE_VARIANTS)
    manifest = write_bundle(genome, directory, reference_id=DEMO_ID, assembly="GASdemo1",
                            source="synthetic: annotator.synthetic.genome, seed 20261123", extra=(SAMPLE,))
    return attach_demo_tracks(genome, directory) if tracks else manifest


def attach_demo_tracks(genome: Genome, directory: Path, count: int = SAMPLE_VARIANTS) -> Manifest:
    """The synthetic dbSNP, ClinVar, gnomAD and panel tracks (synthetic.tracks), installed as an operator's
    `gas references install-track` would install the real ones."""
    from ..track_builder import attach
    from .tracks import DEMO_TRACKS, write_sources

    with tempfile.TemporaryDirectory() as tmp:
        sources = write_sources(genome, Path(tmp), count)
        for name, source, kind, fields, version in DEMO_TRACKS:
            manifest = attach(directory, sources[source], name=name, kind=kind, fields=fields, version=version,
                              origin=f"synthetic: annotator.synthetic.tracks ({source})")
    return manifest
