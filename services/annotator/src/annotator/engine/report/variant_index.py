"""The job's variant index (gas_shared.contract.variant_index), built as the job runs.

The counting process feeds `VariantIndex` the blocks Summariser has already cut (csq's records: one per
annotated ALT), and the merge feeds `RecordIndex` the user's records; each appends its columns to files in
a spool directory, so memory stays flat whatever the job's size. Once the merge's self-check has passed,
`pack` writes the spool as one uncompressed NumPy zip, streaming each column into its member.
"""

from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from gas_shared.contract.consequences import IMPACT_ORDER, TERMS, worst_impact
from gas_shared.contract.variant_index import SAMPLE_BYTES, VERSION

from ..check.columns import NEWLINE, Ints, _within, distinct, whole_numbers
from ..transcripts import Preferred
from .summary import Flanks, Parsed, info_values
from .tracks import Matched, Meanings

BIT = {term: 1 << i for i, term in enumerate(TERMS)}
assert len(TERMS) <= 32, "row_terms is a uint32 mask"
IMPACT_RANK = {impact: i for i, impact in enumerate(IMPACT_ORDER)}
RECORD_TAG = b"GASREC="


class Codes:
    """Strings numbered in the order first seen (the meta lists)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._code: dict[str, int] = {}

    def code(self, name: str) -> int:
        found = self._code.get(name)
        if found is None:
            found = self._code[name] = len(self.names)
            self.names.append(name)
        return found

    def of(self, names: list[str], local: Ints) -> NDArray[np.int32]:
        """Global codes for block-local codes (`local` indexes `names`); '' is -1."""
        table = np.array([self.code(n) if n else -1 for n in names] or [-1], dtype=np.int32)
        return table[local] if len(local) else np.zeros(0, dtype=np.int32)


class Spool:
    """Columns appended block by block to files of raw values in `folder`."""

    def __init__(self, folder: Path, part: str):
        self.folder, self._part = folder, part
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[bytes]] = {}
        self._dtypes: dict[str, str] = {}
        self._text_bytes: dict[str, int] = {}

    def add(self, name: str, values: NDArray[Any], dtype: str) -> None:
        if name not in self._files:
            self._files[name] = (self.folder / f"{name}.raw").open("wb")
            self._dtypes[name] = dtype
        self._files[name].write(np.ascontiguousarray(values, dtype=dtype).tobytes())

    def add_texts(self, name: str, a: NDArray[np.uint8], start: Ints, length: Ints) -> None:
        """The fields [start, start + length) of `a`, each followed by a newline."""
        width = length + 1
        flat = a[np.minimum(np.repeat(start, width) + _within(width), len(a) - 1)].copy() if len(a) else \
            np.zeros(0, dtype=np.uint8)
        ends = np.cumsum(width) - 1
        flat[ends] = NEWLINE
        before = self._text_bytes.get(name, 0)
        self.add(f"{name}_text", flat, "u1")
        self.add(f"{name}_end", ends + before, "i8")
        self._text_bytes[name] = before + len(flat)

    def add_strings(self, name: str, values: list[str]) -> None:
        """Python strings as a text column (no newline inside any)."""
        data = ("\n".join(values) + "\n").encode() if values else b""
        flat = np.frombuffer(data, dtype=np.uint8)
        self.add_texts(name, flat, np.concatenate(([0], np.flatnonzero(flat == NEWLINE)[:-1] + 1)).astype(np.int64)
                       if values else np.zeros(0, dtype=np.int64),
                       np.array([len(v.encode()) for v in values], dtype=np.int64))

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        (self.folder / f"{self._part}.dtypes.json").write_text(json.dumps(self._dtypes))
        self._files = {}


class VariantIndex:
    """The rows and variants tables, from csq's records (Summariser's blocks)."""

    def __init__(self, folder: Path, flanks: Flanks, meanings: Meanings | None = None,
                 preferred: Preferred | None = None, hgvs: bool = False):
        self._spool = Spool(folder, "variants")
        self._hgvs = hgvs  # the records carry GASHGVS: each row gets its transcript's c. and p.
        self._preferred = preferred or Preferred({})
        self._flanks = flanks
        self._meanings = meanings or Meanings()
        self.contigs, self.genes, self.transcripts, self.biotypes = Codes(), Codes(), Codes(), Codes()
        self.clinical = Codes()
        self._term_masks: dict[str, tuple[int, int]] = {}
        self.variants = self.rows = 0

    def feed(self, block: Parsed, found: Matched | None = None) -> None:
        a, t, n = block.a, block.tabs, len(block.ends)
        if not n:
            return
        if found:
            self._tracks(a, found)
        spool, base = self._spool, self.variants
        info = t[:, 6] + 1
        semis = np.append(np.flatnonzero(a == ord(";")), len(a))
        number_end = np.minimum(semis[np.searchsorted(semis, info)], block.ends)
        digits = number_end - info - len(RECORD_TAG)
        records = whole_numbers(a, info + len(RECORD_TAG), digits)
        if records is None:  # the merge checks GASREC too; the index must not guess
            raise ValueError("bcftools csq returned a record whose GASREC is not a number")
        spool.add("variant_record", records, "i4")
        chrom = np.zeros(n, dtype=np.int32)
        for name, first, end in block.contigs:
            chrom[first:end] = self.contigs.code(name)
        spool.add("variant_chrom", chrom, "i4")
        spool.add("variant_pos", block.positions, "i4")  # VCF's POS is at most 2^31 - 1
        spool.add_texts("variant_id", a, t[:, 1] + 1, t[:, 2] - t[:, 1] - 1)
        spool.add_texts("variant_ref", a, t[:, 2] + 1, t[:, 3] - t[:, 2] - 1)
        spool.add_texts("variant_alt", a, t[:, 3] + 1, t[:, 4] - t[:, 3] - 1)

        # Rows: every BCSQ entry of the annotated records, and one for each bare record, in variant order.
        e = block.entries
        masks, impacts = self._terms(block)
        genes = self.genes.of(*block.genes)
        transcripts, biotypes = self._features(a, e.field(block.pipes, 2)[0], e.field(block.pipes, 3)[1])
        protein, (dna_start, dna_end) = e.field(block.pipes, 5), e.field(block.pipes, 6)
        # An '@POS' entry (haplotype mode: the consequence is given at the record at POS) keeps its text as
        # the row's DNA change, so the explorer can point there.
        elsewhere = ~block.real
        dna = (np.where(elsewhere, e.start, dna_start), np.where(elsewhere, e.end, dna_end))
        variant = block.annotated[e.record]
        bare = np.ones(n, dtype=bool)
        bare[block.annotated] = False
        bare_variant = np.flatnonzero(bare)
        bare_mask, bare_gene = self._bare(block, bare)
        # Both lists rise by variant: each row's place in the merged list, without a sort.
        entry_at = np.arange(len(variant)) + np.searchsorted(bare_variant, variant)
        bare_at = np.arange(len(bare_variant)) + np.searchsorted(variant, bare_variant, side="right")
        rows = len(variant) + len(bare_variant)

        def merged(entries: NDArray[Any], bares: NDArray[Any] | int, dtype: str) -> NDArray[Any]:
            out = np.empty(rows, dtype=dtype)
            out[entry_at], out[bare_at] = entries, bares
            return out

        spool.add("row_variant", merged(variant, bare_variant, "i4") + base, "i4")
        spool.add("row_gene", merged(genes, bare_gene, "i4"), "i4")
        spool.add("row_transcript", merged(transcripts, -1, "i4"), "i4")
        spool.add("row_biotype", merged(biotypes, -1, "i4"), "i2")
        spool.add("row_terms", merged(masks, bare_mask, "i8"), "u4")
        spool.add("row_impact", merged(impacts, IMPACT_RANK["MODIFIER"], "i1"), "i1")
        for name, (s, f) in (("row_protein", protein), ("row_dna", dna)):
            spool.add_texts(name, a, merged(s, 0, "i8"), merged(f - s, 0, "i8"))
        if self._hgvs:
            self._names(block, variant, transcripts, entry_at, rows)
        self.variants += n
        self.rows += rows

    def _names(self, block: Parsed, variant: Ints, transcripts: NDArray[np.int32], entry_at: Ints,
               rows: int) -> None:
        """row_hgvs_c and row_hgvs_p: each row's transcript's notation from its record's GASHGVS (rows without a
        transcript, such as csq's merged intron rows and the bare ones, get none). Only in HGVS jobs, which
        spend a statement per transcript anyway."""
        a, t = block.a, block.tabs
        record, value, value_end = info_values(a, block.ends, t[:, 6] + 1, block.ends, b"GASHGVS")
        named: dict[int, dict[str, tuple[str, str]]] = {}
        for r, s, e in zip(record.tolist(), value.tolist(), value_end.tolist(), strict=True):
            found = named[r] = {}
            for entry in block.data[s:e].decode().split(","):
                parts = entry.split("|")
                if len(parts) == 3:
                    found[parts[0]] = (parts[1], parts[2])
        c, p = [""] * rows, [""] * rows
        names = self.transcripts.names
        for at, v, code in zip(entry_at.tolist(), variant.tolist(), transcripts.tolist(), strict=True):
            if code >= 0 and (hit := named.get(v, {}).get(names[code])):
                c[at], p[at] = hit
        self._spool.add_strings("row_hgvs_c", c)
        self._spool.add_strings("row_hgvs_p", p)

    def _tracks(self, a: NDArray[np.uint8], found: Matched) -> None:
        """The variants' columns of what the tracks matched (only those the bundle's tracks can fill)."""
        spool, meanings = self._spool, self._meanings
        if meanings.known:
            spool.add_texts("variant_known_id", a, found.known_start, found.known_length)
        if meanings.clinical:
            names, local = found.clinical
            codes = self.clinical.of(names, np.maximum(local, 0))
            spool.add("variant_clinical", np.where(local >= 0, codes, -1), "i4")
        if meanings.frequency:
            spool.add("variant_frequency", found.frequency, "f4")
        if meanings.panels:
            spool.add("variant_panels", found.panels, "u4")

    def _terms(self, block: Parsed) -> tuple[Ints, NDArray[np.int8]]:
        """Each entry's consequence as a bit mask over TERMS, and its worst impact's rank ('@POS' entries,
        reported at another record, have none)."""
        names, local = block.terms
        masks, ranks = np.zeros(len(names) or 1, dtype=np.int64), np.full(len(names) or 1, 3, dtype=np.int8)
        for i, name in enumerate(names):
            if name not in self._term_masks:
                terms = set(name.lstrip("*").split("&"))  # '*': downstream of a stop in the same haplotype
                self._term_masks[name] = (sum(BIT.get(term, 0) for term in terms), IMPACT_RANK[worst_impact(terms)])
            masks[i], ranks[i] = self._term_masks[name]
        out_masks = np.zeros(len(block.real), dtype=np.int64)
        out_ranks = np.full(len(block.real), IMPACT_RANK["MODIFIER"], dtype=np.int8)
        out_masks[block.real], out_ranks[block.real] = masks[local], ranks[local]
        return out_masks, out_ranks

    def _features(self, a: NDArray[np.uint8], start: Ints, end: Ints) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """Each entry's transcript and biotype codes, from one pass over the 'transcript|biotype' bytes (a
        transcript has one biotype, so there are no more distinct pairs than transcripts)."""
        names, local = distinct(a, start, end - start)
        transcripts = np.full(len(names) or 1, -1, dtype=np.int32)
        biotypes = np.full(len(names) or 1, -1, dtype=np.int32)
        for i, name in enumerate(names):
            transcript, _, biotype = name.partition("|")
            transcripts[i] = self.transcripts.code(transcript) if transcript else -1
            biotypes[i] = self.biotypes.code(biotype) if biotype else -1
        return (transcripts[local], biotypes[local]) if len(local) else (transcripts[:0], biotypes[:0])

    def _bare(self, block: Parsed, bare: NDArray[np.bool_]) -> tuple[Ints, NDArray[np.int32]]:
        """The region class (as a mask) and nearest gene of each record csq left bare."""
        masks, genes = [], []
        for chrom, first, end in block.contigs:
            on = bare[first:end]
            if not on.any():
                continue
            labels, piece = self._flanks.where(chrom, block.positions[first:end][on])
            used, local = np.unique(piece, return_inverse=True)
            mask = np.array([BIT[labels[p][0] if labels[p] else "intergenic"] for p in used.tolist()],
                            dtype=np.int64)
            gene = np.array([self.genes.code(labels[p][1]) if labels[p] else -1 for p in used.tolist()],
                            dtype=np.int32)
            masks.append(mask[local])
            genes.append(gene[local])
        if not masks:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        return np.concatenate(masks), np.concatenate(genes)

    def close(self) -> dict[str, Any]:
        """Closes the spool; the meta this part contributes."""
        self._spool.close()
        return {"variants": self.variants, "rows": self.rows, "contigs": self.contigs.names,
                "genes": self.genes.names, "transcripts": self.transcripts.names, "biotypes": self.biotypes.names,
                "transcript_rank": [self._preferred.rank(t) for t in self.transcripts.names],
                "clinical": self.clinical.names, "panels": list(self._meanings.panels),
                "known_tags": list(self._meanings.known), "frequency_tag": self._meanings.frequency}


class RecordIndex:
    """The records table, from the user's records as the merge reads them."""

    def __init__(self, folder: Path):
        self._spool = Spool(folder, "records")
        self.filters = Codes()
        self.samples: list[str] = []
        self.records = 0

    def header(self, chrom_line: str) -> None:
        self.samples = chrom_line.rstrip("\n").split("\t")[9:]

    def feed(self, data: bytes, starts: Ints, ends: Ints, tabs: Ints) -> None:
        """A block of whole record lines, cut (tabs: one row of the header's columns - 1 per record)."""
        a = np.frombuffer(data, dtype=np.uint8)
        n = len(starts)
        if not n:
            return
        qual_s, qual_e = tabs[:, 4] + 1, tabs[:, 5]
        names, local = distinct(a, qual_s, qual_e - qual_s)
        values = np.array([_qual(q) for q in names] or [math.nan], dtype=np.float32)
        self._spool.add("record_qual", values[local], "f4")
        filters, local = distinct(a, tabs[:, 5] + 1, tabs[:, 6] - tabs[:, 5] - 1)
        self._spool.add("record_filter", self.filters.of(filters, local), "i4")
        if tabs.shape[1] > 8:  # FORMAT and samples: all that follows the INFO column's tab
            begin = tabs[:, 7] + 1
            self._spool.add_texts("record_samples", a, begin, np.minimum(ends - begin, SAMPLE_BYTES))
        else:
            self._spool.add_texts("record_samples", a, starts, np.zeros(n, dtype=np.int64))
        self.records += n

    def close(self) -> dict[str, Any]:
        self._spool.close()
        return {"records": self.records, "filters": self.filters.names, "samples": self.samples}


