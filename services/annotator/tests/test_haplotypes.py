"""Haplotype-aware consequences (the `haplotypes` option): known answers worked by hand on one transcript and
its mirror image, and the differential test against raw bcftools on real phased files.

The transcript is test_hgvs's (written out there): CDS ATG AAA CCC GGG TTT ..., c.1 at position 21.
"""

from __future__ import annotations

import json
from pathlib import Path

import pysam
import pytest

from annotator.engine.pipeline import annotate
from gas_shared.contract.bundle import FASTA, GFF3

from .fidelity import assert_kept, assert_same_consequences, body, info
from .test_hgvs import MINUS, PLUS, SIZE, _mirror
from .test_realworld import REALWORLD, _reference, _shift

HEADER = (f"##fileformat=VCFv4.2\n##contig=<ID=plus,length={SIZE}>\n##contig=<ID=minus,length={SIZE}>\n"
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
          '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tcis\ttrans\tunphased\n"

# Codon 2 (AAA, positions 24-26): c.4A>C alone is K2Q, c.5A>C alone K2T; together CCA, Pro.
FIRST, SECOND = (24, "A", "C"), (25, "A", "C")
# Codons 3-4 (CCC GGG): a C deleted (anchor c.6, position 26) and a G inserted after c.9 (position 29) shift
# the frame each alone; together CCG GGG: the frame is restored, codon 3 still Pro.
DELETION, INSERTION = (26, "AC", "A"), (29, "C", "CG")


def _gff3(contig: str, strand: str, exons: list[tuple[int, int]], cds: list[tuple[int, int, int]],
          utr5: tuple[int, int], utr3: tuple[int, int], name: str) -> list[str]:
    row = f"{contig}\tGAS\t{{}}\t{{}}\t{{}}\t.\t{strand}\t{{}}\t{{}}"
    tx = f"transcript:{name}T"
    lines = [row.format("gene", 1, SIZE, ".", f"ID=gene:{name};Name={name};biotype=protein_coding"),
             row.format("mRNA", exons[0][0], exons[-1][1], ".",
                        f"ID={tx};Parent=gene:{name};Name={name}-201;biotype=protein_coding;tag=Ensembl_canonical")]
    lines += [row.format("exon", s, e, ".", f"Parent={tx}") for s, e in exons]
    lines += [row.format("CDS", s, e, phase, f"Parent={tx}") for s, e, phase in cds]
    lines += [row.format("five_prime_UTR", *utr5, ".", f"Parent={tx}"),
              row.format("three_prime_UTR", *utr3, ".", f"Parent={tx}")]
    return lines


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("haplotype-ref")
    (root / FASTA).write_text(f">plus\n{PLUS}\n>minus\n{MINUS}\n")
    pysam.faidx(str(root / FASTA))
    m = lambda p: SIZE - p + 1  # noqa: E731 - a position on the mirror
    rows = ["##gff-version 3"]
    rows += _gff3("plus", "+", [(11, 40), (61, 103)], [(21, 40, 0), (61, 91, 1)], (11, 20), (92, 103), "PLUSG")
    rows += _gff3("minus", "-", [(m(103), m(61)), (m(40), m(11))], [(m(91), m(61), 1), (m(40), m(21), 0)],
                  (m(20), m(11)), (m(103), m(92)), "MINUSG")
    (root / GFF3).write_text("\n".join(rows) + "\n")
    return root


def _record(contig: str, change: tuple[int, str, str], *gts: str) -> str:
    pos, ref, alt = change if contig == "plus" else _mirror(*change)
    return "\t".join([contig, str(pos), ".", ref, alt, "50", "PASS", "DP=9", "GT:DP", *(f"{g}:9" for g in gts)])


def _run(tmp_path: Path, reference: Path, lines: list[str], haplotypes: bool = True, columns: str = COLUMNS):
    source = tmp_path / "in.vcf"
    rows = sorted(lines, key=lambda r: (r.split("\t")[0] != "plus", int(r.split("\t")[1])))
    source.write_text(HEADER + columns + "".join(r + "\n" for r in rows))
    out = tmp_path / ("hap" if haplotypes else "each")
    result = annotate(source, source.name, reference, out, haplotypes=haplotypes, index=False)
    assert_kept(source, result.files["vcf"])
    entries = {}
    for line in body(result.files["vcf"]):
        chrom, pos = line.split("\t")[:2]
        entries[(chrom, int(pos))] = [e for e in info(line, "BCSQ").split(",") if e]
    return result, entries


def _at(contig: str, change: tuple[int, str, str]) -> tuple[str, int]:
    return contig, (change if contig == "plus" else _mirror(*change))[0]


@pytest.mark.parametrize("contig", ["plus", "minus"])
def test_two_changes_in_one_codon_on_one_haplotype_are_one_amino_acid_change(contig, reference, tmp_path):
    # cis carries both on its first haplotype; trans one on each; unphased is not read.
    _, found = _run(tmp_path, reference, [_record(contig, FIRST, "1|0", "1|0", "0/0"),
                                          _record(contig, SECOND, "1|0", "0|1", "0/0")])
    one, two = found[_at(contig, FIRST)], found[_at(contig, SECOND)]
    together = [e for e in one + two if "+" in e.split("|")[-1]]
    assert len(together) == 1  # one consequence of the two together ...
    fields = together[0].split("|")
    assert fields[0] == "missense" and fields[5] == "2K>2P"  # ... CCA: Pro, not Gln or Thr
    holder, pointer = (one, two) if together[0] in one else (two, one)
    held_at = _at(contig, FIRST if holder is one else SECOND)[1]
    assert f"@{held_at}" in pointer  # the other points to it
    # trans has each alone: K2Q and K2T are there too, as themselves.
    alone = {e.split("|")[5] for e in one + two if not e.startswith("@") and "+" not in e.split("|")[-1]}
    assert alone == {"2K>2Q", "2K>2T"}


@pytest.mark.parametrize("contig", ["plus", "minus"])
def test_a_frameshift_and_the_indel_that_restores_the_frame_are_read_together(contig, reference, tmp_path):
    _, each = _run(tmp_path, reference, [_record(contig, DELETION, "1|0", "0|0", "0/0"),
                                         _record(contig, INSERTION, "1|0", "0|0", "0/0")], haplotypes=False)
    assert all(e.startswith("frameshift") for v in each.values() for e in v)  # each alone shifts the frame
    _, found = _run(tmp_path, reference, [_record(contig, DELETION, "1|0", "0|0", "0/0"),
                                          _record(contig, INSERTION, "1|0", "0|0", "0/0")])
    entries = [e for v in found.values() for e in v if not e.startswith("@")]
    assert len(entries) == 1 and "+" in entries[0].split("|")[-1]  # only together: no sample has either alone
    assert "frameshift" not in entries[0].split("|")[0]


def test_what_the_haplotypes_cannot_see_keeps_its_consequences_on_its_own(reference, tmp_path):
    lines = [_record("plus", FIRST, "1|0", "0|0", "0/1"),  # cis phased; unphased carries it too
             _record("plus", SECOND, "1|0", "0|0", "0/0"),
             _record("plus", (30, "G", "A"), "0|0", "0|0", "0/1"),  # only unphased carries it (G4R)
             _record("plus", (33, "T", "G"), "0|0", "0|0", "./."),  # no carrier at all (F5V)
             _record("plus", (36, "A", "C"), "0|0", ".|1", "0/0")]  # a carrier with a missing allele (K6Q)
    result, found = _run(tmp_path, reference, lines)
    _, each = _run(tmp_path, reference, lines, haplotypes=False)
    assert set(each[("plus", 24)]) <= set(found[("plus", 24)])  # unphased's K2Q alone is kept
    for pos in (30, 33, 36):
        assert found[("plus", pos)] == each[("plus", pos)] and found[("plus", pos)]  # as per-variant mode
    summary = json.loads(result.files["summary"].read_text())["consequences"]
    assert summary == {"mode": "haplotype-aware", "haplotypes_asked": True, "combined": 1, "elsewhere": 1,
                       "on_their_own": 4}  # 24 (K2Q), 30, 33, 36
    log = result.files["log"].read_text()
    assert "Records also annotated on their own (unphased or missing genotypes, or no carrier)\t4" in log
    assert "##GAS_consequences=haplotype-aware" in pysam.VariantFile(str(result.files["vcf"])).header.__str__()


def test_a_symbolic_allele_beside_a_real_one_is_missing_on_the_haplotype(reference, tmp_path):
    """'1|2' where 2 is <NON_REF>: the haplotype with 2 is unknown there, so allele 1 also gets its consequence
    on its own; its own phased haplotype is read with the variant next to it."""
    pos, ref, alt = FIRST
    row = "\t".join(["plus", str(pos), ".", ref, f"{alt},<NON_REF>", "50", "PASS", ".", "GT", "1|2", "0|0", "0|0"])
    _, found = _run(tmp_path, reference, [row, _record("plus", SECOND, "1|0", "0|0", "0|0")])
    assert any("+" in e.split("|")[-1] for e in found[("plus", 24)])
    assert any(e.split("|")[5] == "2K>2Q" for e in found[("plus", 24)])


def test_a_file_without_samples_is_annotated_one_variant_at_a_time_and_says_so(reference, tmp_path):
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    lines = ["\t".join(_record("plus", change).split("\t")[:8]) for change in (FIRST, SECOND)]
    result, found = _run(tmp_path, reference, lines, columns=columns)
    _, each = _run(tmp_path, reference, lines, haplotypes=False, columns=columns)
    assert found == each and all("+" not in e.split("|")[-1] for v in found.values() for e in v)
    summary = json.loads(result.files["summary"].read_text())["consequences"]
    assert summary == {"mode": "per-variant", "haplotypes_asked": True}
    assert "the file has no samples (no genotypes)" in result.files["log"].read_text()


PHASED = ["cyvcf2-comp-het-trio.vcf", "freebayes.vcf.gz", "gatk.vcf.gz",
          "dialect-joint-called-spanning-deletions.vcf", "dialect-gatk-haplotypecaller.g.vcf"]


@pytest.mark.parametrize("name", PHASED)
def test_a_real_file_in_haplotype_mode_gets_what_raw_bcftools_gives(name, tmp_path):
    """Differential: raw `bcftools csq -p s` on the normalised records with their GTs, and raw `csq -l` where
    the rule says (fidelity.by_hand); every record kept as it was."""
    source = tmp_path / name.removesuffix(".gz")
    records = _shift(REALWORLD / name, source)
    reference = _reference(records, tmp_path / "reference", seed=len(name))
    result = annotate(source, source.name, reference, tmp_path / "out", job_id="real", haplotypes=True)
    assert_kept(source, result.files["vcf"])
    assert result.report.haplotypes == (result.report.samples > 0)
    assert assert_same_consequences(reference, source, result.files["vcf"], tmp_path,
                                    haplotypes=result.report.haplotypes) > 0
