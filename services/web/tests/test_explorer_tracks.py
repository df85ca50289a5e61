"""The explorer's filters on what the reference's tracks matched, against an oracle that reads the annotated
VCF's track tags with str.split: known or novel, clinical class, population frequency below or above, inside
a region track, a known ID (rs number) as an ID; and the counts, rows and TSV columns that carry them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from werkzeug.datastructures import MultiDict

from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import write_demo_bundle
from web.explorer.index import VariantIndex
from web.explorer.query import Explorer, Filter, FilterError


@dataclass(frozen=True)
class Known:
    record: int
    known_id: str
    clinical: str
    frequency: float
    regions: tuple[str, ...]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("tracks")
    write_demo_bundle(root / "ref")
    result = annotate(root / "ref" / "sample.vcf", "sample.vcf", root / "ref", root / "out")
    oracle = []
    for number, line in enumerate((x for x in result.files["plain_vcf"].read_text().splitlines()
                                   if not x.startswith("#")), 1):
        info = dict(item.split("=", 1) for item in line.split("\t")[7].split(";") if "=" in item)
        known = info.get("dbsnp_ID") or info.get("clinvar_ID") or ""
        oracle.append(Known(number, known, info.get("clinvar_CLNSIG", ""),
                            float(info["gnomad_AF_grpmax"]) if "gnomad_AF_grpmax" in info else math.nan,
                            ("panel",) if "panel" in info else ()))
    return Explorer(VariantIndex(result.files["explore"])), oracle, result


CASES = {
    "known": ({"known": ["known"]}, lambda k: bool(k.known_id)),
    "novel": ({"known": ["novel"]}, lambda k: not k.known_id),
    "pathogenic": ({"clinical": ["Pathogenic"]}, lambda k: k.clinical == "Pathogenic"),
    "classes with spaces": ({"clinical": ["likely benign, Benign"]},
                            lambda k: k.clinical in ("Likely_benign", "Benign")),
    "rare (or absent)": ({"af_below": ["0.01"]}, lambda k: not k.frequency >= 0.01),
    "common": ({"af_above": ["0.05"]}, lambda k: k.frequency >= 0.05),
    "in the panel": ({"in_region": ["panel"]}, lambda k: k.regions == ("panel",)),
    "an rs number as an ID": ({"id": ["rs1003, rs1006"]}, lambda k: k.known_id in ("rs1003", "rs1006")),
    "combined": ({"known": ["known"], "af_below": ["0.05"], "in_region": ["any"]},
                 lambda k: bool(k.known_id) and not k.frequency >= 0.05 and bool(k.regions)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_track_filters_equal_the_oracle(job, case):
    explorer, oracle, _ = job
    args, wanted = CASES[case]
    f = Filter.of(MultiDict([(k, v) for k, vs in args.items() for v in vs]))
    want = [k for k in oracle if wanted(k)]
    assert want and len(want) < len(oracle)
    counts = explorer.counts(f)
    assert counts.variants == len(want)
    assert counts.known == sum(1 for k in want if k.known_id)
    assert counts.novel == sum(1 for k in want if not k.known_id)
    classes: dict[str, int] = {}
    for k in want:
        if k.clinical:
            classes[k.clinical] = classes.get(k.clinical, 0) + 1
    assert counts.by_clinical == classes
    rows = explorer.page(f, limit=500).rows
    by_record = {r.record: r for r in rows}
    assert sorted(by_record) == [k.record for k in want]
    for k in want:
        row = by_record[k.record]
        assert (row.known_id, row.clinical, tuple(row.regions)) == (k.known_id, k.clinical, k.regions)
        assert (row.frequency is None) if math.isnan(k.frequency) else row.frequency == pytest.approx(k.frequency)
    tsv = [line.split("\t") for line in "".join(explorer.tsv(f)).splitlines()[1:]]
    assert sorted({(int(f[1]), f[14], f[15], f[17]) for f in tsv}) == sorted(
        {(by_record[k.record].pos, k.known_id, k.clinical, ",".join(k.regions))
         for k in want})


def test_the_counts_of_the_whole_job_are_its_summary(job):
    explorer, _, result = job
    counts = explorer.counts(Filter())
    assert (counts.known, counts.novel) == (result.summary.known, result.summary.novel)
    assert counts.by_clinical == dict(result.summary.clinical)


@pytest.mark.parametrize("args, message", [
    ({"known": ["maybe"]}, "Known is"),
    ({"af_below": ["two"]}, "from 0 to 1"),
    ({"af_above": ["1.5"]}, "from 0 to 1"),
])
def test_bad_track_filters_say_what_to_change(args, message):
    with pytest.raises(FilterError, match=message):
        Filter.of(MultiDict([(k, v) for k, vs in args.items() for v in vs]))


def test_a_job_without_tracks_says_so_when_asked_for_them(tmp_path):
    from annotator.synthetic.bundle import write_demo_bundle as demo

    demo(tmp_path / "ref", tracks=False)
    result = annotate(tmp_path / "ref" / "sample.vcf", "s.vcf", tmp_path / "ref", tmp_path / "out")
    explorer = Explorer(VariantIndex(result.files["explore"]))
    assert explorer.counts(Filter()).known is None
    with pytest.raises(FilterError, match="no known-variant track"):
        explorer.counts(Filter(known="novel"))
    with pytest.raises(FilterError, match="no population-frequency track"):
        explorer.counts(Filter(af_below=0.01))
    assert explorer.page(Filter(), limit=1).rows[0].known_id == ""
