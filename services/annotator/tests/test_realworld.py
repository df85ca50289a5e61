"""Real callers' files (realworld/README.md) through the whole engine: each is annotated record for record with
nothing of the user's lost or moved, and with the consequences raw bcftools gives, or refused in one sentence.

No public assembly fits in a test, so each file gets a reference built for it: the contigs it names, its REF
alleles written at its positions (gaps between records shortened to a few kb, so a contig is kilobases, not
megabases), and gene models shaped like Ensembl's GFF3 (genes with two transcripts, one tagged
Ensembl_canonical and MANE_Select, an lncRNA, a pseudogene, scaffolds with no genes at all).
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import pysam
import pytest

from annotator.engine.errors import VcfError
from annotator.engine.pipeline import annotate
from gas_shared.contract.bundle import FASTA, GFF3

from .fidelity import assert_kept, assert_same_consequences, body

REALWORLD = Path(__file__).parent / "realworld"
FILES = sorted(p.name for p in REALWORLD.iterdir() if ".vcf" in p.name)
MAX_GAP = 4000  # longer gaps between records are shortened to this
MARGIN = 3000
SCAFFOLD = re.compile(r"^(GL|KI|chrUn|.*_)")  # unplaced scaffolds: no gene models, as in Ensembl
END = re.compile(r"(^|;)END=(\d+)")

# What each file must give: records annotated (with at least one consequence somewhere), and the reasons
# records were kept without consequences. A file that is refused names the reason instead.
EXPECTED: dict[str, dict[str, object]] = {
    "bcftools.vcf.gz": {"skipped": {"no ALT allele": 750}},  # bcftools call writes every site, ALT '.' at most
    "walk_refcall.vcf": {"skipped": {"no ALT allele": 4}},
    "example-4.0.vcf": {"skipped": {"no ALT allele": 1}},
    "example-4.1-sv.vcf": {"skipped": {"symbolic allele": 5}},
    "null_genotype_mono.vcf.gz": {"skipped": {"no ALT allele": 1}},
    "walk_left.vcf": {"skipped": {"no ALT allele": 1}},
    # The spec's breakend example as PyVCF ships it has its #CHROM line split by spaces: htslib stops too.
    "example-4.1-bnd.vcf": {"refused": "columns are tab-separated"},
    # Two records' REFs overlap and disagree (GTC at 1234567, GTC again at 1234568): no genome has both.
    "uncalled_genotypes.vcf": {"refused": "does not match the reference"},
    "dialect-odd-records.vcf": {"skipped": {"position 0 (telomere)": 1, "ALT equal to REF": 1,
                                            "breakend allele": 2}},
    "dialect-gatk-haplotypecaller.g.vcf": {"skipped": {"gVCF reference block (<NON_REF> or <*>)": 4},
                                           "alleles_skipped": {"gVCF reference block (<NON_REF> or <*>)": 4}},
    "dialect-deepvariant.g.vcf": {"skipped": {"gVCF reference block (<NON_REF> or <*>)": 2},
                                  "alleles_skipped": {"gVCF reference block (<NON_REF> or <*>)": 3}},
    "dialect-joint-called-spanning-deletions.vcf": {"alleles_skipped": {"spanning deletion allele (*)": 2,
                                                                        "gVCF reference block (<NON_REF> or <*>)": 1}},
    "dialect-undeclared-tags.vcf": {"repairs": {"##INFO=<ID=NEW_TAG,", "##INFO=<ID=FLAGGED,", "##INFO=<ID=AF,",
                                                "##FORMAT=<ID=DS,", "##FORMAT=<ID=XX,", "##FILTER=<ID=LowDepth,"}},
}


def _text(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode().replace("\r\n", "\n")


def _shift(source: Path, target: Path) -> dict[str, list[tuple[int, str]]]:
    """The file with each contig's gaps between records shortened (END moved with its record); its (POS, REF)s
    by contig, as shifted. Nothing else of a line changes."""
    lines = _text(source).split("\n")
    last: dict[str, tuple[int, int]] = {}  # contig -> (last original POS, its new POS)
    found: dict[str, list[tuple[int, str]]] = {}
    out = []
    for line in lines:
        if not line or line.startswith("#"):
            out.append(line)
            continue
        fields = line.split("\t")
        chrom, pos = fields[0], int(fields[1])
        if pos == 0:
            out.append(line)
            continue
        before = last.get(chrom)
        new = MARGIN if before is None else before[1] + min(max(pos - before[0], 0), MAX_GAP)
        last[chrom] = (pos, new)
        fields[1] = str(new)
        fields[7] = END.sub(lambda m, p=pos, n=new: f"{m.group(1)}END={int(m.group(2)) - p + n}", fields[7])
        found.setdefault(chrom, []).append((new, fields[3]))
        out.append("\t".join(fields))
    target.write_text("\n".join(out))
    return found


def _reference(records: dict[str, list[tuple[int, str]]], directory: Path, seed: int) -> Path:
    rng = random.Random(seed)
    directory.mkdir(parents=True)
    contigs: dict[str, list[str]] = {}
    for chrom, placed in records.items():
        end = max((pos + len(ref) for pos, ref in placed), default=MARGIN) + MARGIN
        bases = [rng.choice("ACGT") for _ in range(end)]
        for pos, ref in placed:
            for i, base in enumerate(ref.upper()):
                if base in "ACGT":
                    bases[pos - 1 + i] = base
        contigs[chrom] = bases
    with (directory / FASTA).open("w") as fasta:
        for chrom, bases in contigs.items():
            fasta.write(f">{chrom}\n")
            for i in range(0, len(bases), 60):
                fasta.write("".join(bases[i:i + 60]) + "\n")
    pysam.faidx(str(directory / FASTA))
    (directory / GFF3).write_text(ensembl_gff3({c: len(b) for c, b in contigs.items()}, records))
    return directory


def ensembl_gff3(lengths: dict[str, int], records: dict[str, list[tuple[int, str]]]) -> str:
    """Gene models in Ensembl's GFF3 dialect over the records' clusters: per cluster in turn a protein-coding
    gene with two transcripts (the canonical one tagged Ensembl_canonical and MANE_Select), an lncRNA, a
    pseudogene. Scaffolds get none."""
    rows = ["##gff-version 3", *(f"##sequence-region   {c} 1 {n}" for c, n in lengths.items())]
    number = 0
    for chrom, placed in records.items():
        if SCAFFOLD.match(chrom) or not placed:
            continue
        rows.append(f"{chrom}\tEnsembl\tchromosome\t1\t{lengths[chrom]}\t.\t.\t.\tID=chromosome:{chrom};Alias={chrom}")
        for start, end in _clusters(sorted(p for p, _ in placed)):
            number += 1
            low, high = max(1, start - 600), min(lengths[chrom] - 1, end + 600)
            strand = "+" if number % 2 else "-"
            kind = ("protein_coding", "protein_coding", "lncRNA", "processed_pseudogene")[(number - 1) % 4]
            rows += _gene(chrom, low, high, strand, number, kind)
    return "\n".join(rows) + "\n"


def _clusters(positions: list[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for pos in positions:
        if found and pos - found[-1][1] < 1500:
            found[-1] = (found[-1][0], pos)
        else:
            found.append((pos, pos))
    return found


def _gene(chrom: str, low: int, high: int, strand: str, number: int, kind: str) -> list[str]:
    gid, name = f"ENSG{number:011d}", f"GENE{number}"
    span = high - low + 1
    q = max(span // 5, 40)
    exons = [(low, low + q - 1), (low + 2 * q, low + 3 * q - 1), (low + 4 * q, high)]
    row = f"{chrom}\tensembl_havana\t{{}}\t{{}}\t{{}}\t.\t{strand}\t{{}}\t{{}}"
    if kind == "processed_pseudogene":
        tid = f"ENST{number:011d}1"
        return [row.format("pseudogene", low, high, ".", f"ID=gene:{gid};Name={name};biotype={kind};gene_id={gid}"),
                row.format("pseudogenic_transcript", low, high, ".",
                           f"ID=transcript:{tid};Parent=gene:{gid};biotype={kind};tag=Ensembl_canonical;"
                           f"transcript_id={tid}"),
                row.format("exon", low, high, ".", f"Parent=transcript:{tid};rank=1")]
    if kind == "lncRNA":
        tid = f"ENST{number:011d}1"
        return [row.format("ncRNA_gene", low, high, ".", f"ID=gene:{gid};Name={name};biotype=lncRNA;gene_id={gid}"),
                row.format("lnc_RNA", low, high, ".", f"ID=transcript:{tid};Parent=gene:{gid};biotype=lncRNA;"
                                                     f"tag=basic,Ensembl_canonical;transcript_id={tid}"),
                *(row.format("exon", a, b, ".", f"Parent=transcript:{tid};rank={i}")
                  for i, (a, b) in enumerate(exons, 1))]
    rows = [row.format("gene", low, high, ".", f"ID=gene:{gid};Name={name};biotype=protein_coding;gene_id={gid}")]
    for t, (chosen, tags) in enumerate([(exons, "basic,Ensembl_canonical,MANE_Select,CCDS"),
                                        ([exons[0], exons[2]], "basic")], 1):
        tid, pid = f"ENST{number:011d}{t}", f"ENSP{number:011d}{t}"
        first, last = chosen[0], chosen[-1]
        cds = [(max(a, first[0] + q // 2), min(b, last[1] - q // 2)) for a, b in chosen]
        cds = [(a, b) for a, b in cds if a <= b]
        rows.append(row.format("mRNA", low, high, ".", f"ID=transcript:{tid};Parent=gene:{gid};Name={name}-20{t};"
                                                      f"biotype=protein_coding;tag={tags};transcript_id={tid}"))
        five, three = (first[0], cds[0][0] - 1), (cds[-1][1] + 1, last[1])
        if strand == "-":
            five, three = three, five
        rows.append(row.format("five_prime_UTR", *five, ".", f"Parent=transcript:{tid}"))
        rows += [row.format("exon", a, b, ".", f"Parent=transcript:{tid};rank={i}") for i, (a, b) in enumerate(
            chosen if strand == "+" else chosen[::-1], 1)]
        done = 0
        for a, b in (cds if strand == "+" else cds[::-1]):
            rows.append(row.format("CDS", a, b, (3 - done % 3) % 3, f"ID=CDS:{pid};Parent=transcript:{tid};"
                                                                     f"protein_id={pid}"))
            done += b - a + 1
        rows.append(row.format("three_prime_UTR", *three, ".", f"Parent=transcript:{tid}"))
    return rows


@pytest.mark.parametrize("name", FILES)
def test_a_real_callers_file_is_annotated_record_for_record(name, tmp_path):
    source = tmp_path / name.removesuffix(".gz")
    records = _shift(REALWORLD / name, source)
    reference = _reference(records, tmp_path / "reference", seed=len(name))
    expected = EXPECTED.get(name, {})
    try:
        result = annotate(source, source.name, reference, tmp_path / "out", job_id="real")
    except VcfError as e:  # refused: only ever with one sentence, and only where this table expects it
        assert expected.get("refused", "") and expected["refused"] in e.reason, e
        return
    assert "refused" not in expected
    assert_kept(source, result.files["vcf"])
    assert_same_consequences(reference, source, result.files["vcf"], tmp_path)
    assert result.report.skipped == expected.get("skipped", {})
    assert result.report.alleles_skipped == expected.get("alleles_skipped", {})
    header = [line for line in _text(result.files["vcf"]).split("\n") if line.startswith("##")]
    wanted_repairs = expected.get("repairs", set())
    assert {r for r in wanted_repairs if not any(h.startswith(r) for h in header)} == set()
    if _htslib_reads(source):  # then it reads every record GAS wrote, too
        with pysam.VariantFile(str(result.files["vcf"])) as output:
            assert sum(1 for _ in output) == len(body(source))
    with pysam.TabixFile(str(result.files["vcf"])) as indexed:
        assert set(indexed.contigs) <= set(records) | {r.split("\t")[0] for r in body(source)}


def _htslib_reads(path: Path) -> bool:
    try:
        with pysam.VariantFile(str(path)) as vcf:
            for _ in vcf:
                pass
    except (OSError, ValueError):
        return False
    return True


def test_the_gene_models_are_shaped_like_ensembl():
    records = {"chr1": [(3000 + 5000 * i, "A") for i in range(8)], "GL000192.1": [(3000, "A")]}
    gff = ensembl_gff3({"chr1": 50_000, "GL000192.1": 10_000}, records)
    assert "tag=basic,Ensembl_canonical,MANE_Select" in gff and "\tlnc_RNA\t" in gff and "\tpseudogene\t" in gff
    assert gff.count("\tmRNA\t") == 2 * gff.count("\tgene\t") == 8
    assert "GL000192.1\t" not in gff.split("##sequence-region   GL000192.1")[1]  # a scaffold without genes
