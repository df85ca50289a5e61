"""`gas run` with a bad setting says which and why in one message, as the services do: no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("name, value", [("GAS_PREFIX", "ux"), ("GAS_PREFIX", "Bad_Prefix"),
                                         ("GAS_PORT_BASE", "80")])
def test_a_bad_setting_is_one_message_not_a_traceback(tmp_path, name, value):
    env = {**os.environ, "GAS_RUN_DIR": str(tmp_path), name: value}
    done = subprocess.run([sys.executable, "-m", "gas_tools.cli", "run"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and f"{name}:" in done.stderr
    assert done.stderr.startswith("GAS did not start: invalid settings")
