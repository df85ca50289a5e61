"""Chain: [bcftools norm |] [bcftools annotate |]... bcftools csq | merge (the consequences, and what the
bundle's tracks matched, written back into the user's records, compressed, indexed and counted), as child
processes joined by pipes, like a shell pipeline. Every stage runs at once, each on a core of its own when
there is one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from gas_shared.contract.bundle import FASTA, GFF3, Track

from . import tracks as track_stages
from .haplotypes import TAG as HAPLOTYPE_TAG
from .merger import SELF_CHECK_FAILED
from .spooler import Spooler

HAPLOTYPE_COUNTS = "haplotypes.json"  # the haplotypes stage's Tally, in the work directory

PIPE_BYTES = 1 << 20  # a stage that falls behind for a moment does not stop the one before it (Linux's maximum)
TOOL = [sys.executable, "-m", "annotator.engine.chain.bcftools"]
MERGE = [sys.executable, "-m", "annotator.engine.chain.merge"]
HGVS = [sys.executable, "-m", "annotator.engine.chain.naming"]
HAPLOTYPES = [sys.executable, "-m", "annotator.engine.chain.haplotypes"]
OLD_RECORD = "GASOLD"  # the INFO tag bcftools norm writes on the records it changed: CHROM|POS|REF|ALT[|ALT index]


class SelfCheckFailed(RuntimeError):
    """The engine's check of its own output failed: a bug, never the user's file. Retrying cannot help."""


class Chain:
    """Reads the annotation stream (minimal VCF text) on `stdin` (a pipe to write to) and the user's records
    from `originals`; writes `staged` (bgzipped, with its .tbi), `plain` (if asked), `index` (the variant
    index, if asked) and `counts` (JSON, from the merge). `flanks` caches what the merge makes of the genes."""

    def __init__(self, reference: Path, work: Path, staged: Path, plain: Path | None, counts: Path, *,
                 flanks: Path, originals: Path, provenance: dict[str, str], index: Path | None = None,
                 normalise: bool = False, tracks: tuple[Track, ...] = (), combined: str = "",
                 hgvs: bool = False, haplotypes: bool = False):
        fasta, gff3 = str(reference / FASTA), str(reference / GFF3)
        stages: list[tuple[str, list[str]]] = []
        if normalise:
            # The minimal records' header is GAS's own, so BCF between the two stages is safe (no tag of the
            # user's that the header might not declare ever reaches bcftools).
            stages.append(("bcftools norm", [*TOOL, "norm", "-f", fasta, "-m", "-any", "-c", "e",
                                             "--old-rec-tag", OLD_RECORD, "-Ou", "-o", "-", "-"]))
        stages += track_stages.stages(tracks, combined, reference, work, TOOL)
        # --force: a record on a contig the gene models never mention (a scaffold) is intergenic, not an error.
        if haplotypes:
            # Each sample's haplotypes as its phased GTs give them (unphased hets skipped: -p s), into GASHAP;
            # then every variant on its own, into BCSQ; the haplotypes stage keeps the first and fills in from
            # the second what the first could not see (see haplotypes.py).
            stages.append(("bcftools csq (haplotypes)", [*TOOL, "csq", "-f", fasta, "-g", gff3, "-p", "s",
                                                         "-c", HAPLOTYPE_TAG, "--force", "-Ou", "-o", "-", "-"]))
        stages.append(("bcftools csq", [*TOOL, "csq", "-f", fasta, "-g", gff3, "-l", "--force", "-Ov", "-o", "-",
                                        "-"]))
        if haplotypes:
            stages.append(("combining haplotypes", [*HAPLOTYPES, "--counts", str(work / HAPLOTYPE_COUNTS)]))
        if hgvs:  # after csq, so the merge and the index see it; before the merge, which writes it per record
            stages.append(("naming in HGVS", [*HGVS, "--gff3", gff3, "--fasta", fasta, "--cache", str(flanks)]))
        stages.append(("merging", [*MERGE, "--originals", str(originals), "--gff3", gff3, "--flanks", str(flanks),
                                   "--counts", str(counts), "--out", str(staged),
                                   "--provenance", json.dumps(provenance),
                                   "--tracks", json.dumps([dataclasses.asdict(t) for t in tracks]),
                                   *(["--hgvs"] if hgvs else []),
                                   *(["--plain", str(plain)] if plain else []),
                                   *(["--index", str(index)] if index else [])]))
        staged.unlink(missing_ok=True)
        Path(f"{staged}.tbi").unlink(missing_ok=True)
        if index:  # a restart with norm begins the index again
            index.unlink(missing_ok=True)
            shutil.rmtree(index.with_name(index.name + ".spool"), ignore_errors=True)
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
        failed: RuntimeError | None = None
        for name, process, errors in self._processes:
            if process.wait() != 0 and failed is None:
                said = errors.read_text(errors="replace")[-500:].strip()
                if name == "merging" and process.returncode == SELF_CHECK_FAILED:
                    failed = SelfCheckFailed(said)
                else:
                    failed = RuntimeError(f"{name} failed (exit {process.returncode}): {said}")
        if failed:
            raise failed

    def abort(self) -> None:
        """Stops every stage at once (bad input, or a run that must start again with norm)."""
        for _, process, _ in self._processes:
            # The whole process group: a stage's own children (the merge's counting process) go with it, and
            # none is left writing into a scratch directory that is being removed.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self.stdin:
            self.stdin.close()
            self.stdin = None
        for _, process, _ in self._processes:
            process.wait()
