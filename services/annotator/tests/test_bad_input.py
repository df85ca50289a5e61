"""The bad-input corpus: each file ends as one precise error, or is annotated record for record, with what
was kept without consequences counted and said."""

from pathlib import Path

import pytest

from annotator.engine.errors import VcfError
from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate

from .fidelity import assert_kept, assert_same_consequences

CORPUS = Path(__file__).parent / "corpus"

# file -> (a fragment of the reason, line, column)
REFUSED = {
    "not_a_vcf.txt": ("not a VCF: the first line should be ##fileformat=VCFv4.x", 1, None),
    "binary.vcf": ("binary data: this is not a text VCF", 1, 1),
    "fake_gzip.vcf.gz": ("is named .gz but is not gzip data", None, None),
    "truncated.vcf.gz": ("the gzip data is truncated", None, None),
    "corrupt.vcf.gz": ("the gzip data is corrupt", 1, None),
    "bomb.vcf.gz": ("refused as a decompression bomb", None, None),
    "endless_header.vcf": ("the header is longer than 100,000 lines", 100_001, None),
    "empty.vcf": ("the file is empty", None, None),
    "header_only.vcf": ("the file has a header but no variant records", None, None),
    "no_fileformat.vcf": ("not a VCF: the first line should be ##fileformat", 1, None),
    "no_chrom_line.vcf": ("the header has no #CHROM line before the first record", 2, None),
    "bad_header_column.vcf": ("header column 2 is 'POSITION', expected 'POS'", 2, 2),
    "column_mismatch.vcf": ("7 columns, but the header names 8", 4, None),
    "spaces_not_tabs.vcf": ("columns must be separated by tabs", 3, None),
    "bad_pos.vcf": ("POS '2OO' is not a positive whole number", 4, 2),
    "bad_ref_chars.vcf": ("REF 'AXG' has characters other than A, C, G, T and N", 3, 4),
    "bad_alt_chars.vcf": ("ALT 'AB' has characters other than A, C, G, T and N", 4, 5),
    "ref_mismatch.vcf": ("does not match the reference ('G') at chr1:120", 4, 4),
    "unknown_contig.vcf": ("contig 'chrZ' is not in the reference (which has chr1, chr2, chr3)", 3, 1),
    "ensembl_names.vcf": ("did you mean 'chr1'?", 3, 1),
    "past_contig_end.vcf": ("is past the end of chr1", 3, 2),
    "unsorted.vcf": ("chr1:200 comes after a later position: the file is not sorted", 4, None),
    "contig_revisited.vcf": ("chr1:400 comes after a later position: the file is not sorted", 5, None),
    "header_after_records.vcf": ("a header line after the first record", 6, 1),
    "not_utf8.vcf": ("not UTF-8 text (byte 0xe9)", 3, 28),
    "enormous_line.vcf.gz": ("the line is longer than 4,194,304 bytes", 3, None),
}

# file -> (variants annotated, records kept without consequences, ALTs kept without consequences)
ACCEPTED = {
    "duplicates.vcf": (3, {}, {}),  # a duplicate is a record like any other: annotated, and kept
    "mixed_symbolic.vcf": (2, {}, {"symbolic allele": 1}),
    "breakend.vcf": (1, {"breakend allele": 1}, {}),
    "windows_crlf.vcf": (3, {}, {}),
    "multi_sample.vcf.gz": (2, {}, {}),
    "symbolic_only.vcf": (0, {"symbolic allele": 2}, {}),  # valid VCF, nothing a gene model says: kept
    "no_alt.vcf": (0, {"no ALT allele": 1}, {}),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref")
    write_bundle(generate(), path, reference_id="gas-demo-1", assembly="GASdemo1", source="test")
    return path


def test_the_corpus_is_complete():
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    assert files == set(REFUSED) | set(ACCEPTED)
    assert len(REFUSED) >= 20


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_input_is_one_precise_error_and_leaves_nothing(name, reference, tmp_path):
    fragment, line, column = REFUSED[name]
    out = tmp_path / "out"
    with pytest.raises(VcfError) as caught:
        annotate(CORPUS / name, name, reference, out)
    assert fragment in caught.value.reason
    assert (caught.value.line, caught.value.column) == (line, column)
    assert list(out.iterdir()) == []  # no partial result, no scratch files


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_odd_but_valid_input_is_annotated_and_what_was_skipped_is_said(name, reference, tmp_path):
    variants, skipped, alleles_skipped = ACCEPTED[name]
    result = annotate(CORPUS / name, name, reference, tmp_path / "out")
    assert result.summary.variants == variants
    assert result.report.skipped == skipped and result.report.alleles_skipped == alleles_skipped
    log = result.files["log"].read_text()
    for why, n in {**skipped, **alleles_skipped}.items():
        assert f"{why}\t{n}" in log
    assert len(result.report.notes) == sum(skipped.values()) + sum(alleles_skipped.values())
    assert_kept(CORPUS / name, result.files["vcf"])
    assert_same_consequences(reference, CORPUS / name, result.files["vcf"], tmp_path)


def test_a_header_past_its_bounds_is_refused_before_bcftools_or_memory_see_it(reference, tmp_path, monkeypatch):
    """A few MB of gzip can hold a header of gigabytes: its lines and its whole are capped, with a reason."""
    from annotator.engine.check import validation

    long_line = tmp_path / "long_line.vcf"
    long_line.write_text("##fileformat=VCFv4.2\n##note=" + "x" * (validation.MAX_META_LINE_BYTES + 1) + "\n")
    with pytest.raises(VcfError) as caught:
        annotate(long_line, long_line.name, reference, tmp_path / "a")
    assert "a header line is longer than 1 MB" in caught.value.reason and caught.value.line == 2

    monkeypatch.setattr(validation, "MAX_HEADER_BYTES", 4096)
    big = tmp_path / "big_header.vcf"
    big.write_text("##fileformat=VCFv4.2\n" + "".join(f"##note{i}={'y' * 90}\n" for i in range(100)))
    with pytest.raises(VcfError) as caught:
        annotate(big, big.name, reference, tmp_path / "b")
    assert "the header is larger than 4,096 bytes" in caught.value.reason and caught.value.line == 42
    assert list((tmp_path / "b").iterdir()) == []


def test_a_file_whose_text_passes_the_plan_s_limit_is_refused_as_it_inflates(reference, tmp_path):
    """The upload's size is capped by plan, but gzip can hold far more text: the text is capped too."""
    from annotator.engine.check.reader import Limits

    name = "multi_sample.vcf.gz"
    annotate(CORPUS / name, name, reference, tmp_path / "fits", limits=Limits(max_bytes=10**6, plan="Free"))
    with pytest.raises(VcfError) as caught:
        annotate(CORPUS / name, name, reference, tmp_path / "too_much", limits=Limits(max_bytes=100, plan="Free"))
    assert "once decompressed, the most the Free plan annotates" in caught.value.reason
    assert list((tmp_path / "too_much").iterdir()) == []