def pack(folder: Path, out: Path, meta: dict[str, Any]) -> None:
    """Writes every spooled column in `folder` to `out` (an uncompressed .npz), with `meta`. A text column's
    offsets are spooled as int64 and stored as uint32 when they fit (they nearly always do): a third less to
    store, fetch and map."""
    dtypes: dict[str, str] = {}
    for part in folder.glob("*.dtypes.json"):
        dtypes.update(json.loads(part.read_text()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, dtype in sorted(dtypes.items()):
            raw = folder / f"{name}.raw"
            count = raw.stat().st_size // np.dtype(dtype).itemsize
            stored = dtype
            if name.endswith("_end") and count and _last(raw, dtype) < 2**32:
                stored = "u4"
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member, raw.open("rb") as values:
                np.lib.format.write_array_header_1_0(member, {
                    "descr": np.dtype(stored).str, "fortran_order": False, "shape": (count,)})
                if stored == dtype:
                    shutil.copyfileobj(values, member, 1 << 20)
                else:
                    while chunk := values.read(1 << 23):
                        member.write(np.frombuffer(chunk, dtype=dtype).astype(stored).tobytes())
        with archive.open("meta.npy", "w") as member:
            np.lib.format.write_array(member, np.array(json.dumps({"version": VERSION, **meta})))
    shutil.rmtree(folder, ignore_errors=True)


def _last(raw: Path, dtype: str) -> int:
    size = np.dtype(dtype).itemsize
    with raw.open("rb") as values:
        values.seek(-size, 2)
        return int(np.frombuffer(values.read(size), dtype=dtype)[0])


def _qual(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan

