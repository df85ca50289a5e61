"""Installing a real assembly: a bundle from a FASTA and an Ensembl-style GFF3."""

import gzip
import shutil

import pysam

from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from gas_shared.contract.bundle import Manifest
from gas_tools.bundles import build_bundle


def test_a_bundle_builds_from_a_fasta_and_a_gzipped_gff3(tmp_path):
    """As for GRCh38 from Ensembl: a FASTA and a .gff3.gz, by path or file:// URL."""
    source = tmp_path / "source"
    write_bundle(generate(), source, reference_id="x", assembly="x", source="x")
    with (source / "genes.gff3").open("rb") as plain, gzip.open(tmp_path / "genes.gff3.gz", "wb") as zipped:
        shutil.copyfileobj(plain, zipped)
    bundle = tmp_path / "bundle"
    manifest = build_bundle(bundle, reference_id="demo-copy", fasta=str(source / "genome.fa"),
                            gff3=f"file://{tmp_path / 'genes.gff3.gz'}", assembly="GASdemo1", source="test")
    assert Manifest.read(bundle) == manifest
    assert set(manifest.files) == {"genome.fa", "genome.fa.fai", "genes.gff3"}
    assert (bundle / "genes.gff3").read_text() == (source / "genes.gff3").read_text()
    with pysam.FastaFile(str(bundle / "genome.fa")) as fasta:
        assert list(fasta.references) == ["chr1", "chr2", "chr3"]


