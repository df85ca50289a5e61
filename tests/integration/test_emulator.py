"""What GAS relies on from the emulator the tests run on (for moto, with gas_tools.emulator's fixes): the
annotate queue's FIFO behaviour (one message of a group at a time; a group freed during a long poll served by
that same poll) and a state dump (where the tests read sent mail) that a deleted bucket does not break."""

import threading
import time
import urllib.request

import pytest

from gas_shared.runtime.consumer.sqs import fifo_send


def _receive(sqs, url, wait):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=wait,
                               MessageSystemAttributeNames=["MessageGroupId"]).get("Messages", [])


def test_a_group_runs_one_message_at_a_time_and_others_go_past_it(aws, provisioned):
    sqs, url = aws.client("sqs"), provisioned.queues["annotate"]
    for body, group in (("a1", "alice:0"), ("a2", "alice:0"), ("b1", "bob:0")):
        sqs.send_message(QueueUrl=url, MessageBody=body, **fifo_send(url, group))
    (first,) = _receive(sqs, url, 1)
    (second,) = _receive(sqs, url, 1)
    assert (first["Body"], second["Body"]) == ("a1", "b1")  # a2 waits for a1, b1 does not
    assert _receive(sqs, url, 1) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    (third,) = _receive(sqs, url, 1)
    assert third["Body"] == "a2" and third["Attributes"]["MessageGroupId"] == "alice:0"


def test_a_group_freed_during_a_long_poll_is_served_by_that_poll(aws, provisioned):
    # moto copied the groups in flight once per poll: this poll came back empty after its whole wait.
    sqs, url = aws.client("sqs"), provisioned.queues["annotate"]
    for body in ("a1", "a2"):
        sqs.send_message(QueueUrl=url, MessageBody=body, **fifo_send(url, "alice:0"))
    (first,) = _receive(sqs, url, 1)
    got: list = []
    poll = threading.Thread(target=lambda: got.extend(_receive(sqs, url, 8)))
    poll.start()
    time.sleep(1)  # the poll is waiting, a2 held behind a1
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    poll.join(20)
    assert [m["Body"] for m in got] == ["a2"]


def test_the_state_dump_survives_a_restore_in_a_bucket_deleted_since(aws, backend):
    # moto ended the restore as the dump read the key, told its (deleted) bucket, and answered 500 to all.
    if backend.kind != "moto":
        pytest.skip("moto's state dump")
    s3, bucket = aws.client("s3"), f"dump-{time.time_ns()}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="GLACIER")
    s3.restore_object(Bucket=bucket, Key="k", RestoreRequest={"Days": 1})
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    with urllib.request.urlopen(f"{backend.endpoint}/moto-api/data.json") as answer:
        assert answer.status == 200
