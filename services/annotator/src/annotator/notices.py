"""What the annotator tells users by e-mail."""

from __future__ import annotations

from typing import Any


def completed(job: dict[str, Any], web_url: str) -> tuple[str, str]:
    counts = job.get("counts", {})
    name = job.get("input_filename", "your file")
    subject = f"GAS: {name} is annotated"
    body = (
        f"Your annotation job for {name} is complete.\n\n"
        f"Variants annotated: {counts.get('variants', 0)}\n"
        f"Genes hit: {counts.get('genes_hit', 0)}\n"
        f"Reference: {job.get('reference_id', '')}\n\n"
        f"See the results: {web_url.rstrip('/')}/jobs/{job['job_id']}\n"
    )
    return subject, body


def failed(job: dict[str, Any], web_url: str) -> tuple[str, str]:
    name = job.get("input_filename", "your file")
    line = job.get("failure_line")
    where = f" (line {line})" if line else ""
    subject = f"GAS: {name} could not be annotated"
    body = (
        f"Your annotation job for {name} failed{where}:\n\n"
        f"  {job.get('failure_reason', 'unknown error')}\n\n"
        f"Fix the file and submit it again: {web_url.rstrip('/')}/jobs/{job['job_id']}\n"
    )
    return subject, body
