"""What the annotator tells users by e-mail."""

from __future__ import annotations

from gas_shared.runtime.mail import mail_name
from gas_shared.store.records import Job


def completed(job: Job, web_url: str, *, kept_seconds: int | None = None) -> tuple[str, str]:
    """`kept_seconds`: the Free plan's retention window (None on Premium, where results stay)."""
    counts = job.counts
    name = mail_name(job.input_filename)
    subject = f"GAS: {name} is annotated"
    body = (
        f"Your annotation job for {name} is complete.\n\n"
        f"Variants annotated: {counts.variants if counts else 0}\n"
        f"Genes hit: {counts.genes_hit if counts else 0}\n"
        f"Reference: {job.reference_id}\n\n"
        f"See the results: {web_url.rstrip('/')}/jobs/{job.job_id}\n"
    )
    if kept_seconds is not None:
        body += (f"\nOn the Free plan the files are kept for {_duration(kept_seconds)}, then moved to cold storage"
                 " (the summary stays on the job page). Upgrade to Premium to keep them, or to bring them back.\n")
    return subject, body


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def failed(job: Job, web_url: str) -> tuple[str, str]:
    name = mail_name(job.input_filename)
    where = f" (line {job.failure_line})" if job.failure_line else ""
    subject = f"GAS: {name} could not be annotated"
    body = (
        f"Your annotation job for {name} failed{where}:\n\n"
        f"  {job.failure_reason or 'unknown error'}\n\n"
        f"Fix the file and submit it again: {web_url.rstrip('/')}/jobs/{job.job_id}\n"
    )
    return subject, body
