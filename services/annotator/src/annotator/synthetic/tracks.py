"""Synthetic annotation sources against the synthetic genome, shaped like the public ones and with known answers.

- `dbsnp.vcf.gz`: rs IDs (dbSNP's shape: ID column, multi-allelic records);
- `clinvar.vcf.gz`: ClinVar's shape (contigs named 1, 2, 3 where the genome says chr1: the installer maps them;
  ID is the variation id; INFO CLNSIG, CLNDN);
- `gnomad.vcf.gz`: gnomAD sites' shape (INFO AF and AF_grpmax, Number=A, multi-allelic);
- `panel.bed`: a gene panel (two genes' spans, 0-based BED).

Each draws from the sample records (`samples.records`), so a sample job shows known and novel variants; every
source also holds decoys (the same site, another ALT; a REF that is not the genome's) that must not match.
`expected()` gives, per sample record (CHROM, POS, REF, ALT), what each track must report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pysam

from .genome import BASES, Genome
from .samples import records

CLASSES = ("Pathogenic", "Likely_pathogenic", "Uncertain_significance", "Likely_benign", "Benign",
           "Conflicting_classifications_of_pathogenicity")
PANEL_GENES = 2


@dataclass(frozen=True)
class Expected:
    """What the tracks know of one sample variant."""

    rsid: str | None
    clinical: str | None
    clinvar_id: str | None
    af: str | None
    in_panel: bool


def _sample(genome: Genome, count: int) -> list[tuple[str, int, str, str]]:
    return [(f[0], int(f[1]), f[3], f[4]) for f in (line.split("\t") for line in records(genome, count))]


def _other(ref: str, alt: str) -> str:
    """An ALT of the same site that the sample does not have (a decoy)."""
    if len(ref) == 1 and len(alt) == 1:
        return next(b for b in BASES if b not in (ref, alt))
    return ref + "ACGTTGCA"[: len(alt) + 2]


def expected(genome: Genome, count: int) -> dict[tuple[str, int, str, str], Expected]:
    panel = panel_regions(genome)
    found = {}
    for i, (chrom, pos, ref, alt) in enumerate(_sample(genome, count)):
        inside = any(c == chrom and start < pos - 1 + len(ref) and pos - 1 < end for c, start, end, _ in panel)
        found[(chrom, pos, ref, alt)] = Expected(
            rsid=f"rs{1000 + i}" if i % 3 == 0 else None,
            clinical=CLASSES[(i // 10) % len(CLASSES)] if i % 10 == 0 else None,
            clinvar_id=str(500000 + i) if i % 10 == 0 else None,
            af=f"{(i % 50 + 1) / 1000:g}" if i % 2 == 0 else None,
            in_panel=inside)
    return found


def panel_regions(genome: Genome) -> list[tuple[str, int, int, str]]:
    genes = sorted(genome.genes, key=lambda g: (list(genome.contigs).index(g.contig), g.start))[:PANEL_GENES]
    return [(g.contig, g.start - 1, g.end, g.name) for g in genes]


def write_sources(genome: Genome, directory: Path, count: int) -> dict[str, Path]:
    """The four sources in `directory` (the VCFs bgzipped), drawn from the first `count` sample records."""
    directory.mkdir(parents=True, exist_ok=True)
    sample = _sample(genome, count)
    contigs = "".join(f"##contig=<ID={c},length={len(s)}>\n" for c, s in genome.contigs.items())
    bare = contigs.replace("ID=chr", "ID=")
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    dbsnp, clinvar, gnomad = [], [], []
    for i, (chrom, pos, ref, alt) in enumerate(sample):
        if i % 3 == 0:
            alts = f"{alt},{_other(ref, alt)}" if i % 2 == 0 else alt
            dbsnp.append(f"{chrom}\t{pos}\trs{1000 + i}\t{ref}\t{alts}\t.\t.\tRS={1000 + i}\n")
        elif i % 3 == 1:  # a decoy: the sample's site, another ALT, its own rs number
            dbsnp.append(f"{chrom}\t{pos}\trs{900000 + i}\t{ref}\t{_other(ref, alt)}\t.\t.\tRS={900000 + i}\n")
        if i % 10 == 0:
            clinvar.append(f"{chrom[3:]}\t{pos}\t{500000 + i}\t{ref}\t{alt}\t.\t.\t"
                           f"ALLELEID={700000 + i};CLNDN=Synthetic_disease_{i},_type_2;"
                           f"CLNSIG={CLASSES[(i // 10) % len(CLASSES)]}\n")
        if i % 2 == 0:
            af = (i % 50 + 1) / 1000
            gnomad.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt},{_other(ref, alt)}\t.\tPASS\t"
                          f"AC={i + 1},1;AF={af:g},0.0001;AF_grpmax={min(1.0, af * 2):g},0.0002\n")
        elif i % 5 == 1 and len(ref) == len(alt) == 1:  # REF that is not the genome's: left out by the installer
            wrong = next(b for b in BASES if b not in (ref, alt))
            gnomad.append(f"{chrom}\t{pos}\t.\t{wrong}\t{alt}\t.\tPASS\tAC=1;AF=0.9;AF_grpmax=0.9\n")
    paths = {
        "dbsnp": _vcf(directory / "dbsnp.vcf", [
            "##fileformat=VCFv4.2\n", "##source=synthetic dbSNP (GAS)\n", contigs,
            '##INFO=<ID=RS,Number=1,Type=Integer,Description="dbSNP ID (i.e. rs number)">\n', columns, *dbsnp]),
        "clinvar": _vcf(directory / "clinvar.vcf", [
            "##fileformat=VCFv4.1\n", "##source=synthetic ClinVar (GAS)\n", bare,
            '##INFO=<ID=ALLELEID,Number=1,Type=Integer,Description="the ClinVar Allele ID">\n',
            '##INFO=<ID=CLNDN,Number=.,Type=String,Description="ClinVar\'s preferred disease name for the concept '
            'specified by disease identifiers in CLNDISDB">\n',
            '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Aggregate germline classification for this single '
            'variant">\n', columns, *clinvar]),
        "gnomad": _vcf(directory / "gnomad.vcf", [
            "##fileformat=VCFv4.2\n", "##source=synthetic gnomAD sites (GAS)\n", contigs,
            '##INFO=<ID=AC,Number=A,Type=Integer,Description="Alternate allele count">\n',
            '##INFO=<ID=AF,Number=A,Type=Float,Description="Alternate allele frequency">\n',
            '##INFO=<ID=AF_grpmax,Number=A,Type=Float,Description="Maximum allele frequency across genetic '
            'ancestry groups">\n', columns, *gnomad]),
    }
    panel = directory / "panel.bed"
    panel.write_text("track name=synthetic_panel\n" + "".join(
        f"{c}\t{s}\t{e}\t{n}\n" for c, s, e, n in panel_regions(genome)))
    paths["panel"] = panel
    return paths


def _vcf(path: Path, text: list[str]) -> Path:
    path.write_text("".join(text))
    gz = Path(f"{path}.gz")
    pysam.tabix_compress(str(path), str(gz), force=True)
    path.unlink()
    return gz


# What the demo bundle attaches: (name, source, kind, fields, version).
DEMO_TRACKS = (
    ("dbsnp", "dbsnp", "variants", ("ID",), "synthetic-1"),
    ("clinvar", "clinvar", "variants", ("ID", "CLNSIG", "CLNDN"), "synthetic-1"),
    ("gnomad", "gnomad", "variants", ("AF", "AF_grpmax"), "synthetic-1"),
    ("panel", "panel", "regions", (), "synthetic-1"),
)
