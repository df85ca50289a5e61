"""Chain: [bcftools norm |] bcftools csq | tee (copy and count), as child processes joined by pipes, like a
shell pipeline. Every stage runs at once, each on a core of its own when there is one.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import IO

from gas_shared.contract.bundle import FASTA, GFF3

from .spooler import Spooler

PIPE_BYTES = 1 << 20  # a stage that falls behind for a moment does not stop the one before it (Linux's maximum)
TOOL = [sys.executable, "-m", "annotator.engine.chain.bcftools"]
TEE = [sys.executable, "-m", "annotator.engine.chain.tee"]


class Chain:
    """Reads VCF text on `stdin` (a pipe to write to); writes `staged` (bgzipped, with its
    .tbi), `plain` (if asked) and `counts` (JSON, from the tee). `flanks` caches what the tee makes of the
    genes."""

    def __init__(self, reference: Path, work: Path, staged: Path, plain: Path | None, counts: Path, *,
                 flanks: Path, normalise: bool = False):
        fasta, gff3 = str(reference / FASTA), str(reference / GFF3)
        stages: list[tuple[str, list[str]]] = []
        if normalise:
            stages.append(("bcftools norm", [*TOOL, "norm", "-f", fasta, "-m", "-any", "-c", "e", "-Ou", "-o", "-",
                                             "-"]))
        # csq compresses (in a thread of its own) and indexes its output as it writes it; the tee reads the
        # file as it grows, and csq's stdout, which carries nothing, tells it by closing when csq is done.
        stages.append(("bcftools csq", [*TOOL, "csq", "--threads", "1", "-f", fasta, "-g", gff3, "-l", "-Oz",
                                        "--write-index=tbi", "-o", str(staged), "-"]))
        stages.append(("counting", [*TEE, "--follow", str(staged), "--gff3", gff3, "--flanks", str(flanks),
                                    "--counts", str(counts), *(["--plain", str(plain)] if plain else [])]))
        # A chain started again (with norm) must not let its tee find the last one's file before csq makes anew.
        staged.unlink(missing_ok=True)
        Path(f"{staged}.tbi").unlink(missing_ok=True)
        self._processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        upstream: IO[bytes] | int | None = subprocess.PIPE
        for i, (name, argv) in enumerate(stages):
            errors = work / f"stage-{i}.err"
            with errors.open("wb") as err:
                # A process group of its own: a Ctrl-C at a terminal reaches the worker, which finishes the job
                # it has (draining), and not the stages under it.
                last = i == len(stages) - 1
                process = subprocess.Popen(argv, stdin=upstream, stdout=subprocess.DEVNULL if last else subprocess.PIPE,
                                           stderr=err, pipesize=PIPE_BYTES, process_group=0)
            if i and isinstance(upstream, io.IOBase):
                upstream.close()  # the child has it now; EOF and broken pipes must reach the right process
            upstream = process.stdout
            self._processes.append((name, process, errors))
        first_stdin = self._processes[0][1].stdin
        self.stdin: Spooler | None = Spooler(first_stdin) if first_stdin else None

    def finish(self) -> None:
        """Waits for every stage; RuntimeError naming the first that failed, with what it said."""
        if self.stdin:
            self.stdin.close()  # a write that failed means the stage stopped; its own exit code says why
        failed = None
        for name, process, errors in self._processes:
            if process.wait() != 0 and failed is None:
                failed = f"{name} failed (exit {process.returncode}): {errors.read_text(errors='replace')[-500:]}"
        if failed:
            raise RuntimeError(failed)

    def abort(self) -> None:
        """Stops every stage at once (bad input, or a run that must start again with norm)."""
        for _, process, _ in self._processes:
            process.kill()
        if self.stdin:
            self.stdin.close()
            self.stdin = None
        for _, process, _ in self._processes:
            process.wait()
