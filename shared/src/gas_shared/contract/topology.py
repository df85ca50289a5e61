"""What exists and who listens to what: names of every resource, derived from one prefix."""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import (
    JOBS_TOPIC,
    USERS_TOPIC,
    JobCompleted,
    JobRequested,
    RestoreRequested,
    UserPlanChanged,
)
from .plans import FREE, PREMIUM

TOPICS = (JOBS_TOPIC, USERS_TOPIC)
BUCKETS = ("inputs", "results", "references")
SERVICES = ("web", "annotator", "archiver", "restorer", "thawer")
JOBS_BY_USER_INDEX = "user_id-submitted_at"  # the jobs table's GSI: a user's jobs, newest last


@dataclass(frozen=True)
class Subscription:
    """An SNS topic feeding a queue, with the filter policy on message attributes."""

    topic: str
    filter_policy: dict[str, list[str]]


@dataclass(frozen=True)
class QueueSpec:
    """One work queue (and its dead-letter queue) and the service that consumes it."""

    key: str
    consumer: str
    subscriptions: tuple[Subscription, ...]
    # The archive queue holds job.completed back for the Free plan's retention window.
    delayed_by_retention: bool = False
    # S3 events on the results bucket delivered straight to this queue.
    results_bucket_events: tuple[str, ...] = field(default=())


QUEUES = (
    QueueSpec("annotate", "annotator", (Subscription(JOBS_TOPIC, {"type": [JobRequested.TYPE]}),)),
    QueueSpec(
        "archive", "archiver", (Subscription(JOBS_TOPIC, {"type": [JobCompleted.TYPE]}),),
        delayed_by_retention=True,
    ),
    QueueSpec(
        "downgrade", "archiver",
        (Subscription(USERS_TOPIC, {"type": [UserPlanChanged.TYPE], "plan": [FREE]}),),
    ),
    QueueSpec(
        "restore", "restorer",
        (Subscription(USERS_TOPIC, {"type": [UserPlanChanged.TYPE], "plan": [PREMIUM]}),),
    ),
    QueueSpec(
        "thaw", "thawer", (Subscription(JOBS_TOPIC, {"type": [RestoreRequested.TYPE]}),),
        results_bucket_events=("s3:ObjectRestore:Completed",),
    ),
)


def queues_of(service: str) -> tuple[QueueSpec, ...]:
    return tuple(q for q in QUEUES if q.consumer == service)


@dataclass(frozen=True)
class Names:
    """Every resource name, from the one prefix setting (GAS_PREFIX)."""

    prefix: str

    def bucket(self, kind: str) -> str:
        assert kind in BUCKETS, kind
        return f"{self.prefix}-{kind}"

    @property
    def jobs_table(self) -> str:
        return f"{self.prefix}-jobs"

    @property
    def users_table(self) -> str:
        return f"{self.prefix}-users"

    def topic(self, key: str) -> str:
        assert key in TOPICS, key
        return f"{self.prefix}-{key}"

    def queue(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def dlq(self, key: str) -> str:
        return f"{self.prefix}-{key}-dlq"
