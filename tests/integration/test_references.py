"""Reference bundles in the references bucket: install, list, and the annotator's checked disk cache."""

import subprocess
import sys

import pytest

from annotator.bundle_cache import BundleCache, UnknownReference
from annotator.synthetic.bundle import DEMO_ID, write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.tracks import write_sources
from gas_shared.contract.bundle import Manifest
from gas_shared.store.bundles import Bundles


def test_install_list_and_cache(aws, names, provisioned, tmp_path):
    s3 = aws.client("s3")
    bundles = Bundles(s3, names.bucket("references"))
    store = BundleCache(bundles, tmp_path / "cache")
    assert bundles.list() == []
    bundle = tmp_path / "bundle"
    manifest = write_bundle(generate(), bundle, reference_id="demo-x", assembly="GASdemo1", source="test")
    bundles.install(bundle)
    assert bundles.list() == [manifest]

    local = store.local("demo-x")
    assert (local / "genome.fa").read_bytes() == (bundle / "genome.fa").read_bytes()
    (local / "genes.gff3").write_text("damaged\n")  # a damaged cache is noticed and fetched again
    fresh = BundleCache(bundles, tmp_path / "cache")
    assert (fresh.local("demo-x") / "genes.gff3").read_bytes() == (bundle / "genes.gff3").read_bytes()
    with pytest.raises(UnknownReference):
        store.local("GRCh99")
    with pytest.raises(UnknownReference):
        store.local("../etc")


def test_install_demo_command_is_idempotent(aws_env, names, provisioned):
    env = {**aws_env, "GAS_PREFIX": names.prefix}
    command = [sys.executable, "-m", "gas_tools", "references"]
    first = subprocess.run([*command, "install-demo"], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([*command, "install-demo"], env=env, capture_output=True, text=True, check=True)
    listed = subprocess.run([*command, "list"], env=env, capture_output=True, text=True, check=True)
    assert f"installed {DEMO_ID}" in first.stdout
    assert "installed already" in again.stdout
    assert listed.stdout.startswith(f"{DEMO_ID}\tGASdemo1\t")


def test_install_track_attaches_it_and_annotators_fetch_only_the_new_files(aws, aws_env, names, provisioned,
                                                                         tmp_path):
    bundles = Bundles(aws.client("s3"), names.bucket("references"))
    genome = generate()
    write_bundle(genome, tmp_path / "bundle", reference_id="demo-t", assembly="GASdemo1", source="test")
    bundles.install(tmp_path / "bundle")
    store = BundleCache(bundles, tmp_path / "cache")
    fasta_before = (store.local("demo-t") / "genome.fa").stat().st_ino
    sources = write_sources(genome, tmp_path / "sources", 100)

    env = {**aws_env, "GAS_PREFIX": names.prefix}
    done = subprocess.run([sys.executable, "-m", "gas_tools", "references", "install-track", "--reference", "demo-t",
                           "--name", "clinvar", "--url", sources["clinvar"].as_uri(), "--fields", "ID,CLNSIG",
                           "--version", "2026-11", "--cache", str(tmp_path / "downloads")],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "attached clinvar 2026-11 (variants: ID, CLNSIG) to demo-t" in done.stdout
    (installed,) = bundles.list()
    assert [t.name for t in installed.tracks] == ["clinvar"]

    local = store.local("demo-t")  # the next job sees the track
    assert Manifest.read(local) == installed
    assert (local / installed.tracks[0].file).exists()
    assert (local / "genome.fa").stat().st_ino == fasta_before  # linked, not fetched again

    refused = subprocess.run([sys.executable, "-m", "gas_tools", "references", "install-track", "--reference",
                              "demo-t", "--name", "clinvar", "--url", sources["clinvar"].as_uri(), "--fields",
                              "NOPE", "--cache", str(tmp_path / "downloads")],
                             env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and "no INFO field NOPE" in refused.stderr and "Traceback" not in refused.stderr
