"""Variants placed at known positions of the synthetic reference get the consequence biology says they have.

Positions come from the gene model (codon n, donor site, UTR base...), never from a table of numbers, and
every kind is tried on a plus-strand gene (GENE1) and a minus-strand gene (GENE2).
"""

import itertools

import pysam
import pytest

from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import Gene, Genome, generate, revcomp

BASES = "ACGT"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODE = {"".join(c): a for c, a in zip(itertools.product("TCAG", repeat=3), _AMINO, strict=True)}
COMP = {"A": "T", "C": "G", "G": "C", "T": "A"}


def _coding(genome: Genome, gene: Gene, n: int) -> str:
    """Codon n as the transcript reads it."""
    bases = "".join(genome.base(gene.contig, p) for p in gene.codon(n))
    return bases if gene.strand == "+" else "".join(COMP[b] for b in bases)


def _snv(genome: Genome, gene: Gene, want) -> tuple[int, str, str]:
    """The first single-base change inside codons 3.. that turns codon `c` into `m` with want(c, m) true."""
    for n in range(3, gene.codons - 3):
        codon = _coding(genome, gene, n)
        for i, base in itertools.product(range(3), BASES):
            mutant = codon[:i] + base + codon[i + 1:]
            if mutant != codon and want(codon, mutant):
                pos = gene.codon(n)[i]
                alt = base if gene.strand == "+" else COMP[base]
                return pos, genome.base(gene.contig, pos), alt
    raise AssertionError("no such change in this gene")


def _point(genome: Genome, gene: Gene, pos: int) -> tuple[int, str, str]:
    ref = genome.base(gene.contig, pos)
    return pos, ref, "A" if ref != "A" else "C"


def _variants(genome: Genome, gene: Gene) -> dict[str, tuple[int, str, str]]:
    g, c = genome, gene.contig
    last = gene.codons
    variants = {
        "start_lost": _point(g, gene, gene.codon(1)[1]),
        "stop_gained": _snv(g, gene, lambda a, b: CODE[b] == "*"),
        "missense": _snv(g, gene, lambda a, b: CODE[b] not in ("*", CODE[a])),
        "synonymous": _snv(g, gene, lambda a, b: CODE[b] == CODE[a]),
        "splice_donor": _point(g, gene, gene.donor(1)[1]),
        "splice_acceptor": _point(g, gene, gene.acceptor(2)[0]),
        "5_prime_utr": _point(g, gene, gene.utr5[0].start + 10),
        "3_prime_utr": _point(g, gene, gene.utr3[0].start + 20),
    }
    # stop_lost: change the stop codon's first base so it codes for an amino acid
    stop = _coding(g, gene, last)
    base = next(b for b in BASES if CODE[b + stop[1:]] != "*")
    pos = gene.codon(last)[0]
    variants["stop_lost"] = (pos, g.base(c, pos), base if gene.strand == "+" else COMP[base])
    # splice_region: the 5th base of the first intron (donor +5)
    intron = gene.introns()[0]
    variants["splice_region"] = _point(g, gene, intron.start + 4 if gene.strand == "+" else intron.end - 4)
    middle = gene.introns()[1]
    variants["intron"] = _point(g, gene, (middle.start + middle.end) // 2)
    # Indels in the middle exon, at a codon boundary in transcript order.
    n = len(gene.cds_positions()) // 6
    codon = gene.codon(n)
    if gene.strand == "+":
        anchor = codon[2]  # insert after the codon's last base
        deleted_from = gene.codon(n + 1)[0] - 1  # delete codon n+1: anchor is the base before it
    else:
        anchor = codon[2] - 1  # genomically before the codon's last base
        deleted_from = gene.codon(n + 1)[2] - 1
    a = g.base(c, anchor)
    insert = "GCT" if gene.strand == "+" else revcomp("GCT")
    variants["inframe_insertion"] = (anchor, a, a + insert)
    variants["frameshift"] = (anchor, a, a + "G")
    d = g.contigs[c][deleted_from - 1: deleted_from + 3]
    variants["inframe_deletion"] = (deleted_from, d, d[0])
    return variants


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    genome = generate()
    base = tmp_path_factory.mktemp("consequences")
    write_bundle(genome, base / "ref", reference_id="gas-demo-1", assembly="GASdemo1", source="test")
    rows = []
    for name in ("GENE1", "GENE2"):
        gene = genome.gene(name)
        for kind, (pos, ref, alt) in _variants(genome, gene).items():
            rows.append((gene.contig, pos, f"{kind}:{name}", ref, alt))
    chr3 = genome.contigs["chr3"]
    rows.append(("chr3", len(chr3) - 100, "intergenic:none", chr3[-101], "A" if chr3[-101] != "A" else "C"))
    rows.sort(key=lambda r: (r[0], r[1]))
    vcf = base / "placed.vcf"
    with vcf.open("w") as f:
        f.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for row in rows:
            f.write("\t".join(map(str, row)) + "\t.\t.\t.\n")
    result = annotate(vcf, vcf.name, base / "ref", base / "out", job_id="test")
    found = {}
    with pysam.VariantFile(str(result.files["vcf"])) as out:
        for record in out:
            entries = record.info.get("BCSQ", ())
            found[record.id] = {t for e in entries for t in e.split("|")[0].split("&")}
    return found, result


KINDS = ["start_lost", "stop_gained", "stop_lost", "synonymous", "missense", "frameshift", "inframe_insertion",
         "inframe_deletion", "splice_donor", "splice_acceptor", "splice_region", "5_prime_utr", "3_prime_utr",
         "intron"]


@pytest.mark.parametrize("gene", ["GENE1", "GENE2"], ids=["plus-strand", "minus-strand"])
@pytest.mark.parametrize("kind", KINDS)
def test_placed_variant_has_its_consequence(annotated, kind, gene):
    found, _ = annotated
    assert kind in found[f"{kind}:{gene}"], found[f"{kind}:{gene}"]


def test_far_from_every_gene_is_intergenic(annotated):
    found, result = annotated
    assert found["intergenic:none"] == set()
    assert result.summary.by_region["intergenic"] == 1


def test_summary_counts_every_placed_variant(annotated):
    found, result = annotated
    assert result.summary.variants == len(found) == 2 * len(KINDS) + 1
    assert set(result.summary.genes) == {"GENE1", "GENE2"}
    assert result.summary.by_impact["HIGH"] >= 12  # start/stop lost/gained, frameshift, donor, acceptor x2
    by_region, by_term = result.summary.by_region, result.summary.by_consequence
    assert by_region["UTR"] == 4 and by_term["5_prime_utr"] == 2 and by_term["3_prime_utr"] == 2
    assert by_region["intronic"] == 2 and by_region["splice"] == 6 and by_region["CDS"] == 16
    log = result.files["log"].read_text()
    assert f"Variants annotated\t{len(found)}" in log and "intergenic\t1" in log
