"""The validator's two ways through a block agree: the whole-block checks (numpy) and the line-by-line reading.

Files made of valid records with one or two changes of the kinds users' files have (lower case, N, a wrong
REF, POS 0, several ALTs, a symbolic ALT, a duplicate, two records swapped, an unknown contig, a column too
many or too few, a blank or '#' line, an indel that could move left, a single breakend, a gVCF <NON_REF> or
<*> beside a real ALT, a spanning deletion...) go through the validator twice, with and without the block
path; the error (reason, line, column) or the report, the annotation stream and the originals must be the
same, and the originals must be the file's own records, every one, untouched.
"""

import random

import pysam
import pytest

from annotator.engine.check.validation import Validator, canonical
from annotator.engine.errors import VcfError
from annotator.synthetic.bundle import FASTA, write_bundle
from annotator.synthetic.genome import generate
from annotator.synthetic.samples import records

GENOME = generate()
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


@pytest.fixture(scope="module")
def fasta(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref")
    write_bundle(GENOME, path, reference_id="gas-demo-1", assembly="GASdemo1", source="test")
    with pysam.FastaFile(str(path / FASTA)) as handle:
        yield handle


def _edit(rng: random.Random, rows: list[list[str]]) -> str:
    """One change of a kind real files have, made to a random row; returns what it was."""
    i = rng.randrange(1, len(rows) - 1)
    row = rows[i]
    kind = rng.choice(["lower", "n_ref", "wrong_ref", "pos_zero", "pos_text", "multi", "symbolic", "duplicate",
                       "swap", "contig", "extra_column", "short_row", "blank", "hash", "shiftable", "ref_is_alt",
                       "multi_same_site", "alt_comma_end", "past_end", "breakend", "non_ref", "star_allele",
                       "same_alt_twice"])
    if kind == "lower":
        row[3], row[4] = row[3].lower(), row[4].lower()
    elif kind == "n_ref":
        row[3] = "N" * len(row[3])
    elif kind == "wrong_ref":
        row[3] = {"A": "C", "C": "G", "G": "T", "T": "A"}[row[3][0]] + row[3][1:]
    elif kind == "pos_zero":
        row[1] = "0"
    elif kind == "pos_text":
        row[1] = row[1] + "x"
    elif kind == "multi":
        row[4] = row[4] + ",A" if row[4] != "A" else "A,C"
    elif kind == "symbolic":
        row[4] = "<DEL>"
    elif kind == "duplicate":
        rows.insert(i, list(row))
    elif kind == "swap":
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    elif kind == "contig":
        row[0] = "chrZ"
    elif kind == "extra_column":
        row.append("extra")
    elif kind == "short_row":
        row.pop()
    elif kind == "blank":
        rows.insert(i, [])
    elif kind == "hash":
        rows.insert(i, ["#comment"])
    elif kind == "shiftable":  # an insertion of the anchor base itself can move left
        row[4] = row[3][0] + row[3][0]
        row[3] = row[3][0]
    elif kind == "ref_is_alt":
        row[4] = row[3]
    elif kind == "multi_same_site":
        rows.insert(i + 1, [*row[:4], "T" if row[3][0] != "T" else "G", *row[5:]])
    elif kind == "alt_comma_end":
        row[4] = row[4] + ","
    elif kind == "past_end":
        row[1] = str(10**9)
    elif kind == "breakend":
        row[4] = rng.choice([f".{row[3][0]}", f"{row[3][0]}."])
    elif kind == "non_ref":
        row[4] = row[4] + rng.choice([",<NON_REF>", ",<*>"])
    elif kind == "star_allele":
        row[4] = "*," + row[4]
    elif kind == "same_alt_twice":
        row[4] = row[4] + "," + row[4]
    return kind


def _validate(fasta, path, fast: bool, monkeypatch):
    written: list[str] = []
    kept: list[str] = []
    told: list[bool] = []

    class Sink:
        def write(self, text):
            written.append(text)

        def original(self, text):
            kept.append(text)

        def normalise(self):
            told.append(True)

        def begin(self, genotypes):
            assert genotypes is False

    validator = Validator(fasta)
    if not fast:
        monkeypatch.setattr(validator, "_fast", lambda *_args: False)
    try:
        report = validator.run(path, path.name, Sink())
    except VcfError as e:
        return ("error", e.reason, e.line, e.column)
    body = [line for line in path.read_text().split("\n") if line]
    assert "".join(kept).split("\n")[:-1] == body  # every line of the file, header and records, untouched
    return ("ok", report.records_in, report.records_out, report.skipped, report.alleles_skipped, report.notes,
            report.needs_norm, len(told), "".join(written))


@pytest.mark.parametrize("seed", range(120))
def test_the_block_path_and_the_line_path_agree(seed, fasta, tmp_path, monkeypatch):
    rng = random.Random(seed)
    rows = [line.rstrip("\n").split("\t") for line in records(GENOME, rng.randint(20, 400), seed=seed)]
    kinds = [_edit(rng, rows) for _ in range(rng.choice([0, 1, 1, 2]))]
    path = tmp_path / "in.vcf"
    path.write_text(HEADER + "".join("\t".join(row) + "\n" for row in rows))
    fast = _validate(fasta, path, True, monkeypatch)
    slow = _validate(fasta, path, False, monkeypatch)
    assert fast == slow, kinds


def test_blocks_of_many_records_agree_across_block_edges(fasta, tmp_path, monkeypatch):
    """A file of several blocks (a megabyte each), with a duplicate placed across a block edge."""
    lines = list(records(GENOME, 60_000, seed=3))
    at = next(i for i in range(len(lines)) if sum(map(len, lines[: i + 1])) > (1 << 20) - 200)
    lines.insert(at + 1, lines[at])  # the same record again, just after the first block ends
    path = tmp_path / "big.vcf"
    path.write_text(HEADER + "".join(lines))
    fast = _validate(fasta, path, True, monkeypatch)
    assert fast == _validate(fasta, path, False, monkeypatch)
    # A duplicate is annotated like any record (one output record per input record).
    assert fast[0] == "ok" and fast[1] == fast[2] == 60_001 and fast[3] == {}


@pytest.mark.parametrize(("ref", "alt", "expected"), [
    ("A", "C", True), ("A", "A", False), ("a", "C", False), ("N", "C", False),
    ("A", "AT", True), ("A", "TA", False), ("A", "AA", False), ("AT", "A", True), ("AA", "A", False),
    ("AC", "GT", False), ("ACG", "AG", False), ("A", "C,G", False),
])
def test_canonical_is_what_bcftools_norm_leaves_alone(ref, alt, expected):
    assert canonical(ref, alt) is expected
