"""The count pass (Summariser): numpy over blocks of csq's output, checked against counting record by record."""

import random
from collections import Counter

import pytest

from annotator.engine.report import summary as summary_module
from annotator.engine.report.summary import Flanks, GeneIndex, Summariser, _terms, _worst, region

GENES = GeneIndex(
    starts={"chr1": [10_000, 30_000], "chr2": [5_000]},
    genes={"chr1": [(10_000, 20_000, "+", "GENE1"), (30_000, 40_000, "-", "GENE2")],
           "chr2": [(5_000, 9_000, "+", "GENE3")]},
)
ENTRIES = ["missense|GENE1|TX1|protein_coding|+|12A>12T|100C>T", "intron|GENE1|TX1|protein_coding|+",
           "synonymous|GENE2|TX2|protein_coding|-|5L|200G>A", "splice_region&intron|GENE2|TX2|protein_coding|-",
           "*stop_gained|GENE3|TX3|protein_coding|+|7Q>7*|300C>T", "@12345",
           "missense|GENE1|TX4|protein_coding|+|12A>12S|100C>A", "5_prime_utr|GENE2|TX5|protein_coding|-"]


def _records(rng: random.Random, count: int, annotated: float) -> list[tuple[str, int, str]]:
    rows = []
    for chrom in ("chr1", "chr2"):
        for pos in sorted(rng.sample(range(1, 50_000), count // 2)):
            if rng.random() < annotated:
                info = "BCSQ=" + ",".join(rng.sample(ENTRIES, rng.choice([1, 1, 1, 2, 3])))
                info = rng.choice([info, f"DP=10;{info}", f"{info};AF=0.5"])
            else:
                info = rng.choice([".", "DP=3", "XBCSQ=1"])  # no BCSQ key, or one that only ends like it
            rows.append((chrom, pos, info))
    return rows


def _expected(rows: list[tuple[str, int, str]]) -> tuple[Counter, Counter, Counter, Counter]:
    """Record by record, the plain way."""
    by_region, by_term, by_impact, genes = Counter(), Counter(), Counter(), Counter()
    for chrom, pos, info in rows:
        bcsq = next((item[5:] for item in info.split(";") if item.startswith("BCSQ=")), "")
        if not bcsq:
            found = GENES.flank(chrom, pos)
            where = found[0] if found else "intergenic"
            by_region[where] += 1
            by_term[where] += 1
            by_impact["MODIFIER"] += 1
            continue
        terms = _terms(tuple(bcsq.split(",")))
        names = {t for t, _, _ in terms}
        by_region[region(names)] += 1
        by_term.update(names)
        by_impact[_worst(names)] += 1
        genes.update({g for _, g, _ in terms if g})
    return by_region, by_term, by_impact, genes


@pytest.mark.parametrize(("seed", "annotated", "mask_bits"),
                         [(1, 0.5, 62), (2, 0.0, 62), (3, 1.0, 62), (4, 0.9, 62), (5, 0.1, 62), (6, 0.9, 2)])
def test_counts_in_blocks_are_the_counts_record_by_record(seed, annotated, mask_bits, monkeypatch):
    monkeypatch.setattr(summary_module, "MASK_BITS", mask_bits)  # 2: more kinds than bits, record by record
    rng = random.Random(seed)
    rows = _records(rng, 3000, annotated)
    counter = Summariser(Flanks(GENES))
    lines = [f"{chrom}\t{pos}\t.\tA\tC\t50\tPASS\t{info}\n" for chrom, pos, info in rows]
    cut = 0
    while cut < len(lines):  # blocks of uneven size, some all annotated or all bare
        size = rng.randint(1, 700)
        counter.feed("".join(lines[cut: cut + size]).encode())
        cut += size
    summary = counter.result()
    by_region, by_term, by_impact, genes = _expected(rows)
    assert summary.variants == len(rows)
    assert summary.by_region == by_region and summary.by_consequence == by_term
    assert summary.by_impact == by_impact and summary.genes == genes


def test_flank_pieces_label_every_position_as_the_nearest_gene_does():
    flanks = Flanks(GENES)
    for chrom in ("chr1", "chr2", "chr3"):
        for pos in range(1, 50_000, 7):
            assert flanks.label(chrom, pos) == GENES.flank(chrom, pos), (chrom, pos)


def test_the_flanks_cache_is_used_when_fresh_and_made_again_when_not(tmp_path):
    gff3 = tmp_path / "genes.gff3"
    gff3.write_text("##gff-version 3\nchr1\tGAS\tgene\t10000\t20000\t.\t+\t.\tID=gene:1;Name=GENE1\n")
    cache = tmp_path / ".gas-flanks-v1.json"
    made = Flanks.cached(gff3, cache)
    assert cache.exists() and made.label("chr1", 9000) == ("upstream", "GENE1")
    cache.write_text("{not json")  # a broken cache is made again, not trusted
    assert Flanks.cached(gff3, cache).label("chr1", 21000) == ("downstream", "GENE1")
    assert '"breaks"' in cache.read_text()
