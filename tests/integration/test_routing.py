"""Each message type reaches exactly the queues that subscribe to it, as the exact envelope (raw delivery)."""

import json
import uuid

import pytest

from gas_shared.contract.messages import decode
from gas_shared.contract.topology import QUEUES
from gas_shared.runtime.publisher import Publisher
from gas_tools.polling import wait_until

# The routing contract, written out by hand: who must receive each message, and nobody else.
EXPECTED = {
    ("job.requested", None): {"annotate"},
    ("job.completed", None): {"archive"},
    ("job.failed", None): set(),
    ("job.archived", None): set(),
    ("user.plan_changed", "premium"): {"restore"},
    ("user.plan_changed", "free"): {"downgrade"},
    ("restore.requested", None): {"thaw"},
    ("job.restored", None): set(),
}


@pytest.mark.parametrize(("type_", "plan"), list(EXPECTED))
def test_message_reaches_exactly_its_subscribed_queues(aws, names, queues, golden, type_, plan):
    body = json.loads(golden(type_))
    if plan:
        body["data"]["plan"] = plan
    payload = decode(json.dumps(body)).data
    sent = Publisher(aws, names, "test").publish(payload)
    received = {}
    expected = EXPECTED[(type_, plan)]
    # Expected queues first (the archive queue holds messages back for the 2 s retention window);
    # by then anything misrouted has long arrived elsewhere.
    for key in sorted(expected) + sorted(q.key for q in QUEUES if q.key not in expected):
        messages = queues.receive(key, wait=5 if key in expected else 0.3, expect=1 if key in expected else None)
        if messages:
            received[key] = messages
    assert set(received) == expected
    for messages in received.values():
        assert len(messages) == 1
        got = decode(messages[0]["Body"])
        assert got.id == sent.id and got.data == payload


def test_s3_restore_completed_event_reaches_the_thaw_queue(aws, names, queues):
    s3 = aws.client("s3")
    user, job = uuid.uuid4(), uuid.uuid4()
    key = f"{user}/{job}/results/my sample (1).annot.vcf.gz"
    s3.put_object(Bucket=names.bucket("results"), Key=key, Body=b"##fileformat=VCFv4.2\n", StorageClass="GLACIER")
    s3.restore_object(Bucket=names.bucket("results"), Key=key,
                      RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}})
    # moto emits ObjectRestore:Completed when it next reads the object's restore status (as the thawer's
    # re-check does with head_object); AWS emits it on its own when the restore ends.
    assert 'ongoing-request="false"' in s3.head_object(Bucket=names.bucket("results"), Key=key)["Restore"]
    restored = []

    def restore_event_arrived():
        events = [decode(m["Body"]) for m in queues.receive("thaw", wait=0)]
        restored.extend(e.data for e in events if e.type == "s3.object_restored")
        return restored

    wait_until(restore_event_arrived, 10, what="ObjectRestore:Completed in the thaw queue")
    assert len(restored) == 1
    assert restored[0].bucket == names.bucket("results")
    assert restored[0].key == key  # URL-encoded in the notification, decoded with unquote_plus
