"""Benchmark: the whole pipeline through the public API, on the embedded stack (`make bench-pipeline`).

1. latency from submission (POST /api/v1/jobs answered) to COMPLETED visible in GET /api/v1/jobs/<id>,
   one job at a time, p50/p95 over --latency-jobs jobs, for 1k- and 10k-variant files;
2. throughput of small jobs (the 400-variant sample) with 1, 2 and 4 annotator processes: submitters keep
   the queue full, completions are counted over a --window s window, with the CPU seconds each process
   used meanwhile (which says where the bottleneck is);
3. time from an upgrade to all of a user's 20 archived results downloadable again (every result URL read);
4. idle and busy RSS of every service (process trees: gunicorn's workers count for web).

Reports; asserts nothing. Usage: `python bench/pipeline.py [--latency-jobs 50] [--window 60]` from the
repo root.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from proctree import cpu_s, rss_mb

from annotator.synthetic.genome import generate
from annotator.synthetic.samples import write_vcf
from gas_shared.contract.topology import SERVICES
from gas_tools.devstack import Child, Stack, StackSettings, http_ok, service_argv
from gas_tools.polling import wait_until

PREFIX = "benchpipe"


class Api:
    def __init__(self, base: str, email: str):
        self.base = base
        who = {"name": email.split("@", maxsplit=1)[0], "email": email}
        token = requests.post(f"{base}/api/v1/dev/tokens", json=who, timeout=10).json()["token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> Any:
        return self.session.get(f"{self.base}/api/v1{path}", timeout=30).json()

    def submit_file(self, body: bytes, name: str) -> tuple[str, float]:
        """Upload, then submit; the job id and when the submission (POST /api/v1/jobs) began."""
        made = self.session.post(f"{self.base}/api/v1/uploads", json={"filename": name, "reference_id": "gas-demo-1"},
                                 timeout=30).json()
        sent = requests.post(made["url"], data=made["fields"], files={"file": (name, body)}, timeout=60)
        sent.raise_for_status()
        submitted = time.monotonic()
        job = self.session.post(f"{self.base}/api/v1/jobs", json={"ticket": made["ticket"]}, timeout=30).json()
        return str(job["job_id"]), submitted

    def submit_sample(self) -> str:
        return str(self.session.post(f"{self.base}/api/v1/jobs", json={"sample": True, "reference_id": "gas-demo-1"},
                                     timeout=30).json()["job_id"])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency(api: Api, body: bytes, count: int, name: str) -> list[float]:
    taken = []
    for i in range(count):
        job_id, submitted = api.submit_file(body, f"{name}-{i}.vcf")
        wait_until(lambda j=job_id: api.get(f"/jobs/{j}")["status"] == "COMPLETED", 300, every=0.05,
                   what=f"job {job_id}")
        taken.append(time.monotonic() - submitted)
    return taken


def throughput(stack: Stack, annotators: list[Child], base: str, window: float) -> dict[str, Any]:
    api = Api(base, f"throughput-{len(annotators)}@example.org")
    stop = threading.Event()
    submitted: list[str] = []
    errors: list[str] = []

    def submitter() -> None:
        while not stop.is_set():
            backlog = len(submitted) - done_count()
            if backlog < 8 * len(annotators):
                try:
                    submitted.append(api.submit_sample())
                except requests.RequestException as e:  # counted, and the load goes on
                    errors.append(repr(e))
            else:
                time.sleep(0.05)  # the queue is full enough: let the annotators work it down

    finished: set[str] = set()

    def done_count() -> int:
        return len(finished)

    def watcher() -> None:
        while not stop.is_set():
            try:
                page = api.get("/jobs?limit=100")["jobs"]
            except requests.RequestException as e:
                errors.append(repr(e))
                continue
            for job in page:
                if job["finished"]:
                    finished.add(job["job_id"])
            time.sleep(2)  # a GSI query: moto reads the whole table for it, so not too often

    threads = [threading.Thread(target=submitter), threading.Thread(target=watcher)]
    for t in threads:
        t.start()
    time.sleep(10)  # warm-up: the queue fills and every annotator is busy before the window opens
    pids = {"web": stack.services[0].process.pid, "emulator": stack.emulator.child.process.pid}
    pids.update({f"annotator{i + 1}": a.process.pid for i, a in enumerate(annotators)})
    cpu_before = {k: cpu_s(p) for k, p in pids.items()}
    start_done, began = done_count(), time.monotonic()
    busy_rss: dict[str, float] = {}
    while time.monotonic() - began < window:
        for child in [*stack.services[1:], stack.services[0]]:
            busy_rss[child.name] = max(busy_rss.get(child.name, 0), rss_mb(child.process.pid))
        time.sleep(1)
    elapsed = time.monotonic() - began
    completed = done_count() - start_done
    cpu = {k: round((cpu_s(p) - cpu_before[k]) / elapsed, 2) for k, p in pids.items()}
    stop.set()
    for t in threads:
        t.join()
    return {"annotators": len(annotators), "jobs_per_s": completed / elapsed, "completed": completed,
            "errors": len(errors),
            "cpu_per_s": cpu, "busy_rss": busy_rss}


def restore(base: str, count: int) -> float:
    api = Api(base, "restore@example.org")
    jobs = [api.submit_sample() for _ in range(count)]
    wait_until(lambda: all(api.get(f"/jobs/{j}").get("storage") == "ARCHIVED" for j in jobs), 300, every=1,
               what="every job archived")
    began = time.monotonic()
    api.session.put(f"{base}/api/v1/plan", json={"plan": "premium"}, timeout=30)

    def downloadable(job_id: str) -> bool:
        files = api.get(f"/jobs/{job_id}/files")
        return bool(files["results"]) and all(
            requests.get(url, timeout=30).status_code == 200 for url in files["results"].values())

    pending = list(jobs)

    def all_back() -> bool:
        pending[:] = [j for j in pending if not (api.get(f"/jobs/{j}")["downloadable"] and downloadable(j))]
        return not pending

    wait_until(all_back, 600, every=0.5, what="every job downloadable again")
    return time.monotonic() - began


def extra_annotators(stack: Stack, count: int, run_dir: Path, running: int) -> list[Child]:
    """`count` more annotator processes beside the `running` extra ones (each its own health port)."""
    started = []
    for i in range(running, running + count):
        port = stack.settings.port_base + 20 + i
        child = Child(f"annotator-{i + 2}", service_argv("annotator"), {**stack.env, "GAS_HTTP_PORT": str(port)},
                      run_dir / f"annotator-{i + 2}.log")
        child.start()
        started.append(child)
    return started


def stop_all(children: list[Child]) -> None:
    import signal
    for child in children:
        child.signal(signal.SIGTERM)
    for child in children:
        child.wait(30)
        child.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-jobs", type=int, default=50)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--restore-jobs", type=int, default=20)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="gas-bench-pipeline-"))
    os.environ.update(GAS_PORT_BASE="9580", GAS_PREFIX=PREFIX, GAS_RUN_DIR=str(run_dir),
                      GAS_FREE_RETENTION_SECONDS="5", GAS_RECHECK_SECONDS="1")
    os.environ.setdefault("GAS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("GAS_SIGNIN_RATE_PER_MINUTE", "10000")  # many users from one address, on purpose
    os.environ.setdefault("GAS_API_RATE_PER_MINUTE", "100000")
    os.environ.setdefault("GAS_UPLOAD_RATE_PER_MINUTE", "10000")
    # Submitters here keep many jobs in flight on purpose: the per-user cap is not what is measured.
    os.environ.setdefault("GAS_FREE_ACTIVE_JOBS", "100")
    os.environ.setdefault("GAS_PREMIUM_ACTIVE_JOBS", "100")
    os.environ.setdefault("GAS_CONCURRENCY", "1")  # one job at a time per annotator process: scale by processes
    stack = Stack(StackSettings())
    print(f"starting the embedded stack ({stack.start():.1f}s); {os.cpu_count()} CPUs", flush=True)
    rows: list[tuple[str, str]] = []
    try:
        base = stack.url("web")
        time.sleep(3)
        idle = {c.name: rss_mb(c.process.pid) for c in stack.services}
        genome = generate()
        api = Api(base, "latency@example.org")
        api.session.put(f"{base}/api/v1/plan", json={"plan": "premium"}, timeout=30)  # 10k variants > 150 KB
        latency(api, write_vcf(genome, run_dir / "warm.vcf", 100).read_bytes(), 1, "warm-up")  # reference cache
        for variants in (1_000, 10_000):
            body = write_vcf(genome, run_dir / f"v{variants}.vcf", variants).read_bytes()
            taken = latency(api, body, args.latency_jobs, f"v{variants}")
            rows.append((f"latency, {variants:,} variants ({len(taken)} jobs)",
                         f"p50 {statistics.median(taken):.2f} s, p95 {percentile(taken, 95):.2f} s"))
            print(rows[-1], flush=True)
        busy: dict[str, float] = {}
        extra: list[Child] = []
        for count in (1, 2, 4):
            extra += extra_annotators(stack, count - 1 - len(extra), run_dir, len(extra))
            wait_until(lambda started=extra: all(c.running and http_ok(f"http://127.0.0.1:{c.env['GAS_HTTP_PORT']}"
                                                                       "/readyz") for c in started), 60)
            result = throughput(stack, [stack.services[1], *extra], base, args.window)
            for name, mb in result["busy_rss"].items():
                busy[name] = max(busy.get(name, 0), mb)
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in result["cpu_per_s"].items())
            rows.append((f"throughput, {count} annotator process{'es' if count > 1 else ''}",
                         f"{result['jobs_per_s']:.2f} jobs/s ({result['completed']} in {args.window:.0f} s, "
                         f"{result['errors']} request errors); "
                         f"CPU s/s: {cpu}"))
            print(rows[-1], flush=True)
        stop_all(extra)
        took = restore(base, args.restore_jobs)
        rows.append((f"upgrade to {args.restore_jobs} archived results downloadable", f"{took:.1f} s"))
        for name in SERVICES:
            rows.append((f"RSS {name}", f"idle {idle[name]:.0f} MB, busy {busy.get(name, idle[name]):.0f} MB"))
    finally:
        stack.stop()
    print("\n| measure | result |\n| --- | --- |")
    for what, figure in rows:
        print(f"| {what} | {figure} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
