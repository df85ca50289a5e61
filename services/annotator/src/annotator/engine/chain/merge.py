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
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np
import pysam
from numpy.typing import NDArray
from pysam.libcbgzf import BGZFile

from .. import alleles
from ..check.columns import BASE, NEWLINE, TAB, UPPER, Ints, _within, contig_runs, whole_numbers
from ..report.summary import KNOWN_TERMS

SEMICOLON = 59

SELF_CHECK_FAILED = 3
# zlib level 3, not bgzip's 6: a third of the time for files a fifth larger (50 MB of text: 0.32 s, not 0.71).
COMPRESSION = cast(Any, "wb3")
RECORD, OLD = "GASREC=", "GASOLD="
NORM_LINE = ('##INFO=<ID=GASNORM,Number=.,Type=String,Description="ALTs that GAS annotated in their normalised '
             'form (left-aligned, trimmed, split), as ALT_INDEX|POS|REF|ALT: the consequences in BCSQ are those of '
             'that form">')
# The EOF marker bgzip writes at the end of every file: taken off the header's part before the body follows.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
DECLARED = re.compile(r"^##(INFO|FORMAT|FILTER|contig)=<ID=([^,>]+)")
KEY_BYTES = re.compile(rb";([^=;]+)")
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
class Used:
    """What the body uses, to repair the header with."""

    info: set[str] = field(default_factory=set)
    format_keys: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    contigs: set[str] = field(default_factory=set)

    def add(self, block: _Block) -> None:
        self.contigs.update(block.chrom)
        self.filters.update(block.filters)
        self.format_keys.update(block.formats)
        self.info.update(k for k in block.info_keys() if k != ".")


