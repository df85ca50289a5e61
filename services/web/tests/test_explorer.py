"""The results explorer against counts computed independently from the annotated VCF.

A 120,000-record job (SNVs and indels over 100 genes on both strands, with rsIDs, three FILTER values, QUAL and
three samples' genotypes) is annotated by the real engine. The oracle reads the plain annotated VCF with
str.split, takes each record's BCSQ entries (and, for records csq left bare, the nearest gene from
GeneIndex.flank, the record-by-record reference rule), and answers every filter with plain Python. For each
kind of filter the explorer's counts, every page of its table, its chart, its TSV and its VCF export must
equal the oracle's.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from werkzeug.datastructures import MultiDict

from annotator.engine.pipeline import annotate
from annotator.engine.report.summary import GeneIndex
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import records
from gas_shared.contract.consequences import IMPACT_ORDER, TERMS, impact_of
from web.explorer.index import VariantIndex
from web.explorer.query import Explorer, Filter, FilterError, Region
from web.explorer.vcf import selected

RECORDS = 120_000
SAMPLES = ("NA12878", "NA12891", "NA12892")
FILTERS = ("PASS", "LowQual", "q10;LowDP")


@dataclass(frozen=True)
class OracleRow:
    record: int
    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    qual: str
    filter: str
    gene: str
    transcript: str
    biotype: str
    terms: frozenset[str]
    impact: str
    protein: str
    dna: str


def _write_input(genome, path: Path) -> None:
    rng = random.Random(5)
    with path.open("w") as out:
        out.write("##fileformat=VCFv4.2\n")
        for f in ("PASS", "LowQual", "q10", "LowDP"):
            out.write(f'##FILTER=<ID={f},Description="{f}">\n')
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        out.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
        for contig, seq in genome.contigs.items():
            out.write(f"##contig=<ID={contig},length={len(seq)}>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES) + "\n")
        for n, line in enumerate(records(genome, RECORDS, seed=3)):
            f = line.rstrip("\n").split("\t")
            f[2] = (f"rs{n + 1};COSV{n}" if n % 30 == 0 else f"rs{n + 1}") if n % 3 == 0 else "."
            f[5] = "." if rng.random() < 0.05 else f"{rng.randint(1, 999)}.5"
            f[6] = rng.choices(FILTERS, weights=(8, 1, 1))[0]
            genotypes = [rng.choice(("0/0", "0/1", "1/1", "./.")) + f":{rng.randint(1, 60)}" for _ in SAMPLES]
            out.write("\t".join([*f, "GT:DP", *genotypes]) + "\n")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer")
    genome = generate(seed=17, contigs=(("chr1", 40), ("chr2", 30), ("chr3", 30)))
    write_bundle(genome, root / "ref", reference_id="gas-test-explorer", assembly="GAStest", source="test")
    _write_input(genome, root / "input.vcf")
    result = annotate(root / "input.vcf", "input.vcf", root / "ref", root / "out", job_id="t")
    oracle = _oracle(result.files["plain_vcf"], root / "ref" / "genes.gff3")
    return Explorer(VariantIndex(result.files["explore"])), oracle, result


def _oracle(plain: Path, gff3: Path) -> list[OracleRow]:
    genes = GeneIndex.from_gff3(gff3)
    rows: list[OracleRow] = []
    number = 0
    with plain.open() as vcf:
        for line in vcf:
            if line.startswith("#"):
                continue
            number += 1
            f = line.rstrip("\n").split("\t")
            info = dict(item.split("=", 1) for item in f[7].split(";") if "=" in item)
            common = (number, f[0], int(f[1]), f[2], f[3], f[4], f[5], f[6])
            if "BCSQ" not in info:
                found = genes.flank(f[0], int(f[1]))
                where, gene = found if found else ("intergenic", "")
                rows.append(OracleRow(*common, gene, "", "", frozenset({where}), "MODIFIER", "", ""))
                continue
            for entry in info["BCSQ"].split(","):
                p = [*entry.split("|"), "", "", "", "", "", "", ""]
                terms = frozenset(p[0].lstrip("*").split("&"))
                impact = min((impact_of(t) for t in terms), key=IMPACT_ORDER.index)
                rows.append(OracleRow(*common, p[1], p[2], p[3], terms, impact, p[5], p[6]))
    return rows


def _matches(row: OracleRow, f: Filter) -> bool:
    if f.genes and row.gene.lower() not in {g.lower() for g in f.genes}:
        return False
    if f.terms and not row.terms & set(f.terms):
        return False
    if f.impacts and row.impact not in f.impacts:
        return False
    if f.region and not (row.chrom == f.region.chrom and f.region.start <= row.pos <= f.region.end):
        return False
    if f.ids and not {i.lower() for i in row.id.split(";")} & {i.lower() for i in f.ids}:
        return False
    if f.filters and not {v.lower() for v in row.filter.split(";")} & {v.lower() for v in f.filters}:
        return False
    for word in f.text.lower().split():
        fields = (row.gene, row.transcript, row.protein, row.dna, row.id)
        if not (any(word in x.lower() for x in fields) or any(word.replace(" ", "_") in t for t in row.terms)):
            return False
    return True


def _expected(rows: list[OracleRow]) -> dict:
    by_record: dict[int, list[OracleRow]] = {}
    for r in rows:
        by_record.setdefault(r.record, []).append(r)
    terms, impacts, genes, worst = Counter(), Counter(), Counter(), {}
    for group in by_record.values():
        for t in {t for r in group for t in r.terms}:
            terms[t] += 1
        impacts[min((r.impact for r in group), key=IMPACT_ORDER.index)] += 1
        for g in {r.gene for r in group if r.gene}:
            genes[g] += 1
        for r in group:
            if r.gene:
                worst[r.gene] = min(worst.get(r.gene, "MODIFIER"), r.impact, key=IMPACT_ORDER.index)
    return {"rows": len(rows), "variants": len(by_record), "records": len(by_record), "by_consequence": dict(terms),
            "by_impact": dict(impacts), "genes": dict(genes), "worst": worst}


FILTER_CASES = {
    "none": {},
    "gene": {"gene": ["GENE7"]},
    "gene list, any case": {"gene": ["gene3, GENE12\nGENE40 GENE99"]},
    "consequence": {"consequence": ["missense"]},
    "consequences, written with spaces": {"consequence": ["stop gained", "frameshift", "splice_donor"]},
    "impact": {"impact": ["HIGH", "MODERATE"]},
    "region": {"region": ["chr2:10,000-26000"]},
    "whole contig": {"region": ["chr3"]},
    "id": {"id": ["rs10, rs2000 rs1;COSV300", "rs2"]},
    "FILTER": {"filter": ["LowDP"]},
    "free text": {"q": ["gene1"]},
    "free text, two words": {"q": ["missense GASG0000"]},
    "combined": {"gene": ["GENE5,GENE6,GENE20"], "impact": ["LOW", "MODIFIER"], "filter": ["PASS"]},
}


@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_counts_table_chart_and_exports_equal_the_oracle(job, case):
    explorer, oracle, result = job
    f = Filter.of(MultiDict([(k, v) for k, vs in FILTER_CASES[case].items() for v in vs]))
    want = [r for r in oracle if _matches(r, f)]
    expected = _expected(want)
    assert want, "a case that matches nothing proves little"

    counts = explorer.counts(f, genes=10_000)
    assert (counts.rows, counts.variants, counts.records) == (expected["rows"], expected["variants"],
                                                              expected["records"])
    assert counts.by_consequence == expected["by_consequence"]  # the chart's bars
    assert counts.by_impact == expected["by_impact"]
    assert {g["gene"]: g["variants"] for g in counts.genes} == expected["genes"]
    assert {g["gene"]: g["worst_impact"] for g in counts.genes} == expected["worst"]

    # Every page, to the end: the rows in position order are the oracle's, in its order.
    seen, after = [], None
    while True:
        page = explorer.page(f, "position", after=after, limit=500)
        assert page.total == len(want) and page.offset == len(seen)
        seen += page.rows
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert [(r.record, r.gene, r.transcript, frozenset(r.consequence), r.protein_change) for r in seen] == \
        [(r.record, r.gene, r.transcript, r.terms, r.protein) for r in want]
    assert all((r.chrom, r.pos, r.id, r.ref, r.alt, r.filter) == (o.chrom, o.pos, o.id, o.ref, o.alt, o.filter)
               for r, o in zip(seen, want, strict=True))

    lines = "".join(explorer.tsv(f, chunk=7000)).splitlines()
    assert lines[0].split("\t") == ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "gene", "transcript",
                                    "biotype", "consequence", "impact", "protein_change", "dna_change", "known_id",
                                    "clinical", "frequency", "regions", "hgvs_c", "hgvs_p"]
    assert lines[1:] == ["\t".join((r.chrom, str(r.pos), r.id, r.ref, r.alt, r.qual, r.filter, r.gene, r.transcript,
                                    r.biotype, "&".join(t for t in TERMS if t in r.terms), r.impact, r.protein, r.dna,
                                    "", "", "", "", "", ""))  # a reference without tracks, no HGVS asked
                         for r in want]

    chunks = [result.files["vcf"].read_bytes()[i: i + 65536] for i in range(0, result.files["vcf"].stat().st_size,
                                                                             65536)]
    vcf = b"".join(selected(chunks, explorer.records(f))).decode().splitlines()
    body = [line for line in vcf if not line.startswith("#")]
    assert vcf[0] == "##fileformat=VCFv4.2" and any(line.startswith("#CHROM") for line in vcf)
    records = sorted({(r.record, r.chrom, r.pos) for r in want})
    assert [(line.split("\t")[0], int(line.split("\t")[1])) for line in body] == [(c, p) for _, c, p in records]


def test_the_vcf_export_is_the_users_records_that_match(job):
    explorer, oracle, result = job
    f = Filter(genes=("GENE9",))
    wanted = sorted({r.record for r in oracle if _matches(r, f)})
    plain = [line for line in result.files["plain_vcf"].read_text().splitlines() if not line.startswith("#")]
    vcf = b"".join(selected([result.files["vcf"].read_bytes()], explorer.records(f))).decode().splitlines()
    assert [line for line in vcf if not line.startswith("#")] == [plain[n - 1] for n in wanted]


@pytest.mark.parametrize("sort", ["impact", "gene"])
def test_sorts_keep_every_row_once_in_the_key_order(job, sort):
    explorer, oracle, _ = job
    f = Filter(region=Region("chr1", 1, 400_000))
    want = [r for r in oracle if _matches(r, f)]
    seen, after = [], None
    while True:
        page = explorer.page(f, sort, after=after, limit=333)
        seen += page.rows
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert sorted((r.record, r.transcript, r.gene) for r in seen) == sorted((r.record, r.transcript, r.gene)
                                                                            for r in want)
    if sort == "impact":
        keys = [IMPACT_ORDER.index(r.impact) for r in seen]
    else:
        keys = [(r.gene == "", r.gene.lower()) for r in seen]
    assert keys == sorted(keys)


def test_pages_go_back_and_to_the_last_one(job):
    explorer, oracle, _ = job
    f = Filter(impacts=("HIGH",))
    total = sum(1 for r in oracle if _matches(r, f))
    last = explorer.page(f, limit=50, last=True)
    assert last.next_cursor is None and last.offset == max(0, total - 50) and len(last.rows) == total - last.offset
    before = explorer.page(f, limit=50, before=last.prev_cursor)
    assert before.offset == max(0, last.offset - 50)
    assert before.rows[-1].cursor != last.rows[0].cursor
    first = explorer.page(f, limit=50)
    assert first.prev_cursor is None and first.rows[0].cursor == explorer.page(f, limit=1).rows[0].cursor


def test_genotypes_and_qual_come_from_the_users_record(job):
    explorer, _, result = job
    plain = [line.split("\t") for line in result.files["plain_vcf"].read_text().splitlines()
             if not line.startswith("#")]
    for row in explorer.page(Filter(), limit=200).rows:
        record = plain[row.record - 1]
        assert row.genotypes == [(s, v.split(":")[0]) for s, v in zip(SAMPLES, record[9:], strict=True)]
        assert row.qual == (None if record[5] == "." else float(record[5]))


def test_counts_with_no_filter_are_the_jobs_summary(job):
    explorer, _, result = job
    counts = explorer.counts(Filter())
    summary = result.summary
    assert counts.variants == summary.variants == RECORDS
    assert counts.by_consequence == dict(summary.by_consequence)
    assert counts.by_impact == {k: v for k, v in summary.by_impact.items() if v}
    assert counts.genes_total == len(summary.genes)


@pytest.mark.parametrize("args, message", [
    ({"consequence": ["stop_gainedx"]}, "Unknown consequence"),
    ({"impact": ["SEVERE"]}, "Impact is one of"),
    ({"region": ["chr1:200-100"]}, "end must not be before"),
    ({"region": ["chr1:abc"]}, "chrom:start-end"),
    ({"q": ["x" * 300]}, "limited to"),
    ({"gene": [" ".join(f"G{i}" for i in range(2500))]}, "At most"),
])
def test_bad_filters_say_what_to_change(args, message):
    with pytest.raises(FilterError, match=message):
        Filter.of(MultiDict([(k, v) for k, vs in args.items() for v in vs]))


def test_multi_allelic_and_moved_records_are_one_variant_per_alt(tmp_path):
    from annotator.synthetic.bundle import write_demo_bundle

    write_demo_bundle(tmp_path / "ref")
    lines = (tmp_path / "ref" / "sample.vcf").read_text().splitlines()
    body = [line.split("\t") for line in lines if not line.startswith("#")]
    snv = next(f for f in body if len(f[3]) == len(f[4]) == 1)
    third = next(b for b in "ACGT" if b not in (snv[3], snv[4]))
    snv[4] = f"{snv[4]},{third}"
    (tmp_path / "in.vcf").write_text("\n".join([*(line for line in lines if line.startswith("#")),
                                                *("\t".join(f) for f in body)]) + "\n")
    result = annotate(tmp_path / "in.vcf", "in.vcf", tmp_path / "ref", tmp_path / "out")
    explorer = Explorer(VariantIndex(result.files["explore"]))
    number = next(i for i, f in enumerate(body, 1) if f[4].count(",") == 1)
    rows = [r for r in explorer.page(Filter(region=Region(snv[0], int(snv[1]), int(snv[1]))), limit=500).rows
            if r.record == number]
    assert sorted({r.alt for r in rows}) == sorted(snv[4].split(","))
    counts = explorer.counts(Filter(region=Region(snv[0], int(snv[1]), int(snv[1]))))
    assert counts.records == 1 and counts.variants == 2
    assert explorer.index.meta["variants"] == len(body) + 1 and explorer.index.meta["records"] == len(body)
    kept = b"".join(selected([result.files["vcf"].read_bytes()], explorer.records(
        Filter(region=Region(snv[0], int(snv[1]), int(snv[1])))))).decode().splitlines()
    assert [line.split("\t")[4] for line in kept if not line.startswith("#")] == [snv[4]]
    assert np.all(np.diff(explorer.index.arrays["row_variant"]) >= 0)


def test_ids_match_whole_ids_only(job):
    explorer, _, _ = job
    found = {r.id for r in explorer.page(Filter(ids=("rs1", "COSV30")), limit=500).rows}
    assert found == {"rs1;COSV0", "rs31;COSV30"}
    assert {r.id for r in explorer.page(Filter(ids=("rs2",)), limit=500).rows} == set()  # rs2 has no ID: n % 3
    assert all(re.search(r"(^|;)rs4($|;)", r.id) for r in explorer.page(Filter(ids=("RS4",)), limit=500).rows)


def test_an_index_gas_cannot_read_is_refused_with_a_reason(tmp_path, job):
    from web.explorer.index import IndexError_

    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(IndexError_, match="cannot be read"):
        VariantIndex(tmp_path / "junk.npz")
    import json
    import zipfile

    with zipfile.ZipFile(tmp_path / "old.npz", "w") as archive, archive.open("meta.npy", "w") as member:
        np.lib.format.write_array(member, np.array(json.dumps({"version": 0})))
    with pytest.raises(IndexError_, match="version 0"):
        VariantIndex(tmp_path / "old.npz")
