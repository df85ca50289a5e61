"""HGVS c. (or n.) and p. notation of a variant on a transcript, from the bundle's GFF3 and FASTA.

No well-kept library does this offline (biocommons/hgvs needs the UTA database over the network; pyhgvs has no
p. and is unmaintained), so it is done here, following the HGVS recommendations (varnomen.hgvs.org):

- c. numbering from the A of the start codon (c.1), c.-N into the 5' UTR, c.*N past the stop codon, and
  intronic c.N+k / c.N-k from the nearer exon (the first half of an intron counts from the exon before);
  n. for transcripts without a CDS;
- indels shifted to their most 3' place in the transcript's direction (the 3' rule), but never out of the
  exon or intron they are in; an insertion of the bases just 5' of it is a duplication; deletions are written
  without their bases (c.76_78del), substitutions of several bases as delins;
- p. for variants inside the CDS: missense (p.Arg97Gly), synonymous (p.Leu54=), nonsense (p.Gln45Ter), start
  lost (p.Met1?), stop lost (p.Ter110GlnextTer17), in-frame deletions, insertions, duplications and delins
  (shifted 3' in the protein), frameshifts with the new stop (p.Arg97ProfsTer23), read into the 3' UTR.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

CODONS = {
    a + b + c: aa for (a, b, c), aa in zip(
        [(x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"],
        "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG", strict=True)}
THREE = {"A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly",
         "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser",
         "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter", "X": "Xaa"}
COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
Fetch = Callable[[str, int, int], str]  # (contig, 0-based start, end) -> upper-case bases


def revcomp(seq: str) -> str:
    return seq.translate(COMPLEMENT)[::-1]


def translate(seq: str, *, to_stop: bool = False) -> str:
    out = []
    for i in range(0, len(seq) - 2, 3):
        aa = CODONS.get(seq[i:i + 3], "X")
        out.append(aa)
        if to_stop and aa == "*":
            break
    return "".join(out)


@dataclass(frozen=True)
class Transcript:
    """A transcript's exons (genomic, 1-based inclusive, ascending) and its CDS span (None if non-coding)."""

    id: str
    contig: str
    strand: str
    exons: tuple[tuple[int, int], ...]
    cds: tuple[int, int] | None

    @property
    def start(self) -> int:
        return self.exons[0][0]

    @property
    def end(self) -> int:
        return self.exons[-1][1]

    def _ordered(self) -> list[tuple[int, int]]:
        return list(self.exons) if self.strand == "+" else list(reversed(self.exons))

    def t_of(self, pos: int) -> int | None:
        """The 1-based position along the spliced transcript of a genomic position in an exon, else None."""
        done = 0
        for start, end in self._ordered():
            if start <= pos <= end:
                return done + (pos - start + 1 if self.strand == "+" else end - pos + 1)
            done += end - start + 1
        return None

    def _cds_t(self) -> tuple[int, int] | None:
        if not self.cds:
            return None
        five, three = (self.cds[0], self.cds[1]) if self.strand == "+" else (self.cds[1], self.cds[0])
        first, last = self.t_of(five), self.t_of(three)
        return (first, last) if first and last else None

    def _number(self, t: int) -> str:
        cds = self._cds_t()
        if not cds:
            return str(t)
        if t < cds[0]:
            return f"-{cds[0] - t}"
        if t > cds[1]:
            return f"*{t - cds[1]}"
        return str(t - cds[0] + 1)

    def coordinate(self, pos: int) -> str:
        """c. (or n.) coordinate of a genomic position inside the transcript's span."""
        t = self.t_of(pos)
        if t is not None:
            return self._number(t)
        ordered = self._ordered()
        for before, after in itertools.pairwise(ordered):
            # The intron between `before` and `after`, in transcript order.
            last_of_before = before[1] if self.strand == "+" else before[0]
            first_of_after = after[0] if self.strand == "+" else after[1]
            low, high = sorted((last_of_before, first_of_after))
            if low < pos < high:
                d5, d3 = abs(pos - last_of_before), abs(first_of_after - pos)
                t5, t3 = self.t_of(last_of_before), self.t_of(first_of_after)
                assert t5 is not None and t3 is not None
                return f"{self._number(t5)}+{d5}" if d5 <= d3 else f"{self._number(t3)}-{d3}"
        raise ValueError(f"{pos} is outside transcript {self.id}")

    def region(self, pos: int) -> tuple[int, int]:
        """The exon or intron that holds `pos` (genomic span), for the 3' shift's limits."""
        for start, end in self.exons:
            if start <= pos <= end:
                return start, end
        for (_, end), (start, _) in itertools.pairwise(self.exons):
            if end < pos < start:
                return end + 1, start - 1
        return pos, pos

    def spliced(self, fetch: Fetch) -> str:
        """The mature transcript's sequence, 5' to 3'."""
        seq = "".join(fetch(self.contig, s - 1, e) for s, e in self.exons)
        return seq if self.strand == "+" else revcomp(seq)