class Merger:
    """User records in, in order; csq's pieces in, in csq's order; merged records out, in the user's order.

    A Python statement per record would cost more than bcftools csq itself, so records go by the block: numpy
    finds the columns, each record's count of annotatable ALTs and each piece's record number and BCSQ; a
    record with one plain ALT whose one piece came back unchanged (the usual case) is spliced from slices.
    Anything else (several ALTs, an ALT normalisation changed, a BCSQ the upload already had) is merged one
    record at a time (`_merged`), by the same rules.
    """

    def __init__(self, out: Writer, plain: Writer | None):
        self._out, self._plain = out, plain
        self.header: list[str] = []
        self.header_done = False
        self.columns = 0
        self._blocks: deque[_Block] = deque()
        self._pieces: dict[int, list[Piece]] = {}  # pieces of the records merged one at a time
        self._simple_nums = np.zeros(0, dtype=np.int64)  # unchanged one-ALT pieces waiting, by record number
        self._simple_bcsq: list[bytes] = []
        self.records_in = self.records_out = self.moved = 0
        self.used = Used()

    # -- the user's records ---------------------------------------------------------------------------------

    def original(self, line: str) -> None:
        """One line of the originals (header or record); `originals` takes whole blocks."""
        if not self.header_done:
            self._header_line(line)
        elif line:
            self.originals((line + "\n").encode())

    def _header_line(self, line: str) -> None:
        self.header.append(line)
        if line.startswith("#CHROM"):
            self.header_done, self.columns = True, line.count("\t") + 1

    def originals(self, data: bytes) -> None:
        """Whole lines of the originals; header lines first, as the validator wrote them."""
        while not self.header_done and data:
            cut = data.index(b"\n") + 1
            self._header_line(data[: cut - 1].decode())
            data = data[cut:]
        if data:
            block = _Block.of(data, self.columns, self.records_in + 1)
            self.records_in += len(block.starts)
            self._blocks.append(block)
            self.used.add(block)

    # -- csq's pieces ---------------------------------------------------------------------------------------

    def piece(self, line: str) -> None:
        """One record of csq's output: CHROM POS ID REF ALT . . INFO; `pieces` takes whole blocks."""
        self.pieces((line + "\n").encode())

    def pieces(self, data: bytes) -> None:
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == NEWLINE)
        starts = np.concatenate(([0], ends[:-1] + 1))
        tabs = np.flatnonzero(a == TAB)
        if len(tabs) != 7 * len(ends):
            raise SelfCheckError("bcftools csq wrote a record with other than 8 columns")
        info = tabs.reshape(len(ends), 7)[:, 6] + 1
        tagged = np.frombuffer(RECORD.encode(), dtype=np.uint8)
        if len(ends) and not (a[np.minimum(info[:, None] + np.arange(len(tagged)), len(a) - 1)] == tagged).all():
            bad = data[starts[0]: ends[0]].decode(errors="replace")
            raise SelfCheckError(f"bcftools csq returned a record without {RECORD[:-1]}: {bad[:200]}")
        semis = np.append(np.flatnonzero(a == SEMICOLON), len(a))
        first = semis[np.searchsorted(semis, info)]  # the ';' after GASREC=n (or past the end)
        number_end = np.minimum(first, ends)
        numbers = whole_numbers(a, info + len(tagged), number_end - info - len(tagged))
        if numbers is None:
            raise SelfCheckError("bcftools csq returned a record whose GASREC is not a number")
        old = (first < ends) & (a[np.minimum(first + 1, len(a) - 1)] == ord("G"))  # GASOLD= follows GASREC=
        for i in np.flatnonzero(old).tolist():
            self._complex_piece(data[starts[i]: ends[i]].decode(), int(numbers[i]))
        simple = ~old
        last = semis[np.searchsorted(semis, ends) - 1]  # the last ';' of each line: BCSQ= follows it, if any
        has = simple & (last > info) & (last < ends) & _at(a, last + 1, b"BCSQ=")
        spans = zip(np.where(has, last + 6, 0).tolist(), np.where(has, ends, 0).tolist(), strict=True)
        values = [data[b:e] for (b, e), keep in zip(spans, simple.tolist(), strict=True) if keep]
        self._simple_nums = np.concatenate((self._simple_nums, numbers[simple]))
        self._simple_bcsq += values

    def _complex_piece(self, line: str, number: int) -> None:
        fields = line.split("\t")
        old, bcsq = "", ""
        for item in fields[7].split(";"):
            if item.startswith(OLD):
                old = item[len(OLD):]
            elif item.startswith("BCSQ="):
                bcsq = item[5:]
        parts = old.split("|")
        sent = int(parts[4]) if len(parts) > 4 else 1
        self._pieces.setdefault(number, []).append(Piece(sent, (fields[1], fields[3], fields[4]), True, bcsq))

    # -- merged records out ---------------------------------------------------------------------------------

    def drain(self) -> None:
        """Write every waiting record whose pieces have all come back, in order."""
        while self._blocks:
            block = self._blocks[0]
            done = self._write(block)
            if block.cursor < len(block.starts) or not done:
                return
            self._blocks.popleft()

    def _write(self, block: _Block) -> bool:
        """Writes the records of `block` from its cursor on that are complete; False if it stopped at one
        that is not."""
        c = block.cursor
        # Only records up to the last piece come back can be ready, and the records with nothing to annotate
        # right after them: the rest of the block waits.
        newest = max(int(self._simple_nums[-1]) if len(self._simple_nums) else 0, max(self._pieces, default=0))
        end = c + int(np.searchsorted(block.nums[c:], newest, side="right"))
        after = np.flatnonzero(block.k[end:] != 0)
        end += int(after[0]) if len(after) else len(block.k) - end
        nums, k, one_by_one = block.nums[c:end], block.k[c:end], block.one_by_one[c:end]
        arrived = np.isin(nums, self._simple_nums)  # an unchanged one-ALT piece has come back
        ready = (k == 0) | arrived
        stop = len(ready)
        for i in np.flatnonzero(~ready).tolist():  # changed or several ALTs: have all their pieces come?
            if len(self._pieces.get(int(nums[i]), ())) < int(k[i]):
                stop = i
                break
        if stop == 0:
            return False
        taking = arrived[:stop]
        at = np.searchsorted(self._simple_nums, nums[:stop][taking])
        values = iter([self._simple_bcsq[i] for i in at.tolist()])
        consumed = int(np.searchsorted(self._simple_nums, nums[stop - 1], side="right"))
        if consumed != len(at):
            raise SelfCheckError("a piece came back for a record that had nothing to annotate")
        self._simple_nums = self._simple_nums[consumed:]
        self._simple_bcsq = self._simple_bcsq[consumed:]
        data, take = block.data, slice(c, c + stop)
        # The output is the block's bytes with edits: where BCSQ goes (replacing an empty INFO's '.'), and whole
        # lines for the records merged one at a time. Between edits the bytes are the user's, untouched.
        starts, ends, info_e = block.starts[take].tolist(), block.ends[take].tolist(), block.info_e[take].tolist()
        empty, alone, counts = block.empty_info[take].tolist(), one_by_one[:stop].tolist(), k[:stop].tolist()
        cut_from: list[int] = []
        cut_to: list[int] = []
        inserts: list[bytes] = []
        for i, simple in enumerate(taking.tolist()):
            if simple and not alone[i]:
                bcsq = next(values)
                if bcsq:
                    ie = info_e[i]
                    cut_from.append(ie - 1 if empty[i] and data[ie - 1: ie] == b"." else ie)
                    cut_to.append(ie)
                    inserts.append(b"BCSQ=" + bcsq if empty[i] else b";BCSQ=" + bcsq)
            elif counts[i]:
                number = int(nums[i])
                got = self._pieces.pop(number, [])
                if simple:
                    got.append(Piece(1, ("", "", ""), False, next(values).decode()))
                cut_from.append(starts[i])
                cut_to.append(ends[i] + 1)
                inserts.append(self._merged(data[starts[i]: ends[i]].decode(), number, got).encode())
        self._emit(data, starts[0], ends[-1] + 1, cut_from, cut_to, inserts)
        block.cursor += stop
        self.records_out += stop
        return block.cursor == len(block.k)

    def _emit(self, data: bytes, begin: int, end: int, cut_from: list[int], cut_to: list[int],
              inserts: list[bytes]) -> None:
        """data[begin:end] with each [cut_from, cut_to) replaced by its insert, to the outputs."""
        parts: list[bytes] = []
        here = begin
        for start, stop, text in zip(cut_from, cut_to, inserts, strict=True):
            parts += (data[here:start], text)
            here = stop
        parts.append(data[here:end])
        out = b"".join(parts)
        self._out.write(out)
        if self._plain:
            self._plain.write(out)

    def _merged(self, line: str, number: int, got: list[Piece]) -> str:
        fields = line.split("\t")
        indices, _ = alleles.annotatable(int(fields[1]), fields[3], fields[4])
        if len(got) > len(indices):
            raise SelfCheckError(f"record {number}: {len(got)} annotated ALTs came back for {len(indices)} sent")
        got.sort(key=lambda p: p.sent)
        alts = fields[4].split(",")
        bcsq = ",".join(p.bcsq for p in got if p.bcsq)
        moved = []
        for p in got:
            index = indices[p.sent - 1]
            if p.moved and p.where != (fields[1], fields[3].upper(), alts[index].upper()):
                moved.append(f"{index + 1}|{'|'.join(p.where)}")
        info = fields[7]
        had = "BCSQ=" in info or "GASNORM=" in info
        if not bcsq and not moved and not had:
            return line + "\n"
        added = ([f"BCSQ={bcsq}"] if bcsq else []) + ([f"GASNORM={','.join(moved)}"] if moved else [])
        self.moved += bool(moved)
        kept = [] if info in (".", "") else [i for i in info.split(";") if not i.startswith(("BCSQ=", "GASNORM="))]
        fields[7] = ";".join(kept + added) or "."
        return "\t".join(fields) + "\n"

    def flush(self) -> None:
        """Kept for callers that write in batches: every merged record is written as it is merged."""

    def finish(self) -> None:
        self.drain()
        if self._blocks or self._pieces or len(self._simple_nums):
            waiting = self._blocks[0].nums[self._blocks[0].cursor] if self._blocks else None
            left = waiting if waiting is not None else (min(self._pieces) if self._pieces else self._simple_nums[0])
            raise SelfCheckError(f"record {int(left)}: its consequences did not all come back from bcftools csq")
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


