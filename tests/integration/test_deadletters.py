"""`gas dead-letters`: each queue's depth, a peek at why messages died, and a redrive back to the queue."""

import os
import subprocess
import sys

from gas_shared.runtime.consumer.sqs import fifo_send


def gas(aws_env, names, *args):
    env = {**os.environ, **aws_env, "GAS_PREFIX": names.prefix}
    return subprocess.run([sys.executable, "-m", "gas_tools.cli", "dead-letters", *args], env=env,
                          capture_output=True, text=True, check=True).stdout


def test_dead_letters_are_counted_explained_and_redriven(aws, aws_env, names, provisioned, queues, golden):
    sqs = aws.client("sqs")
    for n in range(3):  # as the consumer leaves them: the reason beside the original attributes
        sqs.send_message(QueueUrl=provisioned.dead_letter_queues["annotate"], MessageBody=golden("job.requested"),
                         MessageAttributes={
                             "type": {"DataType": "String", "StringValue": "job.requested"},
                             "gas_dead_letter_reason": {"DataType": "String", "StringValue": f"permanent: try {n}"},
                             "gas_source_queue": {"DataType": "String", "StringValue": names.queue("annotate")}},
                         **fifo_send(provisioned.dead_letter_queues["annotate"], group=f"user:{n}"))
    sqs.send_message(QueueUrl=provisioned.dead_letter_queues["thaw"], MessageBody="{not json")

    table = gas(aws_env, names).splitlines()
    assert table[0].split() == ["queue", "waiting", "dead"]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert rows["annotate"] == ["0", "3"] and rows["archive"] == ["0", "0"]
    assert rows["thaw"][1] == "1"  # (its waiting count may include S3's s3:TestEvent)

    assert "permanent: try" in gas(aws_env, names, "--peek", "annotate")

    assert gas(aws_env, names, "--redrive", "annotate", "--max", "2").strip() == "annotate: 2 moved back to the queue"
    assert gas(aws_env, names, "--redrive", "all").splitlines()[0] == "annotate: 1 moved back to the queue"
    back = queues.receive("annotate", expect=3)
    assert len(back) == 3 and all(m["Body"] == golden("job.requested") for m in back)
    assert all(set(m["MessageAttributes"]) == {"type"} for m in back)  # starts afresh, its type kept
    assert queues.receive("thaw", expect=1)[0]["Body"] == "{not json"
    assert queues.depth("annotate", dead=True) == 0 and queues.depth("thaw", dead=True) == 0
