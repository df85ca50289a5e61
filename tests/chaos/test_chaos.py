"""Faults under load, each scenario with a fixed seed and a bounded duration, each asserting the end state of
every job: COMPLETED, and every effect (message, e-mail) exactly once. Counts go to test-output/chaos.json.

Real service processes on the emulator; the lifecycle runs with a 2 s window, so a Free job is annotated,
archived, and (after the upgrade) restored within a scenario.
"""

from __future__ import annotations

import json
import random
import signal
import time

import pytest

from gas_tools.polling import wait_until

from .harness import FAST, Load, faulty, moto_pid, record

pytestmark = pytest.mark.chaos
WORKERS = ("annotator", "archiver", "restorer", "thawer")
LIFECYCLE = {"job.completed": 1, "job.archived": 1, "restore.requested": 1, "job.restored": 1}


@pytest.fixture
def load(aws, names, provisioned, tap, mailbox, tmp_path_factory):
    def make(seed: int) -> Load:
        return Load(aws, names, tap, mailbox, tmp_path_factory.getbasetemp(), seed)
    return make


@pytest.fixture
def run(start_service, tmp_path):
    """run(name, argv=None, **env): a worker with the scenario's fast settings and a shared reference cache."""
    def start(name, argv=None, **env):
        return start_service(name, argv, GAS_REFERENCE_CACHE=str(tmp_path / "cache"), **{**FAST, **env})
    return start


def archived(job) -> bool:
    return job.storage == "ARCHIVED"


def restored(job) -> bool:
    return job.storage == "AVAILABLE" and bool(job.restored_at)


def settle(queues, *keys):
    wait_until(lambda: all(queues.depth(k) == 0 for k in keys), 60, every=0.5, what="queues drained")


def test_kill_9_of_each_worker_in_turn_loses_nothing_and_doubles_nothing(load, run, queues):
    rng = random.Random(20261124)
    gas = load(seed=1)
    services = {name: run(name) for name in WORKERS}
    kills = []

    def kill_and_restart(name: str, after: float) -> None:
        time.sleep(after)  # the fault's moment, drawn from the seed: not a wait for a condition
        services[name].stop(signal.SIGKILL)
        kills.append(name)
        services[name] = run(name)

    gas.submit(20)
    kill_and_restart("annotator", rng.uniform(0.5, 2.0))  # jobs in hand die with it; leases run out
    kill_and_restart("archiver", rng.uniform(2.0, 4.0))  # windows end 2 s after each completion
    gas.wait(archived, 120, "every job archived")
    gas.upgrade_all()
    kill_and_restart("restorer", rng.uniform(0.1, 0.6))
    kill_and_restart("thawer", rng.uniform(0.1, 0.6))
    gas.wait(restored, 120, "every job restored")
    settle(queues, "annotate", "archive", "restore", "thaw")

    books = gas.account(expect=LIFECYCLE, upgraded=True)  # "is annotated", then one "available again" a user
    record("kill -9 of each worker in turn", {**books.summary(), "kills": kills, "phases": gas.phases})
    assert books.lost == [] and books.doubled == {}
    assert all(queues.depth(k, dead=True) == 0 for k in ("annotate", "archive", "restore", "thaw"))


def test_an_emulator_outage_of_30_s_is_ridden_out(load, run, backend, queues):
    if backend.kind != "moto":
        pytest.skip("pauses the session's own moto server")
    gas = load(seed=2)
    annotator = run("annotator")
    gas.submit(20)
    pid = moto_pid(backend.endpoint)
    began = time.monotonic()
    import os
    os.kill(pid, signal.SIGSTOP)  # the emulator stops answering, mid-load
    try:
        wait_until(lambda: annotator.status("/readyz") == 503, 20, what="the annotator reporting not-ready")
        assert annotator.status("/healthz") == 200 and annotator.child.running
        time.sleep(max(0.0, 30 - (time.monotonic() - began)))  # the rest of the 30 s outage
    finally:
        os.kill(pid, signal.SIGCONT)
    gas.wait(lambda job: job.status == "COMPLETED", 180, "every job completed after the outage")
    wait_until(lambda: annotator.status("/readyz") == 200, 30, what="ready again")
    settle(queues, "annotate")

    books = gas.account(expect={"job.completed": 1}, upgraded=False)
    retried = [line for line in annotator.log() if line.get("level") == "WARNING"]
    record("emulator paused for 30 s", {**books.summary(), "outage_s": 30, "warnings_logged": len(retried)})
    assert books.lost == [] and books.doubled == {}
    assert queues.depth("annotate", dead=True) == 0


