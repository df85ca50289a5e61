"""`python -m annotator.engine.chain.bcftools COMMAND ARG...`: bcftools as pysam links it in, as a process of its own.

A process per command, because bcftools csq keeps static state between calls in one process (a second run
sees the first run's last position and stops with "The file is not sorted"), and so that the engine can join
commands with pipes like a shell. Nothing is installed system-wide.
"""

from __future__ import annotations

import sys

import pysam.bcftools
from pysam.utils import SamtoolsError


def main(argv: list[str] | None = None) -> int:
    command, *args = argv if argv is not None else sys.argv[1:]
    try:
        getattr(pysam.bcftools, command)(*args, catch_stdout=False)
    except SamtoolsError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
