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
import io
import json
import re
import shutil
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

import pysam
from pysam.libcbgzf import BGZFile

from .. import alleles
from ..report.summary import KNOWN_TERMS, Flanks, Summariser

SELF_CHECK_FAILED = 3
RECORD, OLD = "GASREC=", "GASOLD="
NORM_LINE = ('##INFO=<ID=GASNORM,Number=.,Type=String,Description="ALTs that GAS annotated in their normalised '
             'form (left-aligned, trimmed, split), as ALT_INDEX|POS|REF|ALT: the consequences in BCSQ are those of '
             'that form">')
# The EOF marker bgzip writes at the end of every file: taken off the header's part before the body follows.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
DECLARED = re.compile(r"^##(INFO|FORMAT|FILTER|contig)=<ID=([^,>]+)")
KEYS = re.compile(r"(?:^|;)([^=;]+)")
ASSUMED = {  # what htslib assumes of a tag the header never declared
    "INFO": '##INFO=<ID={},Number=.,Type=String,Description="Not declared in the uploaded header (added by GAS)">',
    "FORMAT": '##FORMAT=<ID={},Number=.,Type=String,Description="Not declared in the uploaded header (added by '
              'GAS)">',
    "FILTER": '##FILTER=<ID={},Description="Not declared in the uploaded header (added by GAS)">',
    "contig": "##contig=<ID={}>",
}


class Writer(Protocol):
    def write(self, data: bytes) -> int: ...


class SelfCheckError(Exception):
    """The merge's own output does not add up."""


@dataclass
class Piece:
    """One annotated ALT of a user's record, as csq returned it."""

    sent: int  # 1-based index among the ALTs sent for the record
    where: tuple[str, str, str]  # POS, REF, ALT as annotated
    moved: bool
    bcsq: str


@dataclass
class Waiting:
    number: int
    line: str
    fields: list[str]
    indices: list[int]  # the record's annotatable ALTs (0-based), in the order they were sent


@dataclass
class Used:
    """What the body uses, to repair the header with."""

    info: set[str] = field(default_factory=set)
    format_keys: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    contigs: set[str] = field(default_factory=set)


class Merger:
    """User records in, in order; csq's pieces in, in csq's order; merged records out, in the user's order."""

    def __init__(self, out: Writer, plain: Writer | None):
        self._out, self._plain = out, plain
        self.header: list[str] = []
        self.header_done = False
        self._waiting: deque[Waiting] = deque()
        self._pieces: dict[int, list[Piece]] = {}
        self.records_in = self.records_out = self.moved = 0
        self.used = Used()
        self._batch: list[str] = []

    def original(self, line: str) -> None:
        if not self.header_done:
            self.header.append(line)
            self.header_done = line.startswith("#CHROM")
            return
        if not line:
            return
        self.records_in += 1
        fields = line.split("\t", 9)
        indices, _ = alleles.annotatable(int(fields[1]), fields[3], fields[4])
        self._waiting.append(Waiting(self.records_in, line, fields, indices))
        self._use(fields)

    def _use(self, fields: list[str]) -> None:
        used = self.used
        used.contigs.add(fields[0])
        used.filters.add(fields[6])
        info = fields[7]
        if info != ".":
            used.info.update(KEYS.findall(info))
        if len(fields) > 8:
            used.format_keys.add(fields[8])

    def piece(self, line: str) -> None:
        """One record of csq's output: CHROM POS ID REF ALT . . INFO."""
        fields = line.split("\t")
        number, old, bcsq = 0, "", ""
        for item in fields[7].split(";"):
            if item.startswith(RECORD):
                number = int(item[len(RECORD):])
            elif item.startswith(OLD):
                old = item[len(OLD):]
            elif item.startswith("BCSQ="):
                bcsq = item[5:]
        if not number:
            raise SelfCheckError(f"bcftools csq returned a record without {RECORD[:-1]}: {line[:200]}")
        sent = 1
        if old:
            parts = old.split("|")
            sent = int(parts[4]) if len(parts) > 4 else 1
        self._pieces.setdefault(number, []).append(Piece(sent, (fields[1], fields[3], fields[4]), bool(old), bcsq))

    def drain(self) -> None:
        """Write every waiting record whose pieces have all come back, in order."""
        waiting, pieces = self._waiting, self._pieces
        while waiting:
            head = waiting[0]
            got = pieces.get(head.number)
            if len(got or ()) < len(head.indices):
                break
            waiting.popleft()
            if got is not None:
                del pieces[head.number]
            self._batch.append(self._merged(head, got or []))
            self.records_out += 1
            if len(self._batch) >= 4096:
                self.flush()

    def _merged(self, record: Waiting, got: list[Piece]) -> str:
        if not got:
            return record.line + "\n"
        if len(got) > len(record.indices):
            raise SelfCheckError(f"record {record.number}: {len(got)} annotated ALTs came back for "
                                 f"{len(record.indices)} sent")
        got.sort(key=lambda p: p.sent)
        fields = record.fields
        alts = fields[4].split(",")
        bcsq = ",".join(p.bcsq for p in got if p.bcsq)
        moved = []
        for p in got:
            index = record.indices[p.sent - 1]
            if p.moved and p.where != (fields[1], fields[3].upper(), alts[index].upper()):
                moved.append(f"{index + 1}|{'|'.join(p.where)}")
        if not bcsq and not moved:
            return record.line + "\n"
        added = ([f"BCSQ={bcsq}"] if bcsq else []) + ([f"GASNORM={','.join(moved)}"] if moved else [])
        self.moved += bool(moved)
        info = fields[7]
        kept = [] if info in (".", "") else [i for i in info.split(";") if not i.startswith(("BCSQ=", "GASNORM="))] \
            if "BCSQ=" in info or "GASNORM=" in info else [info]
        rest = ("\t" + "\t".join(fields[8:])) if len(fields) > 8 else ""
        return "\t".join(fields[:7]) + "\t" + ";".join(kept + added) + rest + "\n"

    def flush(self) -> None:
        if self._batch:
            data = "".join(self._batch).encode()
            self._out.write(data)
            if self._plain:
                self._plain.write(data)
            self._batch = []

    def finish(self) -> None:
        self.drain()
        self.flush()
        if self._waiting or self._pieces:
            left = self._waiting[0].number if self._waiting else min(self._pieces)
            raise SelfCheckError(f"record {left}: its consequences did not all come back from bcftools csq")
        if self.records_out != self.records_in:
            raise SelfCheckError(f"{self.records_in} records read but {self.records_out} written")

    def output_header(self, csq_lines: list[str], provenance: dict[str, str]) -> tuple[list[str], list[str]]:
        """The user's header with GAS's lines and repairs (before #CHROM), and the repairs alone."""
        declared: dict[str, set[str]] = {"INFO": set(), "FORMAT": set(), "FILTER": {"PASS"}, "contig": set()}
        kept = []
        for line in self.header[:-1]:
            found = DECLARED.match(line)
            if found:
                declared[found.group(1)].add(found.group(2))
                if found.group(1) == "INFO" and found.group(2) in ("BCSQ", "GASNORM"):
                    continue  # ours replace them
            if line.startswith("##GAS_"):
                continue
            kept.append(line)
        used = self.used
        wanted = {
            "INFO": used.info - {"BCSQ", "GASNORM"},
            "FORMAT": {k for f in used.format_keys for k in f.split(":") if k},
            "FILTER": {f for v in used.filters if v != "." for f in v.split(";")},
            "contig": used.contigs,
        }
        repairs = [ASSUMED[kind].format(name) for kind, names in wanted.items()
                   for name in sorted(names - declared[kind])]
        ours = [line for line in csq_lines if line.startswith("##INFO=<ID=BCSQ,")] + [NORM_LINE]
        ours += [f"##{key}={value}" for key, value in provenance.items()]
        return [*kept, *repairs, *ours, self.header[-1]], repairs