def test_every_message_published_twice_repeats_no_effect(load, run, queues):
    gas = load(seed=3)
    for name in WORKERS:  # every service publishes each of its messages twice
        run(name, faulty(name), GAS_TEST_DUPLICATE_PUBLISH="1")
    gas.submit(20, twice=True)  # and so does the "web app"
    gas.wait(archived, 120, "every job archived")
    gas.upgrade_all(twice=True)
    gas.wait(restored, 120, "every job restored")
    settle(queues, "annotate", "archive", "restore", "thaw")

    books = gas.account(expect=LIFECYCLE, upgraded=True)
    cycles = {gas.jobs.get(j).cycle for j in gas.submitted}
    record("every message published twice", {**books.summary(), "duplicated_publishes": "all",
                                              "cycles": sorted(cycles), "phases": gas.phases})
    assert books.lost == [] and books.doubled == {} and cycles == {1}


def test_poison_of_every_kind_ends_in_the_dead_letter_queues_and_the_load_completes(load, run, queues, golden):
    gas = load(seed=4)
    services = {name: run(name) for name in WORKERS}
    wrong_version = json.loads(golden("job.requested")) | {"version": 9}
    bad_key = json.loads(golden("job.requested"))
    bad_key["data"]["input_key"] = "../../etc/passwd"
    poison = {
        "not JSON": "not json at all",
        "binary": "H4sIAAAAAAAAA+3BAQ0AAADCoPdPbQ8HFAAAAAAAAAAAAAAA",
        "not an object": json.dumps([1, 2, 3]),
        "unknown version": json.dumps(wrong_version),
        "a key outside the user's space": json.dumps(bad_key),
        "no data": json.dumps({"type": "job.completed", "version": 1}),
    }
    sent = {}
    jobs = gas.submit(10)
    for queue in ("annotate", "archive", "downgrade", "restore", "thaw"):
        for body in poison.values():
            queues.send(queue, body)
        sent[queue] = len(poison)
    jobs += gas.submit(10)
    gas.wait(archived, 120, "every job archived")

    dead = {q: len(queues.receive(q, dead=True, wait=60, expect=n)) for q, n in sent.items()}
    books = gas.account(expect={"job.completed": 1, "job.archived": 1}, upgraded=False)
    record("poison mixed into the load", {**books.summary(), "poison_sent": sum(sent.values()),
                                          "dead_lettered": dead, "kinds": list(poison)})
    assert dead == sent
    assert books.lost == [] and books.doubled == {} and len(jobs) == 20
    assert all(s.child.running and s.status("/readyz") == 200 for s in services.values())


def test_a_rolling_restart_by_sigterm_finishes_or_releases_work_and_loses_none(load, run, queues):
    rng = random.Random(5)
    gas = load(seed=5)
    # A short drain window, so some work is handed back (sent again, its lease given up) rather than finished.
    annotator = run("annotator", GAS_DRAIN_SECONDS="0.5")
    gas.submit(20, variants=4000)
    exits = []
    for _ in range(3):
        time.sleep(rng.uniform(1.0, 2.5))  # the restart's moment, from the seed
        replacement = run("annotator", GAS_DRAIN_SECONDS="0.5")  # the new pod is up before the old goes
        exits.append(annotator.stop(signal.SIGTERM))
        annotator = replacement
    gas.wait(lambda job: job.status == "COMPLETED", 180, "every job completed")
    settle(queues, "annotate")

    books = gas.account(expect={"job.completed": 1}, upgraded=False)
    record("rolling restart by SIGTERM", {**books.summary(), "restarts": len(exits), "exit_codes": exits})
    assert exits == [0, 0, 0]
    assert books.lost == [] and books.doubled == {}
    assert queues.depth("annotate", dead=True) == 0
