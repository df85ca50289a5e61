"""/readyz follows the emulator: 503 while it is gone, 200 again once it is back; the loop survives."""

import json

import pytest

from gas_shared.runtime.aws import Aws
from gas_tools.devstack import Emulator
from gas_tools.polling import wait_until
from gas_tools.provisioning import provision

from .conftest import PLAN, Queues, free_port


def test_readyz_turns_503_without_the_emulator_and_200_when_it_is_back(
    backend, start_service, names, golden, tmp_path, monkeypatch
):
    if backend.kind != "moto":
        pytest.skip("stops and restarts its own emulator: moto backend only")
    emulator = Emulator(free_port(), tmp_path / "private-moto.log")
    emulator.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
    provision(Aws(), names, PLAN)
    archiver = start_service("archiver", AWS_ENDPOINT_URL=emulator.endpoint)
    try:
        assert archiver.status("/readyz") == 200
        emulator.stop()
        wait_until(lambda: archiver.status("/readyz") == 503, 20, what="/readyz 503")
        assert archiver.status("/healthz") == 200  # alive: an AWS outage is no reason to restart the pod
        assert archiver.child.running

        emulator.start()  # same port, empty state: provision again, as an operator would
        done = provision(Aws(), names, PLAN)
        wait_until(lambda: archiver.status("/readyz") == 200, 30, what="/readyz 200 again")

        downgrade = json.loads(golden("user.plan_changed"))
        downgrade["data"]["plan"] = "free"
        Queues(Aws(), done).send("downgrade", json.dumps(downgrade))
        wait_until(lambda: any(line["message"].startswith("handled user.plan_changed") for line in archiver.log()),
                   30, what="a message consumed after the outage")
        assert any("receive from" in line["message"] and line["level"] == "WARNING" for line in archiver.log())
    finally:
        emulator.stop()
