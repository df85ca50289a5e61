import json
from dataclasses import replace

from gas_shared.contract.topology import QUEUES
from gas_tools.provisioning import JOBS_BY_USER_INDEX, provision

from .conftest import PLAN


def test_provisioning_creates_everything_named_by_the_prefix(aws, names, provisioned):
    s3, ddb, sqs = aws.client("s3"), aws.client("dynamodb"), aws.client("sqs")
    for kind in ("inputs", "results", "references"):
        s3.head_bucket(Bucket=names.bucket(kind))
    cors = s3.get_bucket_cors(Bucket=names.bucket("inputs"))["CORSRules"][0]
    assert "POST" in cors["AllowedMethods"] and "http://127.0.0.1:8080" in cors["AllowedOrigins"]
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=names.bucket("inputs"))["Rules"]}
    assert rules["gas-unsubmitted-uploads"]["Filter"]["Prefix"] == "uploads/"  # only uploads never submitted
    assert rules["gas-unsubmitted-uploads"]["Expiration"]["Days"] == 1
    assert rules["gas-abandoned-multipart"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    jobs = ddb.describe_table(TableName=names.jobs_table)["Table"]
    index = jobs["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == JOBS_BY_USER_INDEX
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["user_id", "submitted_at"]
    ddb.describe_table(TableName=names.users_table)
    for spec in QUEUES:
        attrs = sqs.get_queue_attributes(QueueUrl=provisioned.queues[spec.key], AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["maxReceiveCount"] == PLAN.max_receives
        assert redrive["deadLetterTargetArn"].endswith(names.dlq(spec.key))
        assert attrs["DelaySeconds"] == ("2" if spec.key == "archive" else "0")
    notifications = s3.get_bucket_notification_configuration(Bucket=names.bucket("results"))
    (restore_events,) = notifications["QueueConfigurations"]
    assert restore_events["Events"] == ["s3:ObjectRestore:Completed"]
    assert restore_events["QueueArn"].endswith(names.queue("thaw"))
    thaw = sqs.get_queue_attributes(QueueUrl=provisioned.queues["thaw"], AttributeNames=["Policy"])["Attributes"]
    (from_s3,) = [st for st in json.loads(thaw["Policy"])["Statement"] if st["Sid"] == "results-bucket-events"]
    account = provisioned.topics["jobs"].split(":")[4]
    assert from_s3["Condition"]["StringEquals"]["aws:SourceAccount"] == account  # a bucket ARN names no account


def test_provisioning_again_changes_nothing_but_what_settings_changed(aws, names, provisioned):
    sns, sqs = aws.client("sns"), aws.client("sqs")

    def subscriptions():
        return sorted(
            (s["TopicArn"], s["Endpoint"])
            for arn in provisioned.topics.values()
            for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        )

    before = subscriptions()
    again = provision(aws, names, replace(PLAN, retention_seconds=3600))
    assert again.queues == provisioned.queues and again.topics == provisioned.topics
    assert subscriptions() == before and len(before) == 5
    delay = sqs.get_queue_attributes(QueueUrl=again.queues["archive"], AttributeNames=["DelaySeconds"])
    assert delay["Attributes"]["DelaySeconds"] == "900"  # SQS's ceiling; longer windows are deferred by the archiver
