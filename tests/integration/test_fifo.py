"""The annotate queue's FIFO behaviour, as GAS relies on it, on whichever emulator runs the tests (for moto,
gas_tools.emulator's fixes): one message of a group at a time, and a group freed during a long poll served by
that same poll."""

import threading
import time

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
