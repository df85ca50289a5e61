"""Annotation tracks: known variants matched by allele (after normalisation), regions by overlap, written back
per ALT into the user's own records, counted, and recorded with their provenance.

The known answers come from how the synthetic sources were drawn (synthetic.tracks.expected), not from
bcftools: which sample records each source holds, with decoys (the same site with another ALT, a REF that is
not the genome's) that must match nothing.
"""

import gzip
import json

import pytest

from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import SAMPLE_VARIANTS, attach_demo_tracks, write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from annotator.synthetic.tracks import expected
from gas_shared.contract.bundle import Manifest

from .fidelity import assert_kept, assert_same_consequences, body, info

GENOME = generate()
TAGS = ("dbsnp_ID", "clinvar_ID", "clinvar_CLNSIG", "clinvar_CLNDN", "gnomad_AF", "gnomad_AF_grpmax", "panel")
HEADER = ("##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={len(s)}>\n" for c, s in GENOME.contigs.items())
          + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref")
    write_bundle(GENOME, path, reference_id="gas-tracks-1", assembly="GASdemo1", source="test")
    attach_demo_tracks(GENOME, path)
    return path


@pytest.fixture(scope="module")
def sample_job(reference, tmp_path_factory):
    work = tmp_path_factory.mktemp("job")
    source = write_vcf(GENOME, work / "sample.vcf", SAMPLE_VARIANTS)
    return source, annotate(source, "sample.vcf", reference, work / "out", job_id="j1")


def test_each_track_reports_what_its_source_holds_for_the_variant(sample_job):
    _, result = sample_job
    answers = expected(GENOME, SAMPLE_VARIANTS)
    seen = 0
    for line in body(result.files["vcf"]):
        chrom, pos, _, ref, alt = line.split("\t")[:5]
        want = answers[(chrom, int(pos), ref, alt)]
        assert info(line, "dbsnp_ID") == (want.rsid or ""), line
        assert info(line, "clinvar_ID") == (want.clinvar_id or ""), line
        assert info(line, "clinvar_CLNSIG") == (want.clinical or ""), line
        # A comma inside a source's value becomes '|' (the output keeps one value per ALT, comma-separated).
        assert info(line, "clinvar_CLNDN") == (f"Synthetic_disease_{int(want.clinvar_id) - 500000}|_type_2"
                                               if want.clinvar_id else ""), line
        assert info(line, "gnomad_AF") == (want.af or ""), line
        assert (info(line, "panel") != "") is want.in_panel, line
        seen += 1
    assert seen == SAMPLE_VARIANTS
    # Some of each, so the checks above were not all of absent values.
    assert sum(a.rsid is not None for a in answers.values()) > 100
    assert sum(a.in_panel for a in answers.values()) > 10


def test_tracks_change_nothing_else(reference, sample_job, tmp_path):
    source, result = sample_job
    assert_kept(source, result.files["vcf"], TAGS)
    assert assert_same_consequences(reference, source, result.files["vcf"], tmp_path) > 50


def test_the_counts_equal_what_the_output_holds(sample_job):
    _, result = sample_job
    lines = body(result.files["vcf"])
    known = sum(1 for line in lines if info(line, "dbsnp_ID") or info(line, "clinvar_ID"))
    classes: dict[str, int] = {}
    for line in lines:
        if value := info(line, "clinvar_CLNSIG"):
            classes[value] = classes.get(value, 0) + 1
    assert result.summary.known == known
    assert result.summary.novel == len(lines) - known
    assert dict(result.summary.clinical) == classes
    assert result.summary.panels == {"panel": sum(1 for line in lines if info(line, "panel"))}
    log = result.files["log"].read_text()
    assert f"known\t{known}\nnovel\t{len(lines) - known}\n" in log
    summary = json.loads(result.files["summary"].read_text())
    assert summary["tracks"]["known"] == known and summary["tracks"]["clinical"] == classes