class Originals:
    """The user's records as the validator writes them: whatever whole lines the file holds so far."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self._carry = b""

    def poll(self) -> list[str]:
        data = self._carry + self._file.read()
        cut = data.rfind(b"\n") + 1
        self._carry = data[cut:]
        return data[: cut - 1].decode().split("\n") if cut else []

    def close(self) -> None:
        if self._carry:
            raise SelfCheckError("the originals end in the middle of a line")
        self._file.close()


def _csq_lines(size: int = 1 << 20) -> Iterator[list[str]]:
    """csq's output on stdin, whole lines (without their newlines) a batch at a time."""
    carry = b""
    stdin = cast(io.BufferedReader, sys.stdin.buffer)
    while chunk := stdin.read1(size):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield data[: cut - 1].decode().split("\n")
    if carry:
        yield [carry.decode()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.engine.chain.merge")
    parser.add_argument("--originals", type=Path, required=True)
    parser.add_argument("--gff3", type=Path, required=True)
    parser.add_argument("--flanks", type=Path)
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plain", type=Path)
    parser.add_argument("--provenance", default="{}", help="##KEY=VALUE lines for the output header, as JSON")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except SelfCheckError as e:
        print(f"self-check: {e}", file=sys.stderr)
        return SELF_CHECK_FAILED


def _run(args: argparse.Namespace) -> int:
    counter = Summariser(Flanks.cached(args.gff3, args.flanks), 8)
    body = args.out.with_name(args.out.name + ".body")
    plain_body = args.plain.with_name(args.plain.name + ".body") if args.plain else None
    csq_header: list[str] = []
    originals = Originals(args.originals)
    with BGZFile(str(body), "wb", None) as out, contextlib.ExitStack() as stack:
        plain = stack.enter_context(plain_body.open("wb")) if plain_body else None
        merger = Merger(out, plain)
        for lines in _csq_lines():
            records = []
            for line in lines:
                if line.startswith("#"):
                    csq_header.append(line)
                elif line:
                    merger.piece(line)
                    records.append(line)
            if records:
                counter.feed(("\n".join(records) + "\n").encode())
            for line in originals.poll():
                merger.original(line)
            merger.drain()
        # csq has finished, so the validator has too (it closes the originals before csq's input): all is there.
        for line in originals.poll():
            merger.original(line)
        originals.close()
        merger.finish()
    _check_terms(counter.result().by_consequence)
    header, repairs = merger.output_header(csq_header, json.loads(args.provenance))
    text = ("\n".join(header) + "\n").encode()
    _assemble(args.out, body, text)
    if args.plain and plain_body:
        with args.plain.open("wb") as final, plain_body.open("rb") as rest:
            final.write(text)
            shutil.copyfileobj(rest, final, 1 << 20)
        plain_body.unlink()
    pysam.tabix_index(str(args.out), preset="vcf", force=True, keep_original=True)
    args.counts.write_text(json.dumps({**counter.result().to_counts(), "merge": {
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


def _check_terms(by_consequence: dict[str, int]) -> None:
    unknown = sorted(set(by_consequence) - KNOWN_TERMS)
    if unknown:
        raise SelfCheckError(f"consequence terms bcftools csq does not have: {', '.join(unknown)[:300]}")


if __name__ == "__main__":
    sys.exit(main())
