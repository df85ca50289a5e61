"""Readiness checks: does each queue, table and bucket a service uses answer right now?"""

from __future__ import annotations

from ..contract.topology import Names, QueueSpec
from .aws import Aws
from .health import Check


def queue(aws: Aws, name: str) -> Check:
    def check() -> None:
        aws.client("sqs", probe=True).get_queue_url(QueueName=name)
    return check


def table(aws: Aws, name: str) -> Check:
    def check() -> None:
        status = aws.client("dynamodb", probe=True).describe_table(TableName=name)["Table"]["TableStatus"]
        if status not in ("ACTIVE", "UPDATING"):
            raise RuntimeError(f"table is {status}")
    return check


def bucket(aws: Aws, name: str) -> Check:
    def check() -> None:
        aws.client("s3", probe=True).head_bucket(Bucket=name)
    return check


def topic(aws: Aws, name: str) -> Check:
    def check() -> None:
        aws.client("sns", probe=True).get_topic_attributes(TopicArn=aws.arn("sns", name))
    return check


def for_service(
    aws: Aws, names: Names, queues: tuple[QueueSpec, ...], buckets: tuple[str, ...] = ("inputs", "results")
) -> dict[str, Check]:
    """The usual dependencies: the service's queues, both tables and the buckets it touches."""
    checks: dict[str, Check] = {f"queue:{q.key}": queue(aws, names.queue(q.key)) for q in queues}
    checks["table:jobs"] = table(aws, names.jobs_table)
    checks["table:users"] = table(aws, names.users_table)
    for kind in buckets:
        checks[f"bucket:{kind}"] = bucket(aws, names.bucket(kind))
    return checks
