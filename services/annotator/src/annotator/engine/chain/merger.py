"""The merge's core: user records in, in order; csq's pieces in, in csq's order; merged records out, in the
user's order, with BCSQ (and GASNORM where normalisation moved an ALT, and the tracks' tags where a track
matched) in their INFO."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.consequences import KNOWN_TERMS

from .. import alleles
from ..check.columns import NEWLINE, TAB, Ints, whole_numbers
from ..report.summary import info_values
from ..report.variant_index import RecordIndex
from ..transcripts import Preferred
from .records import BlockError, RecordBlock, ours_pattern

RECORD, OLD = "GASREC=", "GASOLD="
HGVS = "GASHGVS"  # the naming stage's tag (engine.chain.naming), when the user asked for HGVS
SELF_CHECK_FAILED = 3  # the merge's exit code when its own output does not add up
SEMICOLON = 59

NORM_LINE = ('##INFO=<ID=GASNORM,Number=.,Type=String,Description="ALTs that GAS annotated in their normalised '
             'form (left-aligned, trimmed, split), as ALT_INDEX|POS|REF|ALT: the consequences in BCSQ are those of '
             'that form">')
DECLARED = re.compile(r"^##(INFO|FORMAT|FILTER|contig)=<ID=([^,>]+)")
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
    tracks: dict[str, str] = field(default_factory=dict)  # what the tracks matched: tag -> value
    hgvs: str = ""  # the naming stage's GASHGVS, when the user asked for HGVS

    @classmethod
    def of(cls, sent: int, where: tuple[str, str, str], moved: bool, items: list[str]) -> Piece:
        """From the INFO items csq returned after GASREC (and GASOLD): the tracks' tags, GASHGVS, then BCSQ."""
        bcsq, hgvs, found = "", "", {}
        for item in items:
            key, _, value = item.partition("=")
            if key == "BCSQ":
                bcsq = value
            elif key == HGVS:
                hgvs = value
            elif key and key != OLD[:-1]:
                found[key] = value
        return cls(sent, where, moved, bcsq, found, hgvs)


