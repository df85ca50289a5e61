"""Creates every bucket, table, topic, queue and subscription GAS needs. Idempotent; one source of truth.

Used by `make run`, by the LocalStack init hook in docker compose, by the tests, and (as `gas provision`)
against AWS. Running it again converges attributes (delay, filter policies, redrive) to the code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from gas_shared.contract.keys import UPLOADS
from gas_shared.contract.topology import (
    BUCKETS,
    FIFO_TOPICS,
    JOBS_BY_USER_INDEX,
    QUEUES,
    TOPICS,
    Names,
    QueueSpec,
)
from gas_shared.runtime.aws import Aws, error_code
from gas_shared.runtime.mail import sender_address
from gas_shared.runtime.settings import MailSettings, RetentionSettings, ServiceSettings

log = logging.getLogger(__name__)

MAX_QUEUE_DELAY = 900  # SQS DelaySeconds ceiling; the archiver defers longer windows itself
DLQ_RETENTION = 14 * 24 * 3600  # the most SQS keeps a message: time for an operator to look
QUEUE_RETENTION = 4 * 24 * 3600
UPLOAD_DAYS = 1  # an upload not submitted within a day is gone (S3 lifecycle rules count whole days)


class ProvisionSettings(ServiceSettings, RetentionSettings, MailSettings):
    """Settings of `gas provision` (and of the local stack, which provisions at start)."""

    cors_origins: str = Field(
        "http://127.0.0.1:8080,http://localhost:8080",
        description="comma-separated origins allowed to POST uploads to the inputs bucket",
    )
    queue_visibility_timeout: int = Field(60, ge=0, le=43200)
    max_receives: int = Field(5, ge=1, le=1000, description="receives before SQS moves a message to its DLQ")


@dataclass(frozen=True)
class Options:
    """The knobs provisioning takes from settings."""

    retention_seconds: int = 300
    max_receives: int = 5
    visibility_timeout: int = 60
    cors_origins: tuple[str, ...] = ("http://127.0.0.1:8080", "http://localhost:8080")
    mail_from: str = "GAS <noreply@gas.example>"

    @classmethod
    def from_settings(cls, settings: ProvisionSettings) -> Options:
        return cls(
            retention_seconds=settings.free_retention_seconds,
            max_receives=settings.max_receives,
            visibility_timeout=settings.queue_visibility_timeout,
            cors_origins=tuple(o.strip() for o in settings.cors_origins.split(",") if o.strip()),
            mail_from=settings.mail_from,
        )


@dataclass
class Provisioned:
    """What exists after a run: ARNs and URLs by key, for callers and the log."""

    buckets: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)


def provision(aws: Aws, names: Names, plan: Options = Options()) -> Provisioned:
    done = Provisioned()
    for kind in BUCKETS:
        _bucket(aws, names.bucket(kind), cors_origins=plan.cors_origins if kind == "inputs" else ())
        done.buckets.append(names.bucket(kind))
    _table(aws, names.jobs_table, "job_id", index=(JOBS_BY_USER_INDEX, "user_id", "submitted_at"))
    _table(aws, names.users_table, "user_id")
    done.tables += [names.jobs_table, names.users_table]
    sns = aws.client("sns")
    for topic in TOPICS:
        # FIFO: deduplicated by the id the publisher gives (the message's), not by content.
        fifo = ({"Attributes": {"FifoTopic": "true", "ContentBasedDeduplication": "false"}}
                if topic in FIFO_TOPICS else {})
        done.topics[topic] = sns.create_topic(Name=names.topic(topic), **fifo)["TopicArn"]
    results_bucket_arn = f"arn:{aws.partition}:s3:::{names.bucket('results')}"
    notifications = []
    for spec in QUEUES:
        dlq_url, dlq_arn = _queue(aws, names.dlq(spec.key), {"MessageRetentionPeriod": str(DLQ_RETENTION)},
                                  fifo=spec.fifo)
        url, arn = _queue(aws, names.queue(spec.key), _queue_attributes(spec, plan, dlq_arn, done, results_bucket_arn),
                          fifo=spec.fifo)
        done.queues[spec.key], done.dead_letter_queues[spec.key] = url, dlq_url
        for sub in spec.subscriptions:
            _subscribe(aws, done.topics[sub.topic], arn, sub.filter_policy)
        if spec.results_bucket_events:
            notifications.append({"Id": f"gas-{spec.key}", "QueueArn": arn, "Events": list(spec.results_bucket_events)})
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=names.bucket("results"), NotificationConfiguration={"QueueConfigurations": notifications}
    )
    # SES sends only from verified identities (on AWS this mails a confirmation link once).
    aws.client("ses").verify_email_identity(EmailAddress=sender_address(plan.mail_from))
    log.info("provisioned prefix %s: %d buckets, %d tables, %d topics, %d queues",
             names.prefix, len(done.buckets), len(done.tables), len(done.topics), len(done.queues))
    return done


def _queue_attributes(
    spec: QueueSpec, plan: Options, dlq_arn: str, done: Provisioned, results_bucket_arn: str
) -> dict[str, str]:
    delay = min(plan.retention_seconds, MAX_QUEUE_DELAY) if spec.delayed_by_retention else 0
    sources = [done.topics[s.topic] for s in spec.subscriptions]
    account = next(iter(done.topics.values())).split(":")[4]  # arn:aws:sns:<region>:<account>:<name>
    statements: list[dict[str, Any]] = [
        {
            "Sid": "topics",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": sources}},
        }
    ]
    if spec.results_bucket_events:
        statements.append({
            "Sid": "results-bucket-events",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
            # A bucket ARN names no account: the account too, so a bucket of that name elsewhere cannot send.
            "Condition": {"ArnEquals": {"aws:SourceArn": results_bucket_arn},
                          "StringEquals": {"aws:SourceAccount": account}},
        })
    return {
        "DelaySeconds": str(delay),
        "VisibilityTimeout": str(plan.visibility_timeout),
        "MessageRetentionPeriod": str(QUEUE_RETENTION),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": plan.max_receives}),
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": statements}),
    }


def _bucket(aws: Aws, name: str, cors_origins: tuple[str, ...]) -> None:
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as e:
        if error_code(e) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        extra = {} if aws.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": aws.region}
        }
        try:
            s3.create_bucket(Bucket=name, **extra)
        except ClientError as e2:
            if error_code(e2) != "BucketAlreadyOwnedByYou":
                raise
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    if cors_origins:
        # The inputs bucket. Uploads never submitted expire, and so do the parts of abandoned multipart uploads.
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "gas-unsubmitted-uploads", "Status": "Enabled", "Filter": {"Prefix": UPLOADS},
             "Expiration": {"Days": UPLOAD_DAYS}},
            {"ID": "gas-abandoned-multipart", "Status": "Enabled", "Filter": {"Prefix": ""},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": UPLOAD_DAYS}},
        ]})
        # Browsers POST uploads straight to this bucket (presigned POST), so it must answer CORS.
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": list(cors_origins),
            "AllowedMethods": ["POST", "GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag", "Location"],
            "MaxAgeSeconds": 3600,
        }]})


def _table(aws: Aws, name: str, key: str, index: tuple[str, str, str] | None = None) -> None:
    ddb = aws.client("dynamodb")
    try:
        ddb.describe_table(TableName=name)
        return
    except ClientError as e:
        if error_code(e) != "ResourceNotFoundException":
            raise
    attributes = [{"AttributeName": key, "AttributeType": "S"}]
    extra: dict[str, Any] = {}
    if index:
        index_name, hash_key, range_key = index
        attributes += [
            {"AttributeName": hash_key, "AttributeType": "S"},
            {"AttributeName": range_key, "AttributeType": "S"},
        ]
        extra["GlobalSecondaryIndexes"] = [{
            "IndexName": index_name,
            "KeySchema": [
                {"AttributeName": hash_key, "KeyType": "HASH"},
                {"AttributeName": range_key, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }]
    try:
        ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], **extra,
        )
    except ClientError as e:
        if error_code(e) != "ResourceInUseException":  # another provisioner got there first
            raise
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def _queue(aws: Aws, name: str, attributes: dict[str, str], *, fifo: bool = False) -> tuple[str, str]:
    sqs = aws.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except ClientError as e:
        if error_code(e) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        # A queue is FIFO from birth (the attribute cannot be set later); dedup ids come from the sender.
        born = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
        url = sqs.create_queue(QueueName=name, Attributes={**attributes, **born})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _subscribe(aws: Aws, topic_arn: str, queue_arn: str, filter_policy: dict[str, list[str]]) -> None:
    sns = aws.client("sns")
    # Raw delivery: the SQS body is exactly the envelope, with no SNS wrapper to peel off.
    wanted = {"RawMessageDelivery": "true", "FilterPolicy": json.dumps(filter_policy, sort_keys=True)}
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for sub in page["Subscriptions"]:
            if sub["Endpoint"] == queue_arn and sub["Protocol"] == "sqs":
                for attribute, value in wanted.items():
                    sns.set_subscription_attributes(
                        SubscriptionArn=sub["SubscriptionArn"], AttributeName=attribute, AttributeValue=value
                    )
                return
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=wanted,
                  ReturnSubscriptionArn=True)
