"""A job as users see it, for the pages and the API alike: status, progress, where its results are, and
what they may do with it now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gas_shared.jobs import ARCHIVED, ARCHIVING, AVAILABLE, COMPLETED, FAILED, FINISHED, PENDING, RESTORING, RUNNING

BADGES = {PENDING: "secondary", RUNNING: "primary", COMPLETED: "success", FAILED: "danger"}
STAGES = {"fetching": "Fetching your file", "validating": "Checking the VCF", "normalising": "Normalising",
          "annotating": "Annotating variants", "summarising": "Counting consequences",
          "storing": "Storing results", "done": "Done"}
RESULT_LABELS = {"vcf": "Annotated VCF (bgzipped)", "index": "Tabix index", "plain_vcf": "Annotated VCF (plain)",
                 "log": "Count log", "summary": "Summary (JSON)"}


def parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def describe(job: dict[str, Any], *, plan: str, retention_seconds: int, queue_depth: int | None = None,
             at: datetime | None = None) -> dict[str, Any]:
    """The JSON shape of a job (the API's Job object); the pages render the same dict."""
    at = at or datetime.now(UTC)
    status = str(job.get("status", PENDING))
    storage = job.get("storage") if status == COMPLETED else None
    progress = job.get("progress") or {}
    view: dict[str, Any] = {
        "job_id": job["job_id"],
        "status": status,
        "input_filename": job.get("input_filename", ""),
        "input_size": int(job.get("input_size") or 0),
        "reference_id": job.get("reference_id", ""),
        "submitted_at": job.get("submitted_at"),
        "started_at": job.get("started_at"),
        "completed_at": job.get("completed_at"),
        "failed_at": job.get("failed_at"),
        "progress": {"stage": progress.get("stage", "queued" if status == PENDING else ""),
                     "stage_label": STAGES.get(str(progress.get("stage")), "Waiting for an annotator"),
                     "variants": int(progress.get("variants") or 0)},
        "finished": status in FINISHED,
        "storage": storage,
        "counts": _plain(job.get("counts") or {}),
        "results": sorted(job.get("results") or {}, key=_result_order) if status == COMPLETED else [],
    }
    if status == PENDING and queue_depth is not None:
        view["queue_position"] = queue_depth
    if status == FAILED:
        view["failure"] = {"reason": job.get("failure_reason", "unknown"),
                           "line": int(job["failure_line"]) if job.get("failure_line") else None}
    if storage == AVAILABLE and plan == "free":
        done = parse_time(job.get("restored_at")) or parse_time(job.get("completed_at"))
        if done:
            left = retention_seconds - (at - done).total_seconds()
            view["retention_seconds_left"] = max(0, int(left))
    if storage == RESTORING:
        restore = job.get("restore") or {}
        view["restore"] = {"tier": restore.get("tier"), "expected_ready_at": restore.get("expected_ready_at")}
    view["downloadable"] = storage == AVAILABLE
    view["live"] = status in (PENDING, RUNNING) or storage in (ARCHIVING, RESTORING)
    view["can_delete"] = status in FINISHED and storage != ARCHIVING
    view["archived"] = storage in (ARCHIVED, ARCHIVING)
    return view


def _result_order(name: str) -> tuple[int, str]:
    order = list(RESULT_LABELS)
    return (order.index(name) if name in order else len(order), name)


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals as ints, so the dict is JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):
        return int(value) if value == int(value) else float(value)
    return value


def minutes_left(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    return f"{minutes} more minute{'s' if minutes != 1 else ''}"


def chart_bars(counts: dict[str, int], top: int = 12) -> list[dict[str, Any]]:
    """Bars of a horizontal chart, widest first, as percentages of the largest (drawn as SVG, no script)."""
    items = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    most = max((v for _, v in items), default=0) or 1
    return [{"label": k.replace("_", " "), "count": v, "percent": round(100 * v / most, 1)} for k, v in items]
