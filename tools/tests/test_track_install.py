"""Installing an annotation track: the download resumes and is checked, the source is cut to the bundle's
contigs (named as the bundle names them), normalised against its FASTA, and attached to the manifest."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pysam
import pytest

from annotator.synthetic.bundle import write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.tracks import write_sources
from annotator.track_builder import TrackError, attach, contig_map, fetch
from gas_shared.contract.bundle import Manifest

BODY = bytes(range(256)) * 4000  # ~1 MB


class _Server:
    """Serves BODY, honouring Range (or not); the first full request can be cut half-way."""

    def __init__(self, *, ranges: bool = True, cut_first: bool = False):
        self.requests: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                wanted = self.headers.get("Range")
                server.requests.append(wanted)
                start = int(wanted[6:-1]) if wanted and ranges else 0
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(BODY) - start))
                self.end_headers()
                if cut_first and len(server.requests) == 1:
                    self.wfile.write(BODY[: len(BODY) // 2])
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(BODY[start:])

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/clinvar.vcf.gz"

    def close(self) -> None:
        self.httpd.shutdown()


def test_an_interrupted_download_resumes_where_it_stopped(tmp_path):
    server = _Server(cut_first=True)
    try:
        with pytest.raises(TrackError, match="run again to resume"):
            fetch(server.url, tmp_path / "s.gz")
        part = tmp_path / "s.gz.part"
        assert 0 < part.stat().st_size < len(BODY)
        got = fetch(server.url, tmp_path / "s.gz", sha256_hex=hashlib.sha256(BODY).hexdigest())
    finally:
        server.close()
    assert got.path.read_bytes() == BODY and not part.exists()
    assert server.requests == [None, f"bytes={len(BODY) // 2}-"]


def test_a_server_that_ignores_range_sends_it_whole_again(tmp_path):
    (tmp_path / "s.gz.part").write_bytes(b"stale bytes")
    server = _Server(ranges=False)
    try:
        got = fetch(server.url, tmp_path / "s.gz", md5_hex=hashlib.md5(BODY).hexdigest())
    finally:
        server.close()
    assert got.path.read_bytes() == BODY


def test_a_checksum_that_does_not_match_is_refused_and_the_download_dropped(tmp_path):
    server = _Server()
    try:
        with pytest.raises(TrackError, match="sha256"):
            fetch(server.url, tmp_path / "s.gz", sha256_hex="0" * 64)
    finally:
        server.close()
    assert not (tmp_path / "s.gz").exists() and not (tmp_path / "s.gz.part").exists()


def test_contig_names_are_mapped_to_the_bundles():
    bundle = ["chr1", "chr2", "chrM", "chrX"]
    assert contig_map(["1", "2", "MT", "X", "GL000192.1"], bundle) == {"1": "chr1", "2": "chr2", "MT": "chrM",
                                                                      "X": "chrX"}
    assert contig_map(["NC_000001.11"], bundle, {"NC_000001.11": "chr1"}) == {"NC_000001.11": "chr1"}
    assert contig_map(["chr1", "chrM"], ["1", "MT"]) == {"chr1": "1", "chrM": "MT"}


@pytest.fixture
def bundle(tmp_path):
    genome = generate()
    path = tmp_path / "bundle"
    write_bundle(genome, path, reference_id="t-1", assembly="GASdemo1", source="test")
    return genome, path, write_sources(genome, tmp_path / "sources", 400)


def test_a_clinvar_source_is_renamed_normalised_and_attached(bundle):
    genome, path, sources = bundle
    manifest = attach(path, sources["clinvar"], name="clinvar", kind="variants", fields=("ID", "CLNSIG"),
                      version="2026-11", origin="file://clinvar.vcf.gz")
    (track,) = manifest.tracks
    assert Manifest.read(path) == manifest
    assert track.fields == ("ID", "CLNSIG") and track.version == "2026-11"
    assert "Aggregate germline classification" in track.descriptions["CLNSIG"]
    assert set(manifest.files) >= {track.file, f"{track.file}.tbi"}
    with pysam.TabixFile(str(path / track.file)) as table:
        rows = [r.split("\t") for r in table.fetch("chr1")]  # ClinVar says '1': the bundle says chr1
    assert rows and all(len(r) == 6 for r in rows)
    for chrom, pos, ref, *_ in rows:  # every REF is the genome's
        assert genome.contigs[chrom][int(pos) - 1: int(pos) - 1 + len(ref)] == ref


def test_records_whose_ref_is_not_the_bundles_are_left_out(bundle):
    genome, path, sources = bundle
    manifest = attach(path, sources["gnomad"], name="gnomad", kind="variants", fields=("AF",), version="4.1",
                      origin="test")
    with pysam.TabixFile(str(path / manifest.tracks[0].file)) as table:
        rows = [r.split("\t") for c in genome.contigs for r in table.fetch(c)]
    assert not any(af == "0.9" for *_, af in rows)  # the decoys with a wrong REF
    assert len(rows) == 400  # 200 sites, two ALTs each, split


def test_a_field_the_source_lacks_is_a_clear_error(bundle):
    _, path, sources = bundle
    with pytest.raises(TrackError, match="no INFO field CLNSIGX"):
        attach(path, sources["clinvar"], name="clinvar", kind="variants", fields=("CLNSIGX",), version="1",
               origin="test")
    not_vcf = path.parent / "x.vcf"
    not_vcf.write_text("hello\n")
    with pytest.raises(TrackError, match="not a VCF"):
        attach(path, not_vcf, name="x", kind="variants", fields=("ID",), version="1", origin="test")


def test_a_bed_is_sorted_and_cut_to_the_bundles_contigs(bundle):
    _, path, _ = bundle
    bed = path.parent / "panel.bed"
    bed.write_text("track name=x\n2\t500\t900\tB\nchrUn_1\t1\t100\tU\n1\t100\t200\tA, left\nchr1\t50\t60\n")
    manifest = attach(path, bed, name="panel", kind="regions", fields=(), version="1", origin="test")
    with pysam.TabixFile(str(path / manifest.tracks[0].file)) as table:
        rows = [r for c in ("chr1", "chr2") for r in table.fetch(c)]
    assert rows == ["chr1\t50\t60\t.", "chr1\t100\t200\tA|_left", "chr2\t500\t900\tB"]


def test_two_variants_tracks_are_joined_into_one_table(bundle):
    genome, path, sources = bundle
    attach(path, sources["dbsnp"], name="dbsnp", kind="variants", fields=("ID",), version="1", origin="test")
    assert Manifest.read(path).combined == ""  # one track: nothing to join
    manifest = attach(path, sources["gnomad"], name="gnomad", kind="variants", fields=("AF",), version="4",
                      origin="test")
    assert manifest.combined and manifest.combined in manifest.files

    def rows(name):
        with pysam.TabixFile(str(path / name)) as table:
            return [r.split("\t") for c in genome.contigs for r in table.fetch(c)]

    dbsnp = {tuple(r[:4]): r[4] for r in reversed(rows(manifest.tracks[0].file))}  # the first of a repeat wins
    gnomad = {tuple(r[:4]): r[4] for r in reversed(rows(manifest.tracks[1].file))}
    joined = rows(manifest.combined)
    assert {tuple(r[:4]) for r in joined} == set(dbsnp) | set(gnomad)
    assert all(r[4] == dbsnp.get(tuple(r[:4]), ".") and r[5] == gnomad.get(tuple(r[:4]), ".") for r in joined)
    assert len(joined) == len({tuple(r[:4]) for r in joined})  # one row per allele
