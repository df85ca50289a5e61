"""The failure excerpt: the offending line and its neighbours, from plain, gzip and BGZF inputs."""

import gzip

import pytest

from web.excerpt import MAX_SHOWN, around

LINES = [f"line {n}\tfield".encode() for n in range(1, 31)]
PLAIN = b"\n".join(LINES) + b"\n"


def _chunked(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def _bgzf_like(data: bytes) -> bytes:
    """Many gzip members one after another, cut mid-line, as bgzip writes them."""
    return b"".join(gzip.compress(data[i:i + 45]) for i in range(0, len(data), 45))


@pytest.mark.parametrize("stored", [PLAIN, gzip.compress(PLAIN), _bgzf_like(PLAIN)], ids=["plain", "gzip", "bgzf"])
def test_the_offending_line_comes_with_two_either_side(stored):
    shown = around(_chunked(stored), 10)
    assert [(x.number, x.text, x.offending) for x in shown] == [
        (n, f"line {n}\tfield", n == 10) for n in range(8, 13)]
    assert [x.number for x in around(_chunked(stored), 1)] == [1, 2, 3]  # nothing before the first
    assert [x.number for x in around(_chunked(stored), 30)] == [28, 29, 30]
    assert around(_chunked(stored), 31) == []  # past the end: nothing to show, not a wrong line


def test_a_last_line_without_newline_and_crlf_endings():
    shown = around([b"a\r\nb\r\nc"], 3)
    assert [(x.number, x.text) for x in shown] == [(1, "a"), (2, "b"), (3, "c")]


def test_long_lines_are_cut_and_said_so_and_a_line_too_far_in_is_not_looked_for():
    long = b"x" * (MAX_SHOWN * 3)
    (line,) = around([long + b"\n"], 1, before=0, after=0)
    assert line.cut and len(line.text) == MAX_SHOWN
    assert around(_chunked(PLAIN, 64), 25, max_scanned=100) == []


def test_a_broken_gzip_shows_nothing():
    broken = gzip.compress(PLAIN)[:20] + b"\x00" * 40
    assert around([broken], 2) == []