def _at(a: NDArray[np.uint8], where: Ints, text: bytes) -> NDArray[np.bool_]:
    """Whether `text` stands at each of `where` in `a`."""
    pattern = np.frombuffer(text, dtype=np.uint8)
    idx = np.minimum(where[:, None] + np.arange(len(pattern)), len(a) - 1)
    return (a[idx] == pattern).all(axis=1) if len(where) else np.zeros(0, dtype=bool)


@dataclass
class _Block:
    """Whole record lines of the originals, cut by numpy."""

    data: bytes
    starts: Ints
    ends: Ints  # the newline of each line
    info_s: Ints
    info_e: Ints
    nums: Ints
    k: Ints  # annotatable ALTs of each record
    one_by_one: NDArray[np.bool_]  # merged one record at a time
    empty_info: NDArray[np.bool_]  # INFO is '.' or empty
    chrom: list[str]
    filters: list[str]
    formats: list[str]
    cursor: int = 0

    @classmethod
    def of(cls, data: bytes, columns: int, first: int) -> _Block:
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == NEWLINE)
        starts = np.concatenate(([0], ends[:-1] + 1))
        tabs = np.flatnonzero(a == TAB)
        if len(tabs) != len(ends) * (columns - 1):
            raise SelfCheckError("an original record does not have the header's number of columns")
        t = tabs.reshape(len(ends), columns - 1)
        info_s, info_e = t[:, 6] + 1, (t[:, 7] if columns > 8 else ends)
        ref_s, ref_len, alt_s, alt_len = t[:, 2] + 1, t[:, 3] - t[:, 2] - 1, t[:, 3] + 1, t[:, 4] - t[:, 3] - 1
        n = len(ends)
        pos_is_zero = (t[:, 1] - t[:, 0] == 2) & (a[np.minimum(t[:, 0] + 1, len(a) - 1)] == ord("0"))
        alt_flat = a[np.repeat(alt_s, alt_len) + _within(alt_len)]
        record_of = np.repeat(np.arange(n), alt_len)
        odd = np.zeros(n, dtype=bool)
        odd[record_of[~BASE[alt_flat]]] = True  # commas, symbols, '.', '<', '*': not one plain ALT
        same = ~odd & (ref_len == alt_len)
        one = same & (ref_len == 1)
        same[one] = UPPER[a[ref_s[one]]] == UPPER[a[alt_s[one]]]
        for i in np.flatnonzero(same & (ref_len > 1)).tolist():  # MNPs: rare
            same[i] = data[ref_s[i]: ref_s[i] + ref_len[i]].upper() == data[alt_s[i]: alt_s[i] + alt_len[i]].upper()
        k = np.where(odd | same | pos_is_zero, -1, 1)
        one_by_one = k == -1
        for i in np.flatnonzero(one_by_one).tolist():
            fields = data[starts[i]: ends[i]].decode().split("\t", 5)
            k[i] = len(alleles.annotatable(int(fields[1]), fields[3], fields[4])[0])
        # A record whose INFO already has our tags is merged one at a time, which replaces them.
        for match in re.finditer(rb"(?:\t|;)(?:BCSQ|GASNORM)=", data):
            one_by_one[int(np.searchsorted(ends, match.start()))] = True
        one_by_one &= k > 0
        empty_info = (info_e == info_s) | ((info_e - info_s == 1) & (a[np.minimum(info_s, len(a) - 1)] == ord(".")))
        chrom_runs = contig_runs(data, a, starts, t[:, 0] - starts) or []
        filters = {data[b + 1: e] for b, e in zip(t[:, 5].tolist(), t[:, 6].tolist(), strict=True)}
        formats = {data[b + 1: e] for b, e in zip(t[:, 7].tolist(), (t[:, 8] if columns > 9 else ends).tolist(),
                                                   strict=True)} if columns > 8 else set()
        return cls(data, starts, ends, info_s, info_e, np.arange(first, first + n), k, one_by_one, empty_info,
                   [c for c, _, _ in chrom_runs], sorted(f.decode() for f in filters),
                   sorted(f.decode() for f in formats))

    def info_keys(self) -> set[str]:
        """Every INFO key the block's records use."""
        data = self.data
        joined = b";" + b";".join([data[b:e] for b, e, none in zip(
            self.info_s.tolist(), self.info_e.tolist(), self.empty_info.tolist(), strict=True) if not none])
        return {k.decode() for k in set(KEY_BYTES.findall(joined))}
