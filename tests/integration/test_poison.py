"""A poison message ends in the dead-letter queue while the service stays up and keeps working."""

import json

from gas_tools.polling import wait_until


def test_poison_messages_are_dead_lettered_and_the_service_stays_healthy(start_service, queues, golden):
    annotator = start_service("annotator")
    good = golden("job.requested")
    wrong_version = json.loads(good) | {"version": 9}
    bad_data = json.loads(good)
    bad_data["data"]["input_key"] = "../../etc/passwd"
    poison = [
        "not json at all",
        "H4sIAAAAAAAAA+3BAQ0AAADCoPdPbQ8HFAAAAAAAAAAAAAAA",  # binary in disguise
        json.dumps([1, 2, 3]),
        json.dumps(wrong_version),
        json.dumps(bad_data),
        golden("job.completed"),  # a valid message this queue has no handler for
    ]
    for body in poison:
        queues.send("annotate", body)
    queues.send("annotate", good)

    dead = queues.receive("annotate", dead=True, wait=30, expect=len(poison))
    assert sorted(m["Body"] for m in dead) == sorted(poison)
    reasons = [m["MessageAttributes"]["gas_dead_letter_reason"]["StringValue"] for m in dead]
    assert sum(r.startswith("undecodable:") for r in reasons) == 5
    assert any("no handler for job.completed" in r for r in reasons)

    wait_until(lambda: queues.depth("annotate") == 0, 10, what="the good message handled")
    assert annotator.child.running
    assert annotator.status("/healthz") == 200
    assert annotator.status("/readyz") == 200
    handled = [line for line in annotator.log() if line["message"].startswith("handled job.requested")]
    assert len(handled) == 1 and handled[0]["correlation_id"] == json.loads(good)["correlation_id"]
    poison_lines = [line for line in annotator.log() if line["message"].startswith("poison message")]
    assert len(poison_lines) == 5 and all(line["level"] == "ERROR" for line in poison_lines)
