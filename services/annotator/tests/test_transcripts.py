"""Transcript choice: the gene models' MANE Select and Ensembl canonical tags rank each record's consequences
(the preferred transcript first, bcftools' order kept within a rank), in both of the merge's paths; the
variant index records each transcript's rank for the explorer's one-line-per-variant pick."""

import numpy as np

from annotator.engine.pipeline import annotate
from annotator.engine.transcripts import CANONICAL, MANE, OTHER, Preferred
from gas_shared.contract.bundle import FASTA, GFF3

from .fidelity import _bcftools, assert_kept, assert_same_consequences, body, info
from .test_realworld import REALWORLD, _reference, _shift


def _swapped(reference):
    """The second transcript of each gene made the MANE Select one, so bcftools' own order (which follows
    neither tag) puts a non-preferred transcript first for many records."""
    gff = (reference / GFF3).read_text()
    gff = gff.replace("tag=basic,Ensembl_canonical,MANE_Select,CCDS", "tag=WAS").replace(
        "tag=basic;", "tag=basic,Ensembl_canonical,MANE_Select,CCDS;").replace("tag=WAS", "tag=basic")
    (reference / GFF3).write_text(gff)
    return Preferred.from_gff3(reference / GFF3)

def test_the_preferred_transcripts_are_read_from_ensembl_tags(tmp_path):
    (tmp_path / "g.gff3").write_text(
        "##gff-version 3\n"
        "1\tx\tmRNA\t1\t9\t.\t+\t.\tID=transcript:T1;tag=basic,Ensembl_canonical,MANE_Select\n"
        "1\tx\tmRNA\t1\t9\t.\t+\t.\tID=transcript:T2;tag=basic,Ensembl_canonical\n"
        "1\tx\tlnc_RNA\t1\t9\t.\t+\t.\tID=transcript:T3;tag=basic\n"
        "1\tx\tgene\t1\t9\t.\t+\t.\tID=gene:G;tag=Ensembl_canonical\n")
    found = Preferred.from_gff3(tmp_path / "g.gff3")
    assert (found.rank("T1"), found.rank("T2"), found.rank("T3"), found.rank("G")) == (MANE, CANONICAL, OTHER,
                                                                                       OTHER)
    assert found.ordered("a|G|T3|x,b|G|T2|x,c|G|T1|x,d|G||x") == "c|G|T1|x,b|G|T2|x,a|G|T3|x,d|G||x"

def test_each_records_consequences_list_the_preferred_transcript_first(tmp_path):
    source = tmp_path / "gatk.vcf"
    records = _shift(REALWORLD / "gatk.vcf.gz", source)
    reference = _reference(records, tmp_path / "ref", seed=3)
    preferred = _swapped(reference)
    result = annotate(source, "gatk.vcf", reference, tmp_path / "out")

    assert_kept(source, result.files["vcf"])
    assert assert_same_consequences(reference, source, result.files["vcf"], tmp_path) > 10
    several = 0
    for line in body(result.files["vcf"]):
        entries = [e for e in info(line, "BCSQ").split(",") if e]
        ranks = [preferred.rank(e.split("|")[2]) if e.count("|") >= 2 else OTHER for e in entries]
        assert ranks == sorted(ranks), line
        several += MANE in ranks and len(entries) > 1
    assert several > 5

    # bcftools itself put a non-preferred transcript first for some of them: the order above is GAS's doing.
    raw = _bcftools("csq", "-f", str(reference / FASTA), "-g", str(reference / GFF3), "-l", "--force", "-Ov",
                    str(result.files["vcf"])).decode()
    out_of_order = 0
    for line in raw.splitlines():
        if not line.startswith("#"):
            entries = [e for e in info(line, "BCSQ").split(",") if e.count("|") >= 2]
            ranks = [preferred.rank(e.split("|")[2]) for e in entries]
            out_of_order += ranks != sorted(ranks)
    assert out_of_order > 0

def test_reorder_is_the_record_at_a_time_rule_over_a_block():
    preferred = Preferred({"T1": MANE, "T9": CANONICAL})
    values = [b"a|G|T2|x,b|G|T1|x", b"c|G|T1|x,d|G|T2|x", b"e|G||x", b"f|G|T3|x,g|H|T9|x,h|G|T1|x", b"i|G|T2|x"]
    block = b"".join(b"X\tBCSQ=" + v + b"\n" for v in values)
    a = np.frombuffer(block, dtype=np.uint8)
    starts = np.array([i for i in range(len(block)) if block[i:i + 5] == b"BCSQ="]) + 5
    ends = np.flatnonzero(a == 10)
    changed = preferred.reorder(a, starts, ends)
    assert set(changed) == {0, 3}
    for i, value in enumerate(values):
        assert changed.get(i, value).decode() == preferred.ordered(value.decode())
