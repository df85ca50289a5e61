"""HGVS c. and p. notation, against cases worked by hand on a transcript whose sequence is written out below,
and the same cases on its mirror image (the transcript on the minus strand): a variant and its mirror must
get the same notation, however VCF writes them.

The transcript (plus strand), genomic positions:
    1-10 flank | 11-20 5' UTR (c.-10..c.-1) | 21-40 exon 1 CDS (c.1..c.20) | 41-60 intron (c.20+1..c.20+10,
    c.21-10..c.21-1) | 61-91 exon 2 CDS (c.21..c.51, stop codon c.49-51) | 92-103 3' UTR (c.*1..c.*12) | flank
CDS  ATG AAA CCC GGG TTT AAA GAG CTG CTG CTG TCC GAT GGA CAT TGG ACT TAA
     M   K   P   G   F   K   E   L   L   L   S   D   G   H   W   T   *
3' UTR GTG AGC ATT TGA (in frame: Val Ser Ile Ter)
"""

import re
from collections import Counter

import pytest

from annotator.engine.hgvs import THREE, Transcript, notation, revcomp
from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf

from .fidelity import assert_kept, body, info

FLANK5, UTR5 = "ACGTACGTAC", "CCGTCACCTC"
CDS = "ATGAAACCCGGGTTTAAAGAGCTGCTGCTGTCCGATGGACATTGGACTTAA"
INTRON, UTR3, FLANK3 = "GTAAGTCCTTTTTTCCCCAG", "GTGAGCATTTGA", "CATGCATGCA"
PLUS = FLANK5 + UTR5 + CDS[:20] + INTRON + CDS[20:] + UTR3 + FLANK3
SIZE = len(PLUS)
MINUS = revcomp(PLUS)
FORWARD = Transcript("T1", "c", "+", ((11, 40), (61, 103)), (21, 91))
REVERSE = Transcript("T2", "c", "-", ((SIZE - 103 + 1, SIZE - 61 + 1), (SIZE - 40 + 1, SIZE - 11 + 1)),
                     (SIZE - 91 + 1, SIZE - 21 + 1))

# (VCF POS, REF, ALT on the plus strand) -> (c., p.), worked by hand from the sequences above.
CASES = {
    "missense": ((24, "A", "C"), "c.4A>C", "p.Lys2Gln"),
    "synonymous": ((26, "A", "G"), "c.6A>G", "p.Lys2="),
    "nonsense": ((24, "A", "T"), "c.4A>T", "p.Lys2Ter"),
    "start lost": ((22, "T", "C"), "c.2T>C", "p.Met1?"),
    "stop lost, the UTR read to its stop": ((89, "T", "C"), "c.49T>C", "p.Ter17GlnextTer4"),
    "in-frame deletion, shifted 3' (DNA and protein)": ((64, "GCTG", "G"), "c.28_30del", "p.Leu10del"),
    "duplication": ((64, "G", "GCTG"), "c.28_30dup", "p.Leu10dup"),
    "insertion": ((22, "T", "TGGG"), "c.3_4insGGG", "p.Met1_Lys2insGly"),
    "delins": ((24, "AA", "TT"), "c.4_5delinsTT", "p.Lys2Leu"),
    "frameshift, with the new stop": ((23, "GA", "G"), "c.6del", "p.Lys2AsnfsTer17"),
    "splice donor": ((41, "G", "T"), "c.20+1G>T", ""),
    "intron, nearer the exon before": ((45, "G", "A"), "c.20+5G>A", ""),
    "splice acceptor": ((59, "A", "G"), "c.21-2A>G", ""),
    "5' UTR": ((15, "C", "T"), "c.-6C>T", ""),
    "3' UTR": ((93, "T", "C"), "c.*2T>C", ""),
}


def _plus(contig: str, start: int, end: int) -> str:
    return PLUS[start:end]


def _minus(contig: str, start: int, end: int) -> str:
    return MINUS[start:end]


