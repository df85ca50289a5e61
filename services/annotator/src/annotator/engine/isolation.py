"""Runs each bcftools command in a fresh child process.

bcftools csq keeps static state between calls in one process: a second run sees the first run's last
position and stops with "The file is not sorted". So every command runs in a child forked from a
forkserver that has imported pysam but never run bcftools: clean state each time, no start-up import
cost, and a crash in C code takes down a child, not the worker.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["pysam", "pysam.bcftools"])


def _run(command: str, args: tuple[str, ...]) -> None:
    import pysam.bcftools

    getattr(pysam.bcftools, command)(*args, catch_stdout=False)


def run_bcftools(command: str, *args: str) -> None:
    """bcftools `command` with `args`, in a child of its own; raises what bcftools raised."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_CONTEXT, max_tasks_per_child=1) as pool:
        pool.submit(_run, command, args).result()
