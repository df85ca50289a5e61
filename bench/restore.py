"""Benchmark: time from an upgrade to all of a user's archived results downloadable again, on the embedded stack.

Starts the stack `make run` starts (moto server + the five services) on its own ports and prefix, gives one
Free user N completed jobs (4 result objects each, as the annotator leaves them), waits until the archiver
has moved them all to GLACIER, then upgrades the user and times until every object of every job is back in
STANDARD storage, readable, with the job AVAILABLE. Then downgrades (archiving again at once: the windows
have passed) and repeats, for several rounds. moto completes a restore as soon as it is asked, so the
figure is GAS's own pipeline (restorer, S3 events and thawer), not Glacier's retrieval time.

Usage: `python bench/restore.py [--jobs 20] [--rounds 3]` from the repo root. It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import JobCompleted, JobRequested
from gas_shared.contract.topology import Names
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import ARCHIVED, AVAILABLE, JobStore
from gas_shared.store.records import Counts
from gas_shared.store.results import STANDARD, ResultObjects
from gas_shared.store.table import to_item
from gas_shared.store.users import UserStore
from gas_tools.devstack import Stack, StackSettings
from gas_tools.polling import wait_until

RETENTION = 3
FILES = ("input.annot.vcf.gz", "input.annot.vcf.gz.tbi", "input.vcf.count.log", "summary.json")


def completed_jobs(aws: Aws, names: Names, user_id: str, count: int) -> list[str]:
    s3, jobs = aws.client("s3"), JobStore(aws.client("dynamodb"), names.jobs_table)
    publisher = Publisher(aws, names, "bench")
    made = []
    for _ in range(count):
        job_id = str(uuid.uuid4())
        results = {name: f"{user_id}/{job_id}/results/{name}" for name in FILES}
        for key in results.values():
            s3.put_object(Bucket=names.bucket("results"), Key=key, Body=os.urandom(64 * 1024))
        jobs.create(JobRequested(job_id=job_id, user_id=user_id, reference_id="gas-demo-1", input_filename="b.vcf",
                                 input_key=f"{user_id}/{job_id}/input/input.vcf", submitted_at=datetime.now(UTC)))
        jobs.claim(job_id, "bench", 60)
        jobs.complete(job_id, "bench", results, Counts(variants=1))
        publisher.publish(JobCompleted(job_id=job_id, user_id=user_id, completed_at=jobs.get(job_id).completed_at,
                                       results=results, variant_count=1), message_id=stable_id(job_id, "job.completed"))
        made.append(job_id)
    return made


def downloadable(aws: Aws, names: Names, jobs: JobStore, job_id: str) -> bool:
    """Every object of the job in STANDARD storage and readable (the thawer marks AVAILABLE only after)."""
    job = jobs.get(job_id)
    if job is None:
        return False
    objects = ResultObjects(aws.client("s3"), names.bucket("results"))
    for key in job.results.values():
        if objects.state(key).storage_class != STANDARD:
            return False
        aws.client("s3").get_object(Bucket=names.bucket("results"), Key=key)["Body"].read()
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(GAS_FREE_RETENTION_SECONDS=str(RETENTION), GAS_PORT_BASE="9380", GAS_PREFIX="benchrestore",
                      GAS_RUN_DIR=tempfile.mkdtemp(prefix="gas-bench-"))
    os.environ.setdefault("GAS_LOG_LEVEL", "WARNING")
    stack = Stack(StackSettings())
    print(f"starting the embedded stack ({stack.start():.1f}s)", flush=True)
    try:
        aws, names = Aws(), Names("benchrestore")
        jobs, users = JobStore(aws.client("dynamodb"), names.jobs_table), UserStore(aws.client("dynamodb"),
                                                                                    names.users_table)
        publisher = Publisher(aws, names, "bench")
        user_id = str(uuid.uuid4())
        aws.client("dynamodb").put_item(TableName=names.users_table, Item=to_item(
            {"user_id": user_id, "email": "bench@example.org", "name": "Bench", "plan": "free"}))
        job_ids = completed_jobs(aws, names, user_id, args.jobs)
        figures = []
        for round_ in range(1, args.rounds + 1):
            began = time.monotonic()
            wait_until(lambda: all(getattr(jobs.get(j), "storage", None) == ARCHIVED for j in job_ids), 120, every=0.2,
                       what="every job archived")
            archived = time.monotonic() - began
            began = time.monotonic()
            users.change_plan(user_id, "premium", publisher)
            # Poll the records only (cheap): reading every object each time would load the emulator measured.
            wait_until(lambda: all(getattr(jobs.get(j), "storage", None) == AVAILABLE for j in job_ids), 300,
                       every=0.1, what="every job AVAILABLE")
            took = time.monotonic() - began
            figures.append(took)
            verified = all(downloadable(aws, names, jobs, j) for j in job_ids)
            print(f"round {round_}: {args.jobs} jobs ({4 * args.jobs} objects) archived in {archived:.1f}s; "
                  f"upgrade to all downloadable: {took:.2f}s (every object read back: {verified})", flush=True)
            users.change_plan(user_id, "free", publisher)  # the windows have passed: archived again at once
        print(f"\nupgrade -> all {args.jobs} archived jobs downloadable: median {statistics.median(figures):.2f}s, "
              f"min {min(figures):.2f}s, max {max(figures):.2f}s over {len(figures)} rounds")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