def _mirror(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """The same change on the reversed genome, as VCF writes it (an indel's anchor base on its left)."""
    first = len(ref) and len(alt) and ref[0] == alt[0] and len(ref) != len(alt)
    if not first:
        return SIZE - (pos + len(ref) - 1) + 1, revcomp(ref), revcomp(alt)
    changed_ref, changed_alt = ref[1:], alt[1:]  # the bases after the anchor at `pos`
    if changed_ref:  # a deletion of pos+1 .. pos+len
        low = SIZE - (pos + len(changed_ref)) + 1
        anchor = MINUS[low - 2]
        return low - 1, anchor + revcomp(changed_ref), anchor
    # an insertion between pos and pos + 1: on the mirror, between SIZE - pos and SIZE - pos + 1
    anchor = MINUS[SIZE - pos - 1]
    return SIZE - pos, anchor, anchor + revcomp(changed_alt)


def test_the_sequences_are_as_written():
    assert PLUS[20:40] + PLUS[60:91] == CDS and PLUS[91:103] == UTR3 and PLUS[10:20] == UTR5
    assert PLUS[40:42] == "GT" and PLUS[58:60] == "AG"


@pytest.mark.parametrize("case", list(CASES))
def test_plus_strand(case):
    (pos, ref, alt), c, p = CASES[case]
    assert PLUS[pos - 1: pos - 1 + len(ref)] == ref
    assert notation(FORWARD, pos, ref, alt, _plus) == (c, p)


@pytest.mark.parametrize("case", list(CASES))
def test_minus_strand_gives_the_same_notation(case):
    (pos, ref, alt), c, p = CASES[case]
    mpos, mref, malt = _mirror(pos, ref, alt)
    assert MINUS[mpos - 1: mpos - 1 + len(mref)] == mref
    assert notation(REVERSE, mpos, mref, malt, _minus) == (c, p)


def test_a_non_coding_transcript_is_numbered_n():
    lnc = Transcript("L1", "c", "+", ((11, 40), (61, 103)), None)
    assert notation(lnc, 24, "A", "C", _plus) == ("n.14A>C", "")


# -- in the pipeline: against bcftools csq's own amino-acid changes -------------------------------------------

CSQ_AA = re.compile(r"^(\d+)([A-Z*])(?:>\1([A-Z*]))?$")  # csq writes '58I>58L', '25V' (no change)


@pytest.fixture(scope="module")
def named_job(tmp_path_factory):
    root = tmp_path_factory.mktemp("hgvs")
    genome = generate(seed=31, contigs=(("chr1", 20), ("chr2", 20)))
    write_bundle(genome, root / "ref", reference_id="gas-hgvs", assembly="GAStest", source="test")
    source = write_vcf(genome, root / "in.vcf", 20_000, seed=8)
    return source, annotate(source, "in.vcf", root / "ref", root / "out", hgvs=True)


def test_p_notation_equals_bcftools_amino_acid_change_on_both_strands(named_job):
    source, result = named_job
    assert_kept(source, result.files["vcf"])
    compared = Counter()
    for line in body(result.files["vcf"]):
        names = {e.split("|")[0]: e.split("|") for e in info(line, "GASHGVS").split(",") if e}
        for entry in (e for e in info(line, "BCSQ").split(",") if e):
            f = entry.split("|")
            if len(f) < 6 or f[0] not in ("missense", "synonymous", "stop_gained"):
                continue
            found = CSQ_AA.match(f[5])
            assert found, entry
            position, before, after = int(found.group(1)), found.group(2), found.group(3)
            want = f"p.{THREE[before]}{position}" + ("=" if after is None else
                                                      "Ter" if after == "*" else THREE[after])
            assert names[f[2]][2] == want, (line[:80], entry, names[f[2]])
            compared[(f[0], f[4])] += 1
    for kind in ("missense", "synonymous", "stop_gained"):
        assert compared[(kind, "+")] > 3 and compared[(kind, "-")] > 3, compared


def test_every_variant_in_a_transcript_is_named_and_the_header_says_what(named_job):
    _, result = named_job
    lines = body(result.files["vcf"])
    coding = [line for line in lines
              if "|protein_coding|" in info(line, "BCSQ") and "intron|" not in info(line, "BCSQ")]
    assert coding and all(info(line, "GASHGVS").count("|c.") >= 1 for line in coding)
    assert any("|c.*" in info(line, "GASHGVS") or "|c.-" in info(line, "GASHGVS") for line in lines)
    header = result.files["plain_vcf"].read_text().split("#CHROM")[0]
    assert header.count("##INFO=<ID=GASHGVS,") == 1