class Notation(NamedTuple):
    c: str  # 'c.76A>C', 'n.12del'
    p: str  # 'p.Lys26Gln', or '' where there is no protein effect to name


def notation(transcript: Transcript, pos: int, ref: str, alt: str, fetch: Fetch) -> Notation:
    """HGVS for a VCF-style variant (POS, REF, ALT: bases, upper case) on `transcript`."""
    # Trim the shared bases (VCF's anchor) to HGVS's minimal form: [start, end] replaced by `inserted`.
    prefix = 0
    while prefix < min(len(ref), len(alt)) and ref[prefix] == alt[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(ref), len(alt)) - prefix and ref[-1 - suffix] == alt[-1 - suffix]:
        suffix += 1
    deleted, inserted = ref[prefix: len(ref) - suffix], alt[prefix: len(alt) - suffix]
    start = pos + prefix  # first deleted base; for an insertion, the base after the insertion point
    end = start + len(deleted) - 1
    kind = "c" if transcript.cds else "n"
    forward = transcript.strand == "+"
    low, high = transcript.region(start if deleted else max(start - 1, 1))

    def bases(seq: str) -> str:
        return seq if forward else revcomp(seq)

    def at(p: int) -> str:
        return fetch(transcript.contig, p - 1, p)

    if deleted and inserted:
        if len(deleted) == len(inserted) == 1:
            text = f"{transcript.coordinate(start)}{bases(deleted)}>{bases(inserted)}"
        else:
            text = f"{_span(transcript, start, end)}delins{bases(inserted)}"
    elif deleted:  # the 3' rule: roll the deletion towards the transcript's 3' end, within its exon or intron
        if forward:
            while end + 1 <= high and at(end + 1) == at(start):
                start, end = start + 1, end + 1
        else:
            while start - 1 >= low and at(start - 1) == at(end):
                start, end = start - 1, end - 1
        text = f"{_span(transcript, start, end)}del"
    else:  # an insertion between start - 1 and start (genomic)
        seq = inserted
        if forward:
            while start <= high and at(start) == seq[0]:
                seq, start = seq[1:] + seq[0], start + 1
            before = fetch(transcript.contig, start - 1 - len(seq), start - 1)  # 5' of the point
            if before == seq:
                text = f"{_span(transcript, start - len(seq), start - 1)}dup"
            else:
                text = f"{_span(transcript, start - 1, start)}ins{seq}"
        else:
            while start - 1 >= low and at(start - 1) == seq[-1]:
                seq, start = seq[-1] + seq[:-1], start - 1
            after = fetch(transcript.contig, start - 1, start - 1 + len(seq))  # 5' of the point, on this strand
            if after == seq:
                text = f"{_span(transcript, start, start + len(seq) - 1)}dup"
            else:
                text = f"{_span(transcript, start - 1, start)}ins{revcomp(seq)}"
    return Notation(f"{kind}.{text}", _protein(transcript, pos + prefix, deleted, inserted, fetch))


def _span(transcript: Transcript, low: int, high: int) -> str:
    """'c.A_B' in transcript order for the genomic span [low, high] (one coordinate for one base)."""
    if low == high:
        return transcript.coordinate(low)
    first, last = (low, high) if transcript.strand == "+" else (high, low)
    return f"{transcript.coordinate(first)}_{transcript.coordinate(last)}"


