"""Benchmark: how long `make run` takes to reach five healthy services (cold and warm), and idle RSS.

Cold: a fresh clone, no .venv, no .tools, and empty pip and uv caches, as on a new machine.
Warm: `make run` again in the same clone. Usage: `python bench/startup.py` (from the repo root).
It reports; it asserts nothing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("web", "annotator", "archiver", "restorer", "thawer")


def run_until_up(clone: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], float, str]:
    began = time.monotonic()
    process = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if "GAS is up" in line:
            return process, time.monotonic() - began, "".join(output)
        if "did not start" in line:
            break
    process.kill()
    raise SystemExit("make run failed:\n" + "".join(output[-40:]))


def rss_by_service(prefix: str) -> dict[str, float]:
    """Resident memory (MB) of each service, summing gunicorn's master and workers for web."""
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"GAS_PREFIX={prefix}".encode() not in environ:
            continue
        service = next((s for s in SERVICES if f"-m {s}" in cmdline or (s == "web" and "gunicorn" in cmdline)), None)
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if service and match:
            totals[service] = totals.get(service, 0) + int(match.group(1)) / 1024
    return totals


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does
    process.wait(90)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "gas"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        prefix = "benchstart"
        env = {**os.environ, "GAS_PREFIX": prefix, "GAS_PORT_BASE": os.environ.get("GAS_PORT_BASE", "18080"),
               "UV_CACHE_DIR": str(Path(tmp) / "uv-cache"), "PIP_NO_CACHE_DIR": "1"}
        process, cold, _ = run_until_up(clone, env)
        stop(process)
        process, warm, output = run_until_up(clone, env)
        time.sleep(15)  # idle: let every loop settle into its long polls
        rss = rss_by_service(prefix)
        stop(process)
    inner = re.search(r"healthy in ([\d.]+)s", output)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"make run, cold (fresh clone, empty caches): {cold:6.1f} s to five healthy services")
    in_gas_run = inner.group(1) if inner else "?"
    print(f"make run, warm:                             {warm:6.1f} s ({in_gas_run} s in gas run)")
    print("idle RSS after 15 s:")
    for service in SERVICES:
        note = " (gunicorn master + workers)" if service == "web" else ""
        print(f"  {service:<10} {rss.get(service, 0):6.1f} MB{note}")


if __name__ == "__main__":
    main()