@dataclass
class Used:
    """What the body uses, to repair the header with."""

    info: set[str] = field(default_factory=set)
    format_keys: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    contigs: set[str] = field(default_factory=set)

    def add(self, block: RecordBlock) -> None:
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

    def __init__(self, out: Writer, plain: Writer | None, index: RecordIndex | None = None,
                 tags: tuple[str, ...] = (), preferred: Preferred | None = None):
        self._out, self._plain, self._index = out, plain, index
        # The gene models' preferred transcripts, whose consequences go first (None: the models tag none).
        self._preferred = preferred if preferred and preferred.ranks else None
        self._tags = tags  # the tracks' INFO tags, in the order the chain adds them
        self._ours = ours_pattern(tags)
        self._replaced = ("BCSQ=", "GASNORM=", f"{HGVS}=", *(f"{tag}=" for tag in tags))  # INFO items ours replace
        self.header: list[str] = []
        self.header_done = False
        self.columns = 0
        self._blocks: deque[RecordBlock] = deque()
        self._pieces: dict[int, list[Piece]] = {}  # pieces of the records merged one at a time
        self._simple_nums = np.zeros(0, dtype=np.int64)  # unchanged one-ALT pieces waiting, by record number
        self._simple_bcsq: list[bytes] = []
        self.records_in = self.records_out = self.moved = 0
        self._merged_up_to = 0
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
            if self._index:
                self._index.header(line)

    def originals(self, data: bytes) -> None:
        """Whole lines of the originals; header lines first, as the validator wrote them."""
        while not self.header_done and data:
            cut = data.index(b"\n") + 1
            self._header_line(data[: cut - 1].decode())
            data = data[cut:]
        if data:
            try:
                block = RecordBlock.of(data, self.columns, self.records_in + 1, self._ours)
            except BlockError as e:
                raise SelfCheckError(str(e)) from None
            self.records_in += len(block.starts)
            self._blocks.append(block)
            self.used.add(block)
            if self._index:
                self._index.feed(block.data, block.starts, block.ends, block.tabs)

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
        tag = len(RECORD)
        if len(ends) and not _at(a, info, RECORD.encode()).all():
            bad = data[starts[0]: ends[0]].decode(errors="replace")
            raise SelfCheckError(f"bcftools csq returned a record without {RECORD[:-1]}: {bad[:200]}")
        semis = np.append(np.flatnonzero(a == SEMICOLON), len(a))
        first = semis[np.searchsorted(semis, info)]  # the ';' after GASREC=n (or past the end)
        number_end = np.minimum(first, ends)
        numbers = whole_numbers(a, info + tag, number_end - info - tag)
        if numbers is None:
            raise SelfCheckError("bcftools csq returned a record whose GASREC is not a number")
        old = (first < ends) & (a[np.minimum(first + 1, len(a) - 1)] == ord("G"))  # GASOLD= follows GASREC=
        for i in np.flatnonzero(old).tolist():
            self._complex_piece(data[starts[i]: ends[i]].decode(), int(numbers[i]))
        simple = ~old
        # What follows GASREC (the tracks' tags, then BCSQ), as it will stand in the user's INFO.
        has = simple & (first < ends)
        begin = np.where(has, first + 1, 0)
        spans = zip(begin.tolist(), np.where(has, ends, 0).tolist(), strict=True)
        values = [data[b:e] for (b, e), keep in zip(spans, simple.tolist(), strict=True) if keep]
        if self._preferred:  # BCSQ comes last: a value out of order is the payload up to it, then the new one
            line, value, value_end = info_values(a, ends, info, ends)
            place = np.cumsum(simple) - 1
            for i, ordered in self._preferred.reorder(a, value, value_end).items():
                at = int(line[i])
                if simple[at]:
                    values[int(place[at])] = data[int(begin[at]): int(value[i])] + ordered
        self._simple_nums = np.concatenate((self._simple_nums, numbers[simple]))
        self._simple_bcsq += values

    def _complex_piece(self, line: str, number: int) -> None:
        fields = line.split("\t")
        items = fields[7].split(";")[1:]  # after GASREC
        old = next((item[len(OLD):] for item in items if item.startswith(OLD)), "")
        parts = old.split("|")
        sent = int(parts[4]) if len(parts) > 4 else 1
        self._pieces.setdefault(number, []).append(Piece.of(sent, (fields[1], fields[3], fields[4]), True, items))

    # -- merged records out ---------------------------------------------------------------------------------

    def drain(self) -> None:
        """Write every waiting record whose pieces have all come back, in order."""
        while self._blocks:
            block = self._blocks[0]
            done = self._write(block)
            if block.cursor < len(block.starts) or not done:
                return
            self._blocks.popleft()

    @property
    def newest(self) -> int:
        """The highest record number a piece has come back for (and not yet been merged)."""
        return max(int(self._simple_nums[-1]) if len(self._simple_nums) else 0, max(self._pieces, default=0),
                   self._merged_up_to)

    def _write(self, block: RecordBlock) -> bool:
        """Writes the records of `block` from its cursor on that are complete; False if it stopped at one
        that is not."""
        c = block.cursor
        # Only records up to the last piece come back can be ready, and the records with nothing to annotate
        # right after them: the rest of the block waits.
        newest = self.newest
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
                added = next(values)
                if added:
                    ie = info_e[i]
                    cut_from.append(ie - 1 if empty[i] and data[ie - 1: ie] == b"." else ie)
                    cut_to.append(ie)
                    inserts.append(added if empty[i] else b";" + added)
            elif counts[i]:
                number = int(nums[i])
                got = self._pieces.pop(number, [])
                if simple:
                    got.append(Piece.of(1, ("", "", ""), False, next(values).decode().split(";")))
                cut_from.append(starts[i])
                cut_to.append(ends[i] + 1)
                inserts.append(self._merged(data[starts[i]: ends[i]].decode(), number, got).encode())
        self._emit(data, starts[0], ends[-1] + 1, cut_from, cut_to, inserts)
        block.cursor += stop
        self.records_out += stop
        self._merged_up_to = int(nums[stop - 1])
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
        bcsq = ",".join(self._preferred.ordered(p.bcsq) if self._preferred else p.bcsq for p in got if p.bcsq)
        moved = []
        for p in got:
            index = indices[p.sent - 1]
            if p.moved and p.where != (fields[1], fields[3].upper(), alts[index].upper()):
                moved.append(f"{index + 1}|{'|'.join(p.where)}")
        added = []
        for tag in self._tags:  # one value per ALT of the user's record, '.' where the ALT matched nothing
            values = ["."] * len(alts)
            for p in got:
                if tag in p.tracks:
                    values[indices[p.sent - 1]] = p.tracks[tag]
            if any(v != "." for v in values):
                added.append(f"{tag}={','.join(values)}")
        names = ",".join(p.hgvs for p in got if p.hgvs)  # each names its ALT
        added += ([f"{HGVS}={names}"] if names else [])
        added += ([f"BCSQ={bcsq}"] if bcsq else []) + ([f"GASNORM={','.join(moved)}"] if moved else [])
        info = fields[7]
        had = self._ours.search(("\t" + info).encode()) is not None
        if not added and not had:
            return line + "\n"
        self.moved += bool(moved)
        kept = [] if info in (".", "") else [i for i in info.split(";") if not i.startswith(self._replaced)]
        fields[7] = ";".join(kept + added) or "."
        return "\t".join(fields) + "\n"

    def finish(self) -> None:
        self.drain()
        if self._blocks or self._pieces or len(self._simple_nums):
            waiting = self._blocks[0].nums[self._blocks[0].cursor] if self._blocks else None
            left = waiting if waiting is not None else (min(self._pieces) if self._pieces else self._simple_nums[0])
            raise SelfCheckError(f"record {int(left)}: its consequences did not all come back from bcftools csq")
        if self.records_out != self.records_in:
            raise SelfCheckError(f"{self.records_in} records read but {self.records_out} written")

    def output_header(self, csq_lines: list[str], provenance: dict[str, str],
                      track_lines: Sequence[str] = ()) -> tuple[list[str], list[str]]:
        """The user's header with GAS's lines and repairs (before #CHROM), and the repairs alone."""
        ours_tags = {"BCSQ", "GASNORM", HGVS, *self._tags}
        declared: dict[str, set[str]] = {"INFO": set(), "FORMAT": set(), "FILTER": {"PASS"}, "contig": set()}
        kept = []
        for line in self.header[:-1]:
            found = DECLARED.match(line)
            if found:
                declared[found.group(1)].add(found.group(2))
                if found.group(1) == "INFO" and found.group(2) in ours_tags:
                    continue  # ours replace them
            if line.startswith("##GAS_"):  # the provenance of an earlier GAS run, tracks too
                continue
            kept.append(line)
        used = self.used
        wanted = {
            "INFO": used.info - ours_tags,
            "FORMAT": {k for f in used.format_keys for k in f.split(":") if k},
            "FILTER": {f for v in used.filters if v != "." for f in v.split(";")},
            "contig": used.contigs,
        }
        repairs = [ASSUMED[kind].format(name) for kind, names in wanted.items()
                   for name in sorted(names - declared[kind])]
        ours = [*track_lines, *(line for line in csq_lines if line.startswith(("##INFO=<ID=BCSQ,",
                                                                               f"##INFO=<ID={HGVS},"))), NORM_LINE]
        ours += [f"##{key}={value}" for key, value in provenance.items()]
        return [*kept, *repairs, *ours, self.header[-1]], repairs


def _at(a: NDArray[np.uint8], where: Ints, text: bytes) -> NDArray[np.bool_]:
    """Whether `text` stands at each of `where` in `a`."""
    pattern = np.frombuffer(text, dtype=np.uint8)
    idx = np.minimum(where[:, None] + np.arange(len(pattern)), len(a) - 1)
    return (a[idx] == pattern).all(axis=1) if len(where) else np.zeros(0, dtype=bool)



def check_terms(by_consequence: dict[str, int]) -> None:
    unknown = sorted(set(by_consequence) - KNOWN_TERMS)
    if unknown:
        raise SelfCheckError(f"consequence terms bcftools csq does not have: {', '.join(unknown)[:300]}")

