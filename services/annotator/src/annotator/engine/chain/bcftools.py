"""`python -m annotator.engine.chain.bcftools COMMAND ARG...`: bcftools as pysam links it in, as a process of its own.

A process per command, because bcftools csq keeps static state between calls in one process (a second run
sees the first run's last position and stops with "The file is not sorted"), and so that the engine can join
commands with pipes like a shell. Nothing is installed system-wide.
"""

from __future__ import annotations

import resource
import sys

import pysam.bcftools
from pysam.utils import SamtoolsError

# The address space a bcftools stage may take: a broken or hostile input ends the stage (and the job, with a
# reason) instead of the pod. csq holds the gene models; a whole Ensembl GRCh38 GFF3 fits well inside this.
ADDRESS_SPACE = 3 * 1024**3


def main(argv: list[str] | None = None) -> int:
    command, *args = argv if argv is not None else sys.argv[1:]
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE, hard)
    resource.setrlimit(resource.RLIMIT_AS, (min(limit, soft) if soft != resource.RLIM_INFINITY else limit, hard))
    try:
        getattr(pysam.bcftools, command)(*args, catch_stdout=False)
    except SamtoolsError as e:
        print(e, file=sys.stderr)
        return 1
    except MemoryError:
        print(f"bcftools {command} ran out of memory (more than {ADDRESS_SPACE // 1024**3} GiB)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
