"""The engine's chain of processes gives the consequences bcftools itself gives, run by hand on the same file,
and keeps the user's records.

Files of several blocks (the validator and the merge work a megabyte at a time), plain and with a record that
bcftools norm must change placed late (so the chain restarts with norm in front and is fed what was checked
so far), against `bcftools norm | bcftools csq` run directly through pysam.
"""

import pysam
import pytest

from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import records

from .fidelity import assert_kept, assert_same_consequences, body

GENOME = generate(seed=5, contigs=(("chr1", 40), ("chr2", 40)))
CONTIGS = "".join(f"##contig=<ID={name},length={len(bases)}>\n" for name, bases in GENOME.contigs.items())
HEADER = f"##fileformat=VCFv4.2\n{CONTIGS}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref")
    write_bundle(GENOME, path, reference_id="gas-test-1", assembly="GAStest1", source="test")
    return path


@pytest.mark.parametrize("late_multiallelic", [False, True])
def test_the_chain_writes_what_bcftools_writes(reference, tmp_path, late_multiallelic):
    lines = list(records(GENOME, 80_000, seed=9))
    if late_multiallelic:  # past the first megabyte: the chain has already annotated a block without norm
        i = len(lines) * 3 // 4
        chrom, pos, _id, ref, alt, *rest = lines[i].rstrip("\n").split("\t")
        other = next(b for b in "ACGT" if b not in (ref[0], alt))
        lines[i] = "\t".join([chrom, pos, _id, ref[0], f"{alt[0] if len(alt) == 1 else 'T'},{other}", *rest]) + "\n"
    path = tmp_path / "in.vcf"
    path.write_text(HEADER + "".join(lines))
    assert path.stat().st_size > 2 << 20  # several blocks

    result = annotate(path, "in.vcf", reference, tmp_path / "out", job_id="j1")

    assert result.report.needs_norm is late_multiallelic
    assert_kept(path, result.files["vcf"])  # one record per input record, as it was, in order
    assert assert_same_consequences(reference, path, result.files["vcf"], tmp_path) > 10_000
    assert result.summary.variants == len(lines) + late_multiallelic  # the two ALTs were annotated apart
    ours = body(result.files["vcf"])
    with pysam.TabixFile(str(result.files["vcf"])) as indexed:  # the index finds records
        assert len(list(indexed.fetch("chr2"))) == sum(line.startswith("chr2\t") for line in ours)
    assert body(result.files["plain_vcf"]) == ours
