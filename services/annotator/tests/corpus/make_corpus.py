"""Writes the bad- and odd-input corpus next to this file, against the synthetic reference.

Run it again after changing the synthetic reference: `python services/annotator/tests/corpus/make_corpus.py`.
"""

import gzip
import io
from pathlib import Path

from annotator.synthetic.genome import generate

HERE = Path(__file__).parent
G = generate()
C1 = G.contigs["chr1"]
HEAD = "##fileformat=VCFv4.2\n"
COLS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def rec(pos: int, alt: str | None = None, contig: str = "chr1", ref: str | None = None, rest: str = ".\t.\t.") -> str:
    ref = ref or G.contigs[contig][pos - 1]
    alt = alt or ("A" if ref != "A" else "C")
    return f"{contig}\t{pos}\t.\t{ref}\t{alt}\t{rest}\n"


GOOD = HEAD + COLS + rec(100) + rec(200) + rec(300)


def gz(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


FILES: dict[str, bytes] = {
    # refused, with the reason and where
    "not_a_vcf.txt": b"Gene\tVariant\nBRCA1\tc.68_69delAG\n",
    "binary.vcf": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "fake_gzip.vcf.gz": GOOD.encode(),
    "truncated.vcf.gz": gz(HEAD + COLS + "".join(rec(p) for p in range(100, 5000, 7)))[:1500],
    "header_after_records.vcf": (GOOD + "##INFO=<ID=X,Number=1,Type=String,Description=\"x\">\n" + rec(400)).encode(),
    "corrupt.vcf.gz": b"\x1f\x8b\x08\x00" + b"\x17this is not deflate data" * 4,
    "bomb.vcf.gz": gz((HEAD + COLS).encode() + b"\n" * (200 * 1024 * 1024)),
    "endless_header.vcf": (HEAD + "##x=1\n" * 100_001 + COLS + rec(100)).encode(),
    "empty.vcf": b"",
    "header_only.vcf": (HEAD + COLS).encode(),
    "no_fileformat.vcf": (COLS + rec(100)).encode(),
    "no_chrom_line.vcf": (HEAD + rec(100)).encode(),
    "bad_header_column.vcf": (HEAD + COLS.replace("POS", "POSITION") + rec(100)).encode(),
    "column_mismatch.vcf": (HEAD + COLS + rec(100) + "chr1\t200\t.\tA\tC\t.\t.\n").encode(),
    "spaces_not_tabs.vcf": (HEAD + COLS + rec(100).replace("\t", " ")).encode(),
    "bad_pos.vcf": (HEAD + COLS + rec(100) + rec(200).replace("\t200\t", "\t2OO\t")).encode(),
    "bad_ref_chars.vcf": (HEAD + COLS + rec(100, ref="AXG")).encode(),
    "bad_alt_chars.vcf": (HEAD + COLS + rec(100) + rec(150, alt="AB")).encode(),
    "ref_mismatch.vcf": (HEAD + COLS + rec(100) + rec(120, ref={"A": "C"}.get(C1[119], "A"), alt="T")).encode(),
    "unknown_contig.vcf": (HEAD + COLS + "chrZ\t10\t.\tA\tC\t.\t.\t.\n").encode(),
    "ensembl_names.vcf": (HEAD + COLS + "1\t10\t.\tA\tC\t.\t.\t.\n").encode(),
    "past_contig_end.vcf": (HEAD + COLS + f"chr1\t{len(C1) + 5}\t.\tA\tC\t.\t.\t.\n").encode(),
    "unsorted.vcf": (HEAD + COLS + rec(300) + rec(200) + rec(400)).encode(),
    "contig_revisited.vcf": (HEAD + COLS + rec(300) + rec(100, contig="chr2") + rec(400)).encode(),
    "symbolic_only.vcf": (HEAD + COLS + rec(100, alt="<DEL>") + rec(200, alt="<INS>")).encode(),
    "no_alt.vcf": (HEAD + COLS + rec(100, alt=".")).encode(),
    "not_utf8.vcf": (HEAD + COLS + rec(100, rest=".\t.\tNOTE=caf")).encode()[:-1] + b"\xe9\n",
    "enormous_line.vcf.gz": gz(HEAD + COLS + rec(100, rest=".\t.\tX=" + "A" * (5 * 1024 * 1024))),
    # annotated, with what was skipped said in the log
    "duplicates.vcf": (HEAD + COLS + rec(100) + rec(100) + rec(200)).encode(),
    "mixed_symbolic.vcf": (HEAD + COLS + rec(100, alt="<DEL>,T" if C1[99] != "T" else "<DEL>,G") + rec(200)).encode(),
    "breakend.vcf": (HEAD + COLS + rec(100, alt="G]chr2:300]" if C1[99] != "G" else "C]chr2:300]") + rec(200)).encode(),
    "windows_crlf.vcf": GOOD.replace("\n", "\r\n").encode(),
    "multi_sample.vcf.gz": gz(HEAD + '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                              + COLS.rstrip("\n") + "\tFORMAT\tmother\tfather\tchild\n"
                              + "".join(rec(p).rstrip("\n") + "\tGT\t0/1\t0/0\t1/1\n" for p in (100, 200))),
}


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(FILES)} files to {HERE}")


if __name__ == "__main__":
    main()
