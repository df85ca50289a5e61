"""A job as users see it, for the pages and the API alike: status, progress, where its results are, and
what they may do with it now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gas_shared.contract.plans import FREE, Plan
from gas_shared.contract.times import parse_time
from gas_shared.store.records import (
    ARCHIVED,
    ARCHIVING,
    AVAILABLE,
    CANCELLED,
    COMPLETED,
    FAILED,
    FINISHED,
    PENDING,
    RESTORING,
    RUNNING,
    Counts,
    Job,
)

BADGES = {PENDING: "secondary", RUNNING: "primary", COMPLETED: "success", FAILED: "danger", CANCELLED: "dark"}
STAGES = {"queued": "Waiting for an annotator", "starting": "Starting", "fetching": "Fetching your file",
          "validating": "Checking the VCF", "normalising": "Normalising", "annotating": "Annotating variants",
          "summarising": "Counting consequences", "storing": "Storing results", "done": "Done"}
RESULT_LABELS = {"vcf": "Annotated VCF (bgzipped)", "index": "Tabix index", "plain_vcf": "Annotated VCF (plain)",
                 "log": "Count log", "summary": "Summary (JSON)"}


def describe(job: Job, *, plan: Plan, retention_seconds: int, queue_depth: int | None = None,
             ahead: int | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The JSON shape of a job (the API's Job object); the pages render the same dict."""
    at = at or datetime.now(UTC)
    status = job.status
    storage = job.storage if status == COMPLETED else None
    progress = job.progress
    # "Waiting for an annotator" is for PENDING alone: a RUNNING job without progress yet is starting.
    stage = progress.stage if progress else ("queued" if status == PENDING else "starting" if status == RUNNING else "")
    view: dict[str, Any] = {
        "job_id": job.job_id,
        "status": status,
        "input_filename": job.input_filename,
        "input_size": job.input_size,
        "reference_id": job.reference_id,
        "hgvs": job.hgvs,
        "haplotypes": job.haplotypes,
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "completed_at": job.completed_at,
        "failed_at": job.failed_at,
        "cancelled_at": job.cancelled_at,
        "progress": {"stage": stage,
                     "stage_label": STAGES.get(stage, stage.replace("_", " ").capitalize()),
                     "variants": progress.variants if progress else 0},
        "finished": job.finished,
        "storage": storage,
        "counts": _counts(job.counts),
        "results": sorted(job.results, key=_result_order) if status == COMPLETED else [],
    }
    if status == PENDING and ahead is not None:
        # The user's own unfinished jobs before it in its lane, which run first, one at a time; other users'
        # jobs wait in lanes of their own and run beside them (fair scheduling), not before them.
        view["queue_position"] = ahead
    if status == PENDING and queue_depth is not None:
        view["queue_waiting"] = max(0, queue_depth - 1)  # every user's, approximate (SQS's count)
    if status == FAILED:
        view["failure"] = {"reason": job.failure_reason or "unknown", "line": job.failure_line or None}
    if storage == AVAILABLE and plan == FREE:
        done = parse_time(job.restored_at) or parse_time(job.completed_at)
        if done:
            left = retention_seconds - (at - done).total_seconds()
            view["retention_seconds_left"] = max(0, int(left))
    if storage == RESTORING:
        restore = job.restore
        view["restore"] = {"tier": restore.tier if restore else None,
                           "expected_ready_at": restore.expected_ready_at if restore else None}
    view["downloadable"] = storage == AVAILABLE
    view["live"] = status in (PENDING, RUNNING) or storage in (ARCHIVING, RESTORING)
    view["can_delete"] = status in FINISHED and storage != ARCHIVING
    view["archived"] = storage in (ARCHIVED, ARCHIVING)
    return view


def _result_order(name: str) -> tuple[int, str]:
    order = list(RESULT_LABELS)
    return (order.index(name) if name in order else len(order), name)


def _counts(counts: Counts | None) -> dict[str, Any]:
    return counts.model_dump() if counts else {}


def minutes_left(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    return f"{minutes} more minute{'s' if minutes != 1 else ''}"

