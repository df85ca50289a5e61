"""The merge: csq's pieces written back into the user's records, and the self-check that refuses a result that
does not add up (a piece too many or too few, a record lost, a term csq does not have)."""

import io

import pytest

from annotator.engine.chain.merger import Merger, SelfCheckError
from annotator.engine.chain.merger import check_terms as _check_terms

HEADER = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]


def _merger(*records: str) -> tuple[Merger, io.BytesIO]:
    out = io.BytesIO()
    merger = Merger(out, None)
    for line in [*HEADER, *records]:
        merger.original(line)
    return merger, out


def test_each_alt_s_consequences_go_back_to_its_own_record_in_the_input_s_order():
    merger, out = _merger("chr1\t100\trs1\tA\tC,<NON_REF>\t50\tPASS\tAF=0.1,0\tGT\t0/1",
                          "chr1\t200\t.\tC\tT,G\t.\t.\t.\tGT\t1/2",
                          "chr1\t300\t.\tG\t<DEL>\t.\t.\tSVTYPE=DEL\tGT\t0/1")
    merger.piece("chr1\t200\t.\tC\tG\t.\t.\tGASREC=2;GASOLD=chr1|200|C|T,G|2;BCSQ=missense|G1|T1|protein_coding")
    merger.piece("chr1\t100\trs1\tA\tC\t.\t.\tGASREC=1;BCSQ=intron|G1|T1|protein_coding")
    merger.drain()
    assert merger.records_out == 1  # record 2 waits for its first ALT; record 3 waits behind it
    merger.piece("chr1\t200\t.\tC\tT\t.\t.\tGASREC=2;GASOLD=chr1|200|C|T,G|1;BCSQ=synonymous|G1|T1|protein_coding")
    merger.finish()
    written = out.getvalue().decode().splitlines()
    assert written == [
        "chr1\t100\trs1\tA\tC,<NON_REF>\t50\tPASS\tAF=0.1,0;BCSQ=intron|G1|T1|protein_coding\tGT\t0/1",
        "chr1\t200\t.\tC\tT,G\t.\t.\tBCSQ=synonymous|G1|T1|protein_coding,missense|G1|T1|protein_coding\tGT\t1/2",
        "chr1\t300\t.\tG\t<DEL>\t.\t.\tSVTYPE=DEL\tGT\t0/1",
    ]


def test_an_alt_annotated_where_normalisation_moved_it_says_so_and_the_record_stays_where_it_was():
    merger, out = _merger("chr1\t1205\t.\tA\tAA\t.\t.\t.\tGT\t0/1")
    merger.piece("chr1\t1200\t.\tT\tTA\t.\t.\tGASREC=1;GASOLD=chr1|1205|A|AA;BCSQ=splice_donor|G1|T1|protein_coding")
    merger.finish()
    assert out.getvalue().decode() == ("chr1\t1205\t.\tA\tAA\t.\t.\tBCSQ=splice_donor|G1|T1|protein_coding;"
                                       "GASNORM=1|1200|T|TA\tGT\t0/1\n")


def test_a_bcsq_the_upload_already_had_is_replaced_not_doubled():
    merger, out = _merger("chr1\t100\t.\tA\tC\t.\t.\tDP=3;BCSQ=old|X|Y|protein_coding\tGT\t0/1")
    merger.piece("chr1\t100\t.\tA\tC\t.\t.\tGASREC=1;BCSQ=missense|G1|T1|protein_coding")
    merger.finish()
    assert out.getvalue().decode().split("\t")[7] == "DP=3;BCSQ=missense|G1|T1|protein_coding"


def test_a_piece_that_never_comes_back_fails_the_self_check():
    merger, _ = _merger("chr1\t100\t.\tA\tC,G\t.\t.\t.\tGT\t1/2")
    merger.piece("chr1\t100\t.\tA\tC\t.\t.\tGASREC=1;GASOLD=chr1|100|A|C,G|1;BCSQ=intron|G1|T1|protein_coding")
    with pytest.raises(SelfCheckError, match="did not all come back"):
        merger.finish()


def test_a_piece_too_many_or_for_no_record_fails_the_self_check():
    merger, _ = _merger("chr1\t100\t.\tA\tC\t.\t.\t.\tGT\t0/1")
    merger.piece("chr1\t100\t.\tA\tC\t.\t.\tGASREC=1;BCSQ=intron|G1|T1|protein_coding")
    merger.piece("chr1\t100\t.\tA\tC\t.\t.\tGASREC=1;BCSQ=intron|G1|T1|protein_coding")
    with pytest.raises(SelfCheckError, match="came back for"):
        merger.finish()
    stray, _ = _merger("chr1\t100\t.\tA\tC\t.\t.\t.\tGT\t0/1")
    stray.piece("chr1\t100\t.\tA\tC\t.\t.\tGASREC=1")
    stray.piece("chr1\t900\t.\tA\tC\t.\t.\tGASREC=7")
    with pytest.raises(SelfCheckError):
        stray.finish()
    with pytest.raises(SelfCheckError, match="without GASREC"):
        stray.piece("chr1\t900\t.\tA\tC\t.\t.\tBCSQ=intron")


def test_a_term_bcftools_csq_does_not_have_fails_the_self_check():
    _check_terms({"missense": 3, "upstream": 1})
    with pytest.raises(SelfCheckError, match=r"23\.94"):
        _check_terms({"missense": 3, "23.94": 1})  # another field's value read as a consequence


def test_the_header_is_repaired_for_what_the_body_uses_and_never_declared():
    merger, _ = _merger("chr9\t100\t.\tA\tC\t.\tq10;LowDP\tAF=0.1;NEW;DB\tGT:DS\t0/1:0.5")
    merger.piece("chr9\t100\t.\tA\tC\t.\t.\tGASREC=1")
    merger.finish()
    header, repairs = merger.output_header(['##INFO=<ID=BCSQ,Number=.,Type=String,Description="csq">'],
                                           {"GAS_job": "j1"})
    assert {r.split(",")[0] for r in repairs} == {
        "##INFO=<ID=AF", "##INFO=<ID=NEW", "##INFO=<ID=DB", "##FORMAT=<ID=GT", "##FORMAT=<ID=DS",
        "##FILTER=<ID=q10", "##FILTER=<ID=LowDP", "##contig=<ID=chr9>"}
    assert header[-1].startswith("#CHROM") and "##GAS_job=j1" in header
    assert any(h.startswith("##INFO=<ID=BCSQ,") for h in header)
