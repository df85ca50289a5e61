"""The engine's chain of processes writes what bcftools itself writes, run by hand on the same file.

Files of several blocks (the validator and the tee work a megabyte at a time), plain and with a record that
bcftools norm must change placed late (so the chain restarts with norm in front and is fed what was checked
so far), against `bcftools csq` (after `bcftools norm` when norm is needed) run directly through pysam.
"""

import gzip
import subprocess
import sys

import pysam
import pytest

from annotator.engine.pipeline import annotate
from annotator.synthetic.bundle import FASTA, GFF3, write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import records

GENOME = generate(seed=5, contigs=(("chr1", 40), ("chr2", 40)))
CONTIGS = "".join(f"##contig=<ID={name},length={len(bases)}>\n" for name, bases in GENOME.contigs.items())
HEADER = f"##fileformat=VCFv4.2\n{CONTIGS}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref")
    write_bundle(GENOME, path, reference_id="gas-test-1", assembly="GAStest1", source="test")
    return path


def _records(vcf_gz) -> list[str]:
    with gzip.open(vcf_gz, "rt") as f:
        return [line for line in f if not line.startswith("#")]


def _bcftools(*args: str) -> None:
    """A bcftools command through pysam, in a process of its own (csq keeps state between runs)."""
    subprocess.run([sys.executable, "-c", "import sys, pysam.bcftools as b; "
                    "getattr(b, sys.argv[1])(*sys.argv[2:], catch_stdout=False)", *args], check=True)


def _by_hand(reference, path, tmp_path, normalise: bool) -> list[str]:
    fasta, gff3 = str(reference / FASTA), str(reference / GFF3)
    source = path
    if normalise:
        source = tmp_path / "norm.bcf"
        _bcftools("norm", "-f", fasta, "-m", "-any", "-Ob", "-o", str(source), str(path))
    out = tmp_path / "by-hand.vcf.gz"
    _bcftools("csq", "-f", fasta, "-g", gff3, "-l", "-Oz", "-o", str(out), str(source))
    return _records(out)


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
    ours = _records(result.files["vcf"])
    assert ours == _by_hand(reference, path, tmp_path, late_multiallelic)
    assert len(ours) == len(lines) + late_multiallelic  # the two ALTs became two records
    assert result.summary.variants == len(ours)
    with pysam.TabixFile(str(result.files["vcf"])) as indexed:  # the index csq wrote finds records
        assert len(list(indexed.fetch("chr2"))) == sum(line.startswith("chr2\t") for line in ours)
    with result.files["plain_vcf"].open() as plain:
        assert [line for line in plain if not line.startswith("#")] == ours
