"""What exists and who listens to what: names of every resource, derived from one prefix."""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import (
    JOBS_TOPIC,
    REQUESTS_TOPIC,
    USERS_TOPIC,
    JobCompleted,
    JobRequested,
    RestoreRequested,
    UserPlanChanged,
)
from .plans import FREE, PREMIUM

TOPICS = (JOBS_TOPIC, USERS_TOPIC, REQUESTS_TOPIC)
# FIFO topics and queues: SQS hands out one message of a message group at a time, so a job request's group
# (its user and lane, see JobRequested.message_group) runs at most one job at a time, while other groups go past it. A
# user's burst therefore waits behind itself, never in front of another user's job.
FIFO = ".fifo"
FIFO_TOPICS = frozenset({REQUESTS_TOPIC})
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
    fifo: bool = False  # fed by a FIFO topic (S3 cannot send to a FIFO queue)


QUEUES = (
    QueueSpec("annotate", "annotator", (Subscription(REQUESTS_TOPIC, {"type": [JobRequested.TYPE]}),), fifo=True),
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


FIFO_QUEUES = frozenset(q.key for q in QUEUES if q.fifo)


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
        return f"{self.prefix}-{key}" + (FIFO if key in FIFO_TOPICS else "")

    def queue(self, key: str) -> str:
        return f"{self.prefix}-{key}" + (FIFO if key in FIFO_QUEUES else "")

    def dlq(self, key: str) -> str:
        return f"{self.prefix}-{key}-dlq" + (FIFO if key in FIFO_QUEUES else "")
