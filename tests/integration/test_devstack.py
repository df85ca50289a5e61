"""`make run` (gas run): five healthy services, a clean stop on SIGTERM, and no orphans even after kill -9."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gas_shared.contract.topology import SERVICES
from gas_tools.devstack import http_ok
from gas_tools.polling import wait_until

from .conftest import free_base, free_port


def _processes_with(prefix: str) -> list[int]:
    """PIDs whose environment carries GAS_PREFIX=<prefix>: every process of that stack."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if f"GAS_PREFIX={prefix}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def launch(tmp_path, backend):
    if backend.kind != "moto":
        pytest.skip("the embedded stack always runs its own moto server")
    launched = []

    def start():
        base, prefix = free_base(), f"dev{free_port()}"
        env = {**os.environ, "GAS_PORT_BASE": str(base), "GAS_PREFIX": prefix, "GAS_RUN_DIR": str(tmp_path)}
        process = subprocess.Popen([sys.executable, "-m", "gas_tools.cli", "run"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        launched.append(process)
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "GAS is up" in line or "did not start" in line:
                break
        assert "GAS is up" in lines[-1], "".join(lines)
        for line in process.stdout:  # the URL lines, up to the hint on stopping
            lines.append(line)
            if "Ctrl-C" in line:
                break
        return process, base, prefix, "".join(lines)

    yield start
    for process in launched:
        if process.poll() is None:
            process.kill()


def test_gas_run_starts_five_healthy_services_and_stops_cleanly(launch):
    process, base, prefix, output = launch()
    for offset, service in enumerate(SERVICES):
        assert f"http://127.0.0.1:{base + offset}/healthz" in output, service
        assert http_ok(f"http://127.0.0.1:{base + offset}/healthz")
        assert http_ok(f"http://127.0.0.1:{base + offset}/readyz")
    assert re.search(r"healthy in \d+\.\ds", output)
    assert len(_processes_with(prefix)) >= 6  # emulator, five services (gunicorn adds its workers)
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    wait_until(lambda: not _processes_with(prefix), 10, what="no process of the stack left")


def test_no_orphans_when_the_launcher_is_killed(launch):
    process, base, prefix, _ = launch()
    process.kill()  # kill -9: no chance to clean up; the children must go on their own
    process.wait(10)
    wait_until(lambda: not _processes_with(prefix), 30, what="children gone after the launcher's death")
    assert not http_ok(f"http://127.0.0.1:{base}/healthz")
