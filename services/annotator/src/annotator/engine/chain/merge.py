"""`python -m annotator.engine.chain.merge --originals O --gff3 G --counts C --out OUT.vcf.gz [--plain P]`:
writes the consequences bcftools csq computed back into the user's own records.

csq's output (on stdin, VCF text) holds minimal records, one per annotatable ALT, each with the number of the
user's record it came from (INFO/GASREC) and, where bcftools norm changed it, the original (INFO/GASOLD, with
the ALT's index when a record was split). The user's records are in O, which the validator writes as it
reads and this process follows as it grows. Each user record is written once, in the input's order, with its
own CHROM, POS, REF, ALT and every field it had; its INFO gains BCSQ (every consequence of every annotated
ALT) and, where normalisation moved an ALT, GASNORM. The output header is the user's, with BCSQ, GASNORM, the
GAS provenance and any INFO, FORMAT, FILTER or contig the body uses but the header never declared.

Counting (Summariser, over csq's own lines) runs here too. Before it ends, the merge checks its own work:
every record in is a record out, every piece csq returned found its record, and every consequence term is
one bcftools csq has. A failed check is exit 3 with the reason: never a partial or altered output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pysam
from pysam.libcbgzf import BGZFile

from gas_shared.contract.bundle import Track

from ..report.variant_index import RecordIndex, pack
from ..transcripts import Preferred
from . import tracks as track_stages
from .count import stdin_lines
from .merger import SELF_CHECK_FAILED, Merger, SelfCheckError, check_terms

BLOCK_BYTES = 1 << 20
OVERREAD = 20_000  # records read ahead of the newest piece
# zlib level 3, not bgzip's 6: a third of the time for files a fifth larger (50 MB of text: 0.32 s, not 0.71).
COMPRESSION = cast(Any, "wb3")
# The EOF marker bgzip writes at the end of every file: taken off the header's part before the body follows.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


class Originals:
    """The user's records as the validator writes them: whatever whole lines the file holds so far."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self._carry = b""

    def poll(self, limit: int = -1) -> bytes:
        """Whole lines, about `limit` bytes at most (all there is with -1)."""
        data = self._carry + self._file.read(limit)
        cut = data.rfind(b"\n") + 1
        self._carry = data[cut:]
        return data[:cut]

    def close(self) -> None:
        if self._carry:
            raise SelfCheckError("the originals end in the middle of a line")
        self._file.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.merge")
    parser.add_argument("--originals", type=Path, required=True)
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path)
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plain", type=Path)
    parser.add_argument("--index", type=Path, help="the variant index to write (.explore.npz)")
    parser.add_argument("--provenance", default="{}", help="##KEY=VALUE lines for the output header, as JSON")
    parser.add_argument("--tracks", default="[]", help="the bundle's tracks the chain applies, as JSON")
    parser.add_argument("--hgvs", action="store_true", help="csq's records carry GASHGVS (the naming stage)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except SelfCheckError as e:
        print(f"self-check: {e}", file=sys.stderr)
        return SELF_CHECK_FAILED


def _spool(args: argparse.Namespace) -> Path | None:
    return args.index.with_name(args.index.name + ".spool") if args.index else None


def _counter(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """The counting process, fed csq's records through a pipe."""
    spool = _spool(args)
    return subprocess.Popen([sys.executable, "-m", "annotator.engine.chain.count", "--gff3", str(args.gff3),
                             *(["--flanks", str(args.flanks)] if args.flanks else []), "--counts", str(args.counts),
                             *(["--index", str(spool)] if spool else []), "--tracks", args.tracks,
                             *(["--hgvs"] if args.hgvs else [])],
                            stdin=subprocess.PIPE, pipesize=1 << 20)


def _run(args: argparse.Namespace) -> int:
    tracks = tuple(Track.of(t) for t in json.loads(args.tracks))
    counter = _counter(args)
    assert counter.stdin is not None
    body = args.out.with_name(args.out.name + ".body")
    plain_body = args.plain.with_name(args.plain.name + ".body") if args.plain else None
    csq_header: list[str] = []
    originals = Originals(args.originals)
    with BGZFile(str(body), COMPRESSION, None) as out, contextlib.ExitStack() as stack:
        plain = stack.enter_context(plain_body.open("wb")) if plain_body else None
        spool = _spool(args)
        record_index = RecordIndex(spool) if spool else None
        merger = Merger(out, plain, record_index, track_stages.tags(tracks),
                        Preferred.beside(args.gff3, args.flanks))
        for block in stdin_lines():  # csq's output
            records = block
            while records.startswith(b"#"):  # csq's header comes first
                cut = records.index(b"\n") + 1
                csq_header.append(records[: cut - 1].decode())
                records = records[cut:]
            if records:
                counter.stdin.write(records)
                merger.pieces(records)
            # The validator runs ahead of csq: read its records only as far as csq's pieces have come (and a
            # block more), so memory holds what is waiting to be merged, not the file.
            while merger.records_in <= merger.newest + OVERREAD and (more := originals.poll(BLOCK_BYTES)):
                merger.originals(more)
                merger.drain()
            merger.drain()
        # csq has finished, so the validator has too (it closes the originals before csq's input): all is there.
        merger.originals(originals.poll())
        originals.close()
        counter.stdin.close()
        merger.finish()
    if counter.wait() != 0:
        raise RuntimeError(f"counting failed (exit {counter.returncode})")
    counts = json.loads(args.counts.read_text())
    check_terms(counts["by_consequence"])
    if record_index and spool:  # only once the self-check has passed: an index never describes a bad output
        pack(spool, args.index, {**counts.pop("index"), **record_index.close()})
    header, repairs = merger.output_header(csq_header, json.loads(args.provenance), track_stages.output_lines(tracks))
    text = ("\n".join(header) + "\n").encode()
    _assemble(args.out, body, text)
    if args.plain and plain_body:
        with args.plain.open("wb") as final, plain_body.open("rb") as rest:
            final.write(text)
            shutil.copyfileobj(rest, final, 1 << 20)
        plain_body.unlink()
    pysam.tabix_index(str(args.out), preset="vcf", force=True, keep_original=True)
    args.counts.write_text(json.dumps({**counts, "merge": {
        "records_in": merger.records_in, "records_out": merger.records_out, "moved": merger.moved,
        "header_repairs": repairs}}))
    return 0


def _assemble(out: Path, body: Path, header: bytes) -> None:
    """OUT = the header as BGZF blocks of its own, then the body's blocks (BGZF is a run of gzip members)."""
    staged = out.with_name(out.name + ".header")
    with BGZFile(str(staged), "wb", None) as head:
        head.write(header)
    blocks = staged.read_bytes()
    with out.open("wb") as final, body.open("rb") as rest:
        final.write(blocks[: -len(BGZF_EOF)] if blocks.endswith(BGZF_EOF) else blocks)
        shutil.copyfileobj(rest, final, 1 << 20)
    staged.unlink()
    body.unlink()


if __name__ == "__main__":
    sys.exit(main())