def test_every_job_records_the_tracks_it_used(reference, sample_job):
    _, result = sample_job
    manifest = Manifest.read(reference)
    with gzip.open(result.files["vcf"], "rt") as vcf:
        header = [line for line in vcf if line.startswith("##")]
    summary = json.loads(result.files["summary"].read_text())
    assert [s["name"] for s in summary["sources"]] == [t.name for t in manifest.tracks]
    for track in manifest.tracks:
        assert any(line.startswith(f"##GAS_track=<ID={track.name},") and track.sha256 in line for line in header)
        assert f"# track: {track.name} {track.version}" in result.files["log"].read_text()
    assert any(line.startswith("##INFO=<ID=clinvar_CLNSIG,Number=A,") for line in header)


def _one(reference, tmp_path, records: str, name="one.vcf"):
    path = tmp_path / name
    path.write_text(HEADER + records)
    result = annotate(path, name, reference, tmp_path / "out", job_id="j2")
    return path, result, body(result.files["vcf"])


def _site(i: int):
    return list(expected(GENOME, SAMPLE_VARIANTS))[i]


def test_values_are_per_alt_in_a_multiallelic_record(reference, tmp_path):
    chrom, pos, ref, alt = _site(0)  # dbSNP's record there is ALT,DECOY (rs1000); gnomAD's too (0.001, 0.0001)
    decoy = next(b for b in "ACGT" if b not in (ref, alt))
    other = next(b for b in "ACGT" if b not in (ref, alt, decoy))  # in no source
    path, result, (line,) = _one(reference, tmp_path,
                                 f"{chrom}\t{pos}\t.\t{ref}\t{other},{alt},{decoy},<NON_REF>\t9\t.\tDP=3\n")
    assert info(line, "dbsnp_ID") == ".,rs1000,rs1000,."
    assert info(line, "gnomad_AF") == ".,0.001,0.0001,."
    assert info(line, "clinvar_CLNSIG") == ".,Pathogenic,.,."
    assert info(line, "DP") == "3"
    assert_kept(path, result.files["vcf"], TAGS)


def test_a_record_written_unnormalised_matches_in_its_normalised_form(reference, tmp_path):
    chrom, pos, ref, alt = _site(0)
    after = GENOME.base(chrom, pos + 1)
    path, result, (line,) = _one(reference, tmp_path, f"{chrom}\t{pos}\t.\t{ref}{after}\t{alt}{after}\t9\t.\t.\n")
    assert_kept(path, result.files["vcf"], TAGS)
    assert info(line, "dbsnp_ID") == "rs1000"
    assert info(line, "GASNORM")  # says that it was annotated as the trimmed form
    assert line.split("\t")[3:5] == [f"{ref}{after}", f"{alt}{after}"]


def test_an_upload_that_has_the_tags_already_gets_them_replaced(reference, tmp_path):
    chrom, pos, ref, alt = _site(3)  # rs1003
    _, result, (line,) = _one(reference, tmp_path, f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t9\t.\tdbsnp_ID=rsOLD;panel=X\n")
    assert info(line, "dbsnp_ID") == "rs1003"
    assert "rsOLD" not in line and line.count("dbsnp_ID=") == 1
    header = [h for h in result.files["plain_vcf"].read_text().splitlines() if h.startswith("##INFO=<ID=dbsnp_ID,")]
    assert len(header) == 1


def test_a_bundle_without_tracks_writes_no_track_fields(tmp_path):
    bare = tmp_path / "bare"
    write_bundle(GENOME, bare, reference_id="gas-bare-1", assembly="GASdemo1", source="test")
    source = write_vcf(GENOME, tmp_path / "s.vcf", 50)
    result = annotate(source, "s.vcf", bare, tmp_path / "out")
    assert result.summary.known is None
    summary = json.loads(result.files["summary"].read_text())
    assert "tracks" not in summary and summary["sources"] == []
    assert "Known variants" not in result.files["log"].read_text()


def test_one_stage_over_the_joined_table_writes_what_a_stage_per_track_writes(reference, sample_job, tmp_path):
    import dataclasses
    import shutil

    source, result = sample_job
    manifest = Manifest.read(reference)
    assert manifest.combined and len(manifest.variant_tracks) == 3
    apart = tmp_path / "apart"
    shutil.copytree(reference, apart)
    dataclasses.replace(manifest, combined="").write(apart)
    separate = annotate(source, "sample.vcf", apart, tmp_path / "out", job_id="j1")
    assert body(separate.files["vcf"]) == body(result.files["vcf"])
