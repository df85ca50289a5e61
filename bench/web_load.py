"""Benchmark: the web app under Locust, with one user owning 1,000 jobs, on the embedded stack.

Starts the stack `make run` starts on its own ports and prefix, runs one real sample job through the API,
copies its record into 999 more COMPLETED jobs of the same user (the records a busy researcher would
have), then runs bench/locustfile.py headless: browse the jobs list (and older pages), open a job (page +
its live panel), submit a job. Prints p50/p95 and errors per request type; asserts nothing.

Usage: `python bench/web_load.py [--jobs 1000] [--users 20] [--duration 60]` from the repo root.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from gas_shared.contract.topology import Names
from gas_shared.runtime.aws import Aws
from gas_shared.store.table import record_time, to_item
from gas_tools.devstack import Stack, StackSettings
from gas_tools.polling import wait_until

EMAIL = "load@example.org"
PREFIX = "benchweb"


def seed(base: str, aws: Aws, names: Names, count: int) -> str:
    """One real job through the API, then count-1 copies of its record; returns the user id."""
    token = requests.post(f"{base}/api/v1/dev/tokens", json={"name": "Load Tester", "email": EMAIL},
                          timeout=10).json()
    api = {"Authorization": f"Bearer {token['token']}"}
    job = requests.post(f"{base}/api/v1/jobs", json={"sample": True, "reference_id": "gas-demo-1"}, headers=api,
                        timeout=10).json()
    wait_until(lambda: requests.get(f"{base}/api/v1/jobs/{job['job_id']}", headers=api, timeout=10)
               .json()["finished"], 60, what="the first job")
    ddb = aws.client("dynamodb")
    template = ddb.get_item(TableName=names.jobs_table, Key={"job_id": {"S": job["job_id"]}},
                            ConsistentRead=True)["Item"]
    start = datetime.now(UTC) - timedelta(days=30)
    batch = []
    for i in range(count - 1):
        item = dict(template)
        item["job_id"] = {"S": str(uuid.uuid4())}
        item.update(to_item({"submitted_at": record_time(start + timedelta(minutes=i)),
                             "input_filename": f"sample-{i:04d}.vcf"}))
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            ddb.batch_write_item(RequestItems={names.jobs_table: batch})
            batch = []
    if batch:
        ddb.batch_write_item(RequestItems={names.jobs_table: batch})
    return str(token["user_id"])


def report(stats: Path, users: int, duration: int, jobs: int) -> None:
    rows = list(csv.DictReader(stats.open()))
    print(f"\nLocust: {users} users, {duration} s, one user with {jobs} jobs "
          f"({os.cpu_count()} CPUs, web = gunicorn {os.environ.get('GAS_WEB_WORKERS', '2')} workers x 4 threads)\n")
    print(f"{'request':<28}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}")
    for row in rows:
        print(f"{row['Name']:<28}{row['Request Count']:>8}{row['Failure Count']:>8}{row['50%']:>9}{row['95%']:>9}"
              f"{float(row['Requests/s']):>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="gas-bench-web-"))
    os.environ.update(GAS_PORT_BASE="9480", GAS_PREFIX=PREFIX, GAS_RUN_DIR=str(run_dir))
    os.environ.setdefault("GAS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("GAS_SIGNIN_RATE_PER_MINUTE", "10000")  # many users from one address, on purpose
    os.environ.setdefault("GAS_API_RATE_PER_MINUTE", "100000")
    os.environ.setdefault("GAS_UPLOAD_RATE_PER_MINUTE", "10000")
    # Submitters here keep many jobs in flight on purpose: the per-user cap is not what is measured.
    os.environ.setdefault("GAS_FREE_ACTIVE_JOBS", "100")
    os.environ.setdefault("GAS_PREMIUM_ACTIVE_JOBS", "100")
    stack = Stack(StackSettings())
    print(f"starting the embedded stack ({stack.start():.1f}s)", flush=True)
    try:
        base = stack.url("web")
        began = time.monotonic()
        seed(base, Aws(), Names(PREFIX), args.jobs)
        print(f"seeded {args.jobs} jobs in {time.monotonic() - began:.1f}s", flush=True)
        out = run_dir / "locust"
        subprocess.run([sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
                        "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 4)),
                        "-t", f"{args.duration}s", "--host", base, "--csv", str(out), "--only-summary",
                        "--loglevel", "WARNING"],
                       env={**os.environ, "GAS_LOAD_EMAIL": EMAIL}, check=False)
        report(Path(f"{out}_stats.csv"), args.users, args.duration, args.jobs)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
