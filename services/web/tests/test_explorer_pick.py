"""One line per variant (VEP's --pick): the row of the preferred transcript (MANE Select, then Ensembl
canonical), else the most severe, against an oracle that reads the annotated VCF and the GFF3's tags."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from annotator.engine.pipeline import annotate
from annotator.engine.transcripts import Preferred
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from gas_shared.contract.bundle import GFF3
from gas_shared.contract.consequences import IMPACT_ORDER, impact_of
from web.explorer.index import VariantIndex
from web.explorer.query import Explorer, Filter

GENOME = generate(seed=23, contigs=(("chr1", 12), ("chr2", 12)))


def _two_transcripts(gff3: str) -> str:
    """Every gene gets a second transcript, a copy of its first; in every other gene the copy is the tagged
    one, so the preferred transcript is sometimes bcftools' first and sometimes not."""
    out: list[str] = []
    copies: list[list[str]] = []
    gene = 0
    lines = gff3.splitlines()
    for i, line in enumerate(lines):
        out.append(line)
        f = line.split("\t")
        if len(f) == 9 and f[2] == "mRNA":
            gene += 1
            tid = re.search(r"ID=(transcript:[^;]+)", f[8]).group(1)
            children = [x for x in lines[i + 1:] if f"Parent={tid}" in x]
            copy = [x.replace(tid, f"{tid}X") for x in [line, *children]]
            if gene % 2 == 0:  # the copy is the preferred one
                out[-1] = line.replace(";tag=basic,Ensembl_canonical,MANE_Select", ";tag=basic")
            else:
                copy[0] = copy[0].replace(";tag=basic,Ensembl_canonical,MANE_Select", ";tag=basic")
            copies.append(copy)
    return "\n".join([*out, *(x for copy in copies for x in copy)]) + "\n"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("pick")
    write_bundle(GENOME, root / "ref", reference_id="gas-pick", assembly="GAStest", source="test")
    (root / "ref" / GFF3).write_text(_two_transcripts((root / "ref" / GFF3).read_text()))
    source = write_vcf(GENOME, root / "in.vcf", 6000, seed=4)
    result = annotate(source, "in.vcf", root / "ref", root / "out")
    preferred = Preferred.from_gff3(root / "ref" / GFF3)
    assert len(preferred.ranks) == len(GENOME.genes)
    return Explorer(VariantIndex(result.files["explore"])), result, preferred


def _expected(result, preferred) -> dict[int, tuple[str, str]]:
    """Per record (one ALT each): the picked (transcript, impact), from the VCF's BCSQ in its own order."""
    found = {}
    lines = [x for x in result.files["plain_vcf"].read_text().splitlines() if not x.startswith("#")]
    for number, line in enumerate(lines, 1):
        bcsq = dict(i.split("=", 1) for i in line.split("\t")[7].split(";") if "=" in i).get("BCSQ")
        if not bcsq:
            continue
        best = None
        for entry in bcsq.split(","):
            p = [*entry.split("|"), "", ""]
            impact = min((impact_of(t) for t in p[0].lstrip("*").split("&")), key=IMPACT_ORDER.index)
            key = (preferred.rank(p[2]) if p[2] else 2, IMPACT_ORDER.index(impact))
            if best is None or key < best[0]:
                best = (key, p[2], impact)
        found[number] = (best[1], best[2])
    return found


def test_one_row_per_variant_is_the_preferred_transcripts(job):
    explorer, result, preferred = job
    expected = _expected(result, preferred)
    rows, after = [], None
    while True:
        page = explorer.page(Filter(pick=True), limit=500, after=after)
        rows += page.rows
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert len(rows) == result.summary.variants  # one per variant
    picked = {r.record: (r.transcript, r.impact) for r in rows if r.record in expected}
    assert picked == expected
    assert sum(1 for t, _ in expected.values() if t.endswith("X")) > 20  # the copy was preferred, often
    assert sum(1 for t, _ in expected.values() if t and not t.endswith("X")) > 20
    assert all(r.preferred == "MANE_Select" for r in rows if r.transcript)


def test_pick_combines_with_filters_and_exports(job):
    explorer, _, _ = job
    f = Filter.of(MultiDict([("pick", "1"), ("impact", "MODERATE")]))
    assert f.pick and ("pick", "1") in f.args()
    rows = explorer.page(f, limit=500).rows
    assert rows and all(r.impact == "MODERATE" for r in rows)
    assert len({r.record for r in rows}) == len(rows)
    tsv = "".join(explorer.tsv(f)).splitlines()
    assert len(tsv) - 1 == explorer.counts(f).rows == len(rows)


def test_an_hgvs_job_puts_each_transcripts_notation_on_its_row(tmp_path):
    write_bundle(GENOME, tmp_path / "ref", reference_id="gas-hgvs", assembly="GAStest", source="test")
    source = write_vcf(GENOME, tmp_path / "in.vcf", 3000, seed=6)
    result = annotate(source, "in.vcf", tmp_path / "ref", tmp_path / "out", hgvs=True)
    explorer = Explorer(VariantIndex(result.files["explore"]))
    assert explorer.has_hgvs
    lines = [x for x in result.files["plain_vcf"].read_text().splitlines() if not x.startswith("#")]
    names = {}  # (record, transcript) -> (c, p), from the VCF's GASHGVS
    for number, line in enumerate(lines, 1):
        value = dict(i.split("=", 1) for i in line.split("\t")[7].split(";") if "=" in i).get("GASHGVS", "")
        for entry in filter(None, value.split(",")):
            transcript, c, p = entry.split("|")
            names[(number, transcript)] = (c, p)
    rows, after = [], None
    while True:
        page = explorer.page(Filter(), limit=500, after=after)
        rows += page.rows
        if not page.next_cursor:
            break
        after = page.next_cursor
    with_transcript = [r for r in rows if r.transcript]
    assert with_transcript and all((r.hgvs_c, r.hgvs_p) == names[(r.record, r.transcript)] for r in with_transcript)
    assert all(r.hgvs_c == "" for r in rows if not r.transcript)
    assert any(r.hgvs_p.startswith("p.") for r in rows)
    missense = explorer.page(Filter(terms=("missense",)), limit=5).rows
    assert all(r.hgvs_p and not r.hgvs_p.endswith("=") for r in missense)
    assert explorer.counts(Filter(text=missense[0].hgvs_c)).rows >= 1  # the notation can be searched for
