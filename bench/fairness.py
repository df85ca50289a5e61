"""Benchmark: does one user's burst delay another user's single job? (`make bench-fairness`)

On the embedded stack, through the public API: user B's job alone on an idle stack (one job's time), then
user A submits a burst of --burst jobs and B submits one right after; B's time from submission to COMPLETED,
and how long it waited for a worker (submission to started_at). Repeated --repeat times per scenario, A's
remaining jobs cancelled between rounds. Scenarios: A's lanes at 1 (the default for Free: A's jobs run one
at a time, so the other worker is free for B) and A's lanes at 10 (more than the workers: the burst can hold
them all, which is how a queue without message groups behaves). The annotator has --workers slots.

Reports median and range; asserts nothing. Usage: `python bench/fairness.py [--burst 100] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from pipeline import Api

from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from gas_tools.devstack import Stack, StackSettings
from gas_tools.polling import wait_until

PREFIX = "benchfair"


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def one_job(api: Api, body: bytes, name: str) -> tuple[float, float]:
    """B's job: (submission to COMPLETED, submission to started), both measured from the submission."""
    job_id, submitted = api.submit_file(body, name)
    wall_submitted = time.time()
    wait_until(lambda: api.get(f"/jobs/{job_id}")["status"] == "COMPLETED", 900, every=0.05, what=f"job {job_id}")
    done = time.monotonic() - submitted
    started = _seconds(api.get(f"/jobs/{job_id}")["started_at"]) - wall_submitted
    return done, max(0.0, started)


def settle(api: Api, jobs: list[str]) -> int:
    """Cancel what of A's burst has not started and wait for the rest; how many of A's jobs completed."""
    for job_id in jobs:
        api.session.post(f"{api.base}/api/v1/jobs/{job_id}/cancel", timeout=30)
    finished = {"COMPLETED", "CANCELLED", "FAILED"}
    wait_until(lambda: all(api.get(f"/jobs/{j}")["status"] in finished for j in jobs), 900, every=1,
               what="A's burst settled")
    return sum(api.get(f"/jobs/{j}")["status"] == "COMPLETED" for j in jobs)


def scenario(lanes: int, args: argparse.Namespace, run_dir: Path, body: bytes) -> dict[str, list[float]]:
    os.environ.update(GAS_FREE_JOB_LANES=str(lanes), GAS_PREFIX=f"{PREFIX}{lanes}")
    stack = Stack(StackSettings())
    print(f"lanes {lanes}: stack up in {stack.start():.1f}s", flush=True)
    found: dict[str, list[float]] = {"alone": [], "alone_waited": [], "burst": [], "waited": [], "a_done": []}
    try:
        base = stack.url("web")
        a, b = Api(base, f"burst-{lanes}@example.org"), Api(base, f"single-{lanes}@example.org")
        for n in range(3):  # the reference cache, the processes' first imports, the first GSI queries
            one_job(b, body, f"warm-{n}.vcf")
        for round_ in range(args.repeat):
            alone, alone_waited = one_job(b, body, f"alone-{round_}.vcf")
            found["alone"].append(alone)
            found["alone_waited"].append(alone_waited)
            burst = [a.submit_file(body, f"a-{round_}-{n}.vcf")[0] for n in range(args.burst)]
            done, waited = one_job(b, body, f"b-{round_}.vcf")
            found["burst"].append(done)
            found["waited"].append(waited)
            found["a_done"].append(float(settle(a, burst)))
            print(f"  round {round_ + 1}: alone {alone:.2f} s (waited {alone_waited:.2f} s), "
                  f"beside the burst {done:.2f} s (waited {waited:.2f} s); "
                  f"A completed {found['a_done'][-1]:.0f} before the rest was cancelled",
                  flush=True)
    finally:
        stack.stop()
    return found


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f} to {max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", type=int, default=2000)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="gas-bench-fairness-"))
    os.environ.update(GAS_PORT_BASE="9680", GAS_RUN_DIR=str(run_dir), GAS_CONCURRENCY=str(args.workers))
    os.environ.setdefault("GAS_LOG_LEVEL", "WARNING")
    # The burst is the point: the per-user caps and rate limits would refuse most of it.
    os.environ.setdefault("GAS_FREE_ACTIVE_JOBS", str(max(100, args.burst)))
    os.environ.setdefault("GAS_API_RATE_PER_MINUTE", "100000")
    os.environ.setdefault("GAS_UPLOAD_RATE_PER_MINUTE", "100000")
    os.environ.setdefault("GAS_SIGNIN_RATE_PER_MINUTE", "10000")
    body = write_vcf(generate(), run_dir / "job.vcf", args.variants).read_bytes()
    print(f"{os.cpu_count()} CPUs; {args.workers} annotator slots; jobs of {args.variants} variants "
          f"({len(body) / 1000:.0f} KB); a burst of {args.burst}", flush=True)
    rows = []
    for lanes in (1, 10):
        found = scenario(lanes, args, run_dir, body)
        delay = [burst - alone for burst, alone in zip(found["burst"], found["alone"], strict=True)]
        rows.append((f"A's lanes {lanes}", spread(found["alone"]), spread(found["alone_waited"]),
                     spread(found["burst"]), spread(found["waited"]), spread(delay)))
    print("\n| scenario | B alone (one job's time) | B alone waited for a worker | B beside A's burst "
          "| B beside the burst waited | delay |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