def _protein(transcript: Transcript, start: int, deleted: str, inserted: str,  # noqa: PLR0911 - a return per
             fetch: Fetch) -> str:  # kind of protein change, in the recommendations' order
    """p. for a change inside the CDS ('' when any part of it is outside: UTR, intron, splice site)."""
    if not transcript.cds:
        return ""
    cds_low, cds_high = transcript.cds
    end = start + len(deleted) - 1
    span = (start, end) if deleted else (start - 1, start)
    if span[0] < cds_low or span[1] > cds_high:
        return ""
    t = [transcript.t_of(p) for p in span]
    if None in t:
        return ""
    mrna = transcript.spliced(fetch)
    first_t, last_t = transcript._cds_t() or (0, 0)
    cds, tail = mrna[first_t - 1: last_t], mrna[last_t:]
    a, b = sorted(x for x in t if x is not None)
    a, b = a - first_t, b - first_t  # 0-based within the CDS
    forward = transcript.strand == "+"
    new = inserted if forward else revcomp(inserted)
    changed = cds[:a] + new + cds[b + 1:] if deleted else cds[:a + 1] + new + cds[b:]
    before = translate(cds)
    after = translate(changed + tail, to_stop=True)
    if before[:1] == "M" and after[:1] != "M":
        return "p.Met1?"
    i = 0
    while i < min(len(before), len(after)) and before[i] == after[i]:
        i += 1
    if i == len(before) == len(after) or (i >= len(before) and before.endswith("*")):
        codon = min(a // 3, len(before) - 1)
        return f"p.{THREE[before[codon]]}{codon + 1}="
    if i >= len(before):
        return ""
    if before[i] == "*":  # the stop codon changed: the protein runs on to the next stop
        if i >= len(after):
            return ""
        extra = after[i + 1:]
        stop = extra.find("*")
        return f"p.Ter{i + 1}{THREE[after[i]]}ext" + (f"Ter{stop + 1}" if stop >= 0 else "Ter?")
    if i < len(after) and after[i] == "*":
        return f"p.{THREE[before[i]]}{i + 1}Ter"
    if (len(inserted) - len(deleted)) % 3:
        if i >= len(after):
            return f"p.{THREE[before[i]]}{i + 1}fs"
        stop = after.find("*", i)
        return f"p.{THREE[before[i]]}{i + 1}{THREE[after[i]]}fs" + (f"Ter{stop - i + 1}" if stop >= 0 else "Ter?")
    k = 0  # the shared end (the in-frame case): what is left between is the change
    while k < min(len(before), len(after)) - i and before[-1 - k] == after[-1 - k]:
        k += 1
    gone, added = before[i: len(before) - k], after[i: len(after) - k]
    if len(gone) == len(added) == 1:
        return f"p.{THREE[gone]}{i + 1}{THREE[added]}"
    if not added:  # a deletion, shifted to its most C-terminal place
        while i + len(gone) < len(before) and before[i] == before[i + len(gone)] and before[i] != "*":
            i += 1
            gone = before[i: i + len(gone)]
        return f"p.{_aa_span(before, i, i + len(gone) - 1)}del"
    if not gone:  # an insertion after residue i (1-based), shifted C-terminal; the same residues before: dup
        while i < len(before) - 1 and added[0] == before[i]:
            added, i = added[1:] + added[0], i + 1
        if before[i - len(added): i] == added:
            return f"p.{_aa_span(before, i - len(added), i - 1)}dup"
        return f"p.{THREE[before[i - 1]]}{i}_{THREE[before[i]]}{i + 1}ins{''.join(THREE[x] for x in added)}"
    return f"p.{_aa_span(before, i, i + len(gone) - 1)}delins{''.join(THREE[x] for x in added)}"


def _aa_span(protein: str, first: int, last: int) -> str:
    """'Lys23' or 'Lys23_Val25' for 0-based residues first..last."""
    one = f"{THREE[protein[first]]}{first + 1}"
    return one if first == last else f"{one}_{THREE[protein[last]]}{last + 1}"


def transcripts_of(gff3: Path) -> dict[str, list[Transcript]]:
    """Every transcript with exons in the GFF3, by contig, sorted by start."""
    kinds: dict[str, tuple[str, str]] = {}
    exons: dict[str, list[tuple[int, int]]] = {}
    cds: dict[str, list[tuple[int, int]]] = {}
    with gff3.open() as gff:
        for line in gff:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) != 9:
                continue
            attributes = dict(a.split("=", 1) for a in f[8].split(";") if "=" in a)
            if f[2] in ("exon", "CDS"):
                for parent in attributes.get("Parent", "").split(","):
                    (exons if f[2] == "exon" else cds).setdefault(parent, []).append((int(f[3]), int(f[4])))
            elif "ID" in attributes and attributes.get("Parent", "").startswith("gene:"):
                kinds[attributes["ID"]] = (f[0], f[6])
    found: dict[str, list[Transcript]] = {}
    for key, (contig, strand) in kinds.items():
        if key not in exons:
            continue
        coding = cds.get(key)
        name = key.split(":", 1)[1] if key.startswith("transcript:") else key
        found.setdefault(contig, []).append(Transcript(
            name, contig, strand, tuple(sorted(exons[key])),
            (min(s for s, _ in coding), max(e for _, e in coding)) if coding else None))
    for listed in found.values():
        listed.sort(key=lambda t: t.start)
    return found
