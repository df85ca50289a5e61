"""Which jobs a caller may see, and how: the owner's job or 404, a job as the pages and the API show it,
and a user's jobs a page at a time behind an opaque cursor. The pages and the JSON API both use these."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import abort

from gas_shared.contract.messages import lane_of
from gas_shared.contract.times import parse_time
from gas_shared.store.records import AVAILABLE, COMPLETED, PENDING, Job, User

from .jobview import describe
from .settings import ACTIVE_JOBS_SEEN
from .wiring import gas

CURSOR_FIELDS = frozenset({"job_id", "user_id", "submitted_at"})  # the jobs index's key


def owned_job(user: User, job_id: str) -> Job:
    """The user's job, or 404: for a job of someone else exactly as for one that does not exist."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        abort(404)
    job = gas().stores.jobs.get(job_id)
    if job is None or job.user_id != user.user_id:
        abort(404)
    return job


def view_of(user: User, job: Job) -> dict[str, Any]:
    pending = job.status == PENDING
    return describe(job, plan=user.plan, retention_seconds=gas().settings.free_retention_seconds,
                    queue_depth=gas().queue_depth() if pending else None,
                    ahead=ahead_in_lane(user, job) if pending else None)


def ahead_in_lane(user: User, job: Job) -> int:
    """How many of the user's unfinished jobs are before this one in its lane (see JobRequested.message_group):
    they run first. Counted with the plan's lanes now (a job submitted before a plan change keeps the lane it
    was given, so this can be off by the jobs of one lane then)."""
    lanes = gas().settings.job_lanes(user.plan)
    lane = lane_of(uuid.UUID(job.job_id), lanes)
    recent, _ = gas().stores.jobs.page(user.user_id, ACTIVE_JOBS_SEEN)
    return sum(1 for other in recent
               if other.job_id != job.job_id and not other.finished and other.submitted_at <= job.submitted_at
               and lane_of(uuid.UUID(other.job_id), lanes) == lane)


def encode_cursor(after: dict[str, Any] | None) -> str | None:
    if not after:
        return None
    return base64.urlsafe_b64encode(json.dumps(after, sort_keys=True).encode()).decode()


def decode_cursor(user: User, text: str | None) -> dict[str, Any] | None:
    """A page cursor from the request: only ever this user's index key, or 400."""
    if not text:
        return None
    try:
        after = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, binascii.Error):
        abort(400)
    if (not isinstance(after, dict) or set(after) != CURSOR_FIELDS
            or after["user_id"] != user.user_id or not all(isinstance(v, str) for v in after.values())):
        abort(400)
    return after


def jobs_page(user: User, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    jobs, after = gas().stores.jobs.page(user.user_id, limit, decode_cursor(user, cursor))
    retention = gas().settings.free_retention_seconds
    return [describe(j, plan=user.plan, retention_seconds=retention) for j in jobs], encode_cursor(after)


@dataclass(frozen=True)
class ArchivePreview:
    """What a move to Free would archive: results past the window at once, the others as theirs end."""

    now: int
    later: int
    next_in_seconds: int | None  # until the first of the later ones goes


def archive_preview(user: User, pages: int = 10) -> ArchivePreview:
    """Over the user's newest jobs (`pages` of 100: a downgrade archives all, the preview counts these)."""
    retention = gas().settings.free_retention_seconds
    at = datetime.now(UTC)
    now = later = 0
    soonest: float | None = None
    after = None
    for _ in range(pages):
        jobs, after = gas().stores.jobs.page(user.user_id, 100, after)
        for job in jobs:
            done = parse_time(job.restored_at) or parse_time(job.completed_at)
            if job.status != COMPLETED or job.storage != AVAILABLE or done is None:
                continue
            left = retention - (at - done).total_seconds()
            if left <= 0:
                now += 1
            else:
                later += 1
                soonest = left if soonest is None else min(soonest, left)
        if not after:
            break
    return ArchivePreview(now, later, None if soonest is None else int(soonest))