class Originals:
    """The user's records as the validator writes them: whatever whole lines the file holds so far."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self._carry = b""

    def poll(self) -> bytes:
        data = self._carry + self._file.read()
        cut = data.rfind(b"\n") + 1
        self._carry = data[cut:]
        return data[:cut]

    def close(self) -> None:
        if self._carry:
            raise SelfCheckError("the originals end in the middle of a line")
        self._file.close()


def _csq_blocks(size: int = 1 << 20) -> Iterator[bytes]:
    """csq's output on stdin, whole lines a block at a time."""
    carry = b""
    stdin = cast(io.BufferedReader, sys.stdin.buffer)
    while chunk := stdin.read1(size):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield data[:cut]
    if carry:
        yield carry + b"\n"


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


def _counter(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """The counting process, fed csq's records through a pipe."""
    return subprocess.Popen([sys.executable, "-m", "annotator.engine.chain.count", "--gff3", str(args.gff3),
                             *(["--flanks", str(args.flanks)] if args.flanks else []), "--counts", str(args.counts)],
                            stdin=subprocess.PIPE, pipesize=1 << 20)


def _run(args: argparse.Namespace) -> int:
    counter = _counter(args)
    assert counter.stdin is not None
    body = args.out.with_name(args.out.name + ".body")
    plain_body = args.plain.with_name(args.plain.name + ".body") if args.plain else None
    csq_header: list[str] = []
    originals = Originals(args.originals)
    with BGZFile(str(body), COMPRESSION, None) as out, contextlib.ExitStack() as stack:
        plain = stack.enter_context(plain_body.open("wb")) if plain_body else None
        merger = Merger(out, plain)
        for block in _csq_blocks():
            records = block
            while records.startswith(b"#"):  # csq's header comes first
                cut = records.index(b"\n") + 1
                csq_header.append(records[: cut - 1].decode())
                records = records[cut:]
            if records:
                counter.stdin.write(records)
                merger.pieces(records)
            merger.originals(originals.poll())
            merger.drain()
        # csq has finished, so the validator has too (it closes the originals before csq's input): all is there.
        merger.originals(originals.poll())
        originals.close()
        counter.stdin.close()
        merger.finish()
    if counter.wait() != 0:
        raise RuntimeError(f"counting failed (exit {counter.returncode})")
    counts = json.loads(args.counts.read_text())
    _check_terms(counts["by_consequence"])
    header, repairs = merger.output_header(csq_header, json.loads(args.provenance))
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


def _check_terms(by_consequence: dict[str, int]) -> None:
    unknown = sorted(set(by_consequence) - KNOWN_TERMS)
    if unknown:
        raise SelfCheckError(f"consequence terms bcftools csq does not have: {', '.join(unknown)[:300]}")


if __name__ == "__main__":
    sys.exit(main())
