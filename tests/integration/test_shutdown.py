"""SIGTERM: stop receiving, finish (or release) what is in hand, exit 0."""

import json
import signal
import sys
from pathlib import Path

from gas_tools.polling import wait_until

SLOW_WORKER = [sys.executable, str(Path(__file__).with_name("slow_worker.py"))]


def _started(worker):
    return any(line["message"] == "work started" for line in worker.log())


def _marker(aws, names, golden):
    job = json.loads(golden("job.requested"))["data"]
    prefix = f"{job['user_id']}/{job['job_id']}/"
    answer = aws.client("s3").list_objects_v2(Bucket=names.bucket("results"), Prefix=prefix)
    return [o["Key"] for o in answer.get("Contents", [])]


def test_sigterm_finishes_work_in_hand_then_exits_0(start_service, queues, aws, names, golden):
    worker = start_service("slow-worker", SLOW_WORKER, GAS_TEST_WORK_SECONDS="3", GAS_DRAIN_SECONDS="20")
    queues.send("annotate", golden("job.requested"))
    wait_until(lambda: _started(worker), 15, what="work started")
    assert worker.stop(signal.SIGTERM, timeout=25) == 0
    assert len(_marker(aws, names, golden)) == 1  # the work finished
    assert queues.depth("annotate") == 0  # and its message was acknowledged


def test_sigterm_releases_work_that_outlasts_the_drain_window(start_service, queues, aws, names, golden):
    worker = start_service("slow-worker", SLOW_WORKER, GAS_TEST_WORK_SECONDS="60", GAS_DRAIN_SECONDS="1")
    queues.send("annotate", golden("job.requested"))
    wait_until(lambda: _started(worker), 15, what="work started")
    assert worker.stop(signal.SIGTERM, timeout=15) == 0
    # Handed back (sent again): back at once, not after the 10 s visibility timeout.
    back = queues.receive("annotate", wait=3, expect=1)
    assert len(back) == 1 and json.loads(back[0]["Body"]) == json.loads(golden("job.requested"))
    assert _marker(aws, names, golden) == []
    assert any("releasing unfinished message" in line["message"] for line in worker.log())
