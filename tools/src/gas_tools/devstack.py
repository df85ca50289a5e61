"""The embedded stack behind `make run`: a moto server as the local AWS, provisioned, and the five services.

No Docker: every part is a child process of this one. Each child is asked to die with its parent
(PR_SET_PDEATHSIG), so even a kill -9 of the launcher leaves no orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gas_shared.contract.topology import SERVICES
from gas_shared.runtime.settings import PREFIX_PATTERN, SettingsError, load

from .polling import wait_until

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class StackSettings(BaseSettings):
    """Ports and names of one local stack; change GAS_PORT_BASE and GAS_PREFIX to run two side by side."""

    model_config = SettingsConfigDict(env_prefix="GAS_", extra="ignore")

    port_base: int = Field(8080, ge=1024, le=65000, description="web; workers on +1..+4")
    emulator_port: int | None = Field(None, description="moto server; default port_base + 10")
    prefix: str = Field("gas", pattern=PREFIX_PATTERN, description="names every bucket, table, topic, queue")
    run_dir: Path = Path(".run")
    start_timeout: float = 120

    @property
    def emulator(self) -> int:
        return self.emulator_port or self.port_base + 10

    @property
    def globus(self) -> int:
        """The fake Globus Auth server of the embedded stack."""
        return self.port_base + 9

    def port_of(self, service: str) -> int:
        return self.port_base + SERVICES.index(service)


def http_ok(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - local URLs only
            return bool(answer.status == 200)
    except OSError:
        return False


@dataclass
class Child:
    """One process of the stack, its output going to a log file."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=dict(self.env), stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet
            # Own session: a terminal's Ctrl-C reaches only the launcher, which stops the services
            # first and the emulator last, so in-flight messages can still be released.
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.running:
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    def wait(self, timeout: float) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self._log:
            self._log.close()


class Emulator:
    """moto server on 127.0.0.1: the local AWS for `make run` and the integration tests."""

    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.child = Child("emulator", [sys.executable, "-m", "gas_tools.emulator", "-H", "127.0.0.1", "-p", str(port)],
                           os.environ.copy(), log_path)

    def start(self, within: float = 60) -> None:
        self.child.start()
        self.wait_ready(within)

    def wait_ready(self, within: float = 60) -> None:
        wait_until(lambda: http_ok(f"{self.endpoint}/moto-api/"), within, what=f"moto server on {self.port}")

    def stop(self) -> None:
        self.child.signal(signal.SIGTERM)
        if self.child.wait(10) is None:
            self.child.signal(signal.SIGKILL)
            self.child.wait(5)
        self.child.close()


def aws_environment(endpoint: str) -> dict[str, str]:
    """The environment that points the unmodified AWS SDK at the emulator, and nowhere else."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_ENDPOINT_URL_") and k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - the emulator's dummy credentials
        AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    )
    return env


def service_argv(service: str) -> list[str]:
    return [sys.executable, "-m", service]


class Stack:
    """The emulator plus the five services, started in order and stopped in reverse."""

    def __init__(self, settings: StackSettings):
        # Unset AWS variables the stack must not inherit (a profile, a real endpoint) before anything runs.
        for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_") or k in ("AWS_PROFILE",)]:
            del os.environ[key]
        self.settings = settings
        self.logs = settings.run_dir / settings.prefix / "logs"
        self.emulator = Emulator(settings.emulator, self.logs / "emulator.log")
        env = aws_environment(self.emulator.endpoint)
        env.setdefault("GAS_SECRET_KEY", secrets.token_urlsafe(48))
        env.setdefault("GAS_CORS_ORIGINS", f"http://127.0.0.1:{settings.port_of('web')},"
                                           f"http://localhost:{settings.port_of('web')}")
        env["GAS_PREFIX"] = settings.prefix
        env["GAS_HTTP_HOST"] = "127.0.0.1"
        env.setdefault("GAS_WEB_URL", f"http://127.0.0.1:{settings.port_of('web')}")
        env.setdefault("GAS_REFERENCE_CACHE", str((settings.run_dir / settings.prefix / "references").resolve()))
        # Development sign-in, and Globus sign-in against the fake Globus Auth (gas_tools.fake_globus).
        globus_secret = secrets.token_urlsafe(24)
        env.setdefault("GAS_DEPLOYMENT", "development")
        env.setdefault("GAS_DEV_LOGIN", "true")
        env.setdefault("GAS_GLOBUS_CLIENT_ID", "gas-embedded")
        env.setdefault("GAS_GLOBUS_CLIENT_SECRET", globus_secret)
        env.setdefault("GLOBUS_SDK_SERVICE_URL_AUTH", f"http://127.0.0.1:{settings.globus}/")
        self.env = env
        self.globus = Child("globus", [sys.executable, "-m", "gas_tools.fake_globus", "--port", str(settings.globus),
                                       "--client", f"{env['GAS_GLOBUS_CLIENT_ID']}:{env['GAS_GLOBUS_CLIENT_SECRET']}"],
                            env, self.logs / "fake-globus.log")
        self.services = [
            Child(s, service_argv(s), {**env, "GAS_HTTP_PORT": str(settings.port_of(s))}, self.logs / f"{s}.log")
            for s in SERVICES
        ]

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.settings.port_of(service)}{path}"

    def start(self) -> float:
        """Start everything and wait until every service is healthy and ready; returns seconds taken.

        The services start with the emulator rather than after provisioning: their interpreters load
        while moto boots, and each reports not-ready until its queues and tables exist.
        """
        began = time.monotonic()
        self.emulator.child.start()
        self.globus.start()
        for child in self.services:
            child.start()
        self.emulator.wait_ready()
        wait_until(lambda: self._alive_or_raise(self.globus) and http_ok(
            f"http://127.0.0.1:{self.settings.globus}/.well-known/openid-configuration"),
            self.settings.start_timeout, what="fake Globus Auth ready")
        self.provision()
        for child in self.services:
            wait_until(lambda c=child: (  # type: ignore[misc]
                self._alive_or_raise(c) and http_ok(self.url(c.name, "/readyz"))
            ), self.settings.start_timeout, what=f"{child.name} ready")
        return time.monotonic() - began

    def provision(self) -> None:
        """Provision in this process, with the stack's AWS environment (the launcher talks to no other)."""
        from gas_shared.contract.topology import Names
        from gas_shared.runtime.aws import Aws

        from .provisioning import Options, ProvisionSettings, provision

        os.environ.update({k: v for k, v in self.env.items() if k.startswith("AWS_")})
        settings = ProvisionSettings(prefix=self.settings.prefix, cors_origins=self.env["GAS_CORS_ORIGINS"])
        provision(Aws(), Names(self.settings.prefix), Options.from_settings(settings))
        # The synthetic demo reference, so the stack annotates out of the box (`gas references install-demo`).
        with (self.logs / "references.log").open("ab") as log:
            subprocess.run([sys.executable, "-m", "gas_tools", "references", "install-demo"], env=self.env,
                           check=True, stdout=log, stderr=subprocess.STDOUT)

    def _alive_or_raise(self, child: Child) -> bool:
        if not child.running:
            raise RuntimeError(f"{child.name} exited; see {child.log_path}")
        return True

    def first_dead(self) -> Child | None:
        return next((c for c in [*self.services, self.globus, self.emulator.child] if not c.running), None)

    def stop(self, grace: float = 30) -> None:
        for child in self.services:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.services:
            if child.wait(max(0.1, deadline - time.monotonic())) is None:
                child.signal(signal.SIGKILL)
                child.wait(5)
            child.close()
        self.globus.signal(signal.SIGTERM)
        if self.globus.wait(5) is None:
            self.globus.signal(signal.SIGKILL)
        self.globus.close()
        self.emulator.stop()


def run() -> int:
    """`make run`: start, print the URLs, and stop everything on Ctrl-C or SIGTERM."""
    try:
        settings = load(StackSettings)
    except SettingsError as e:  # the one-line message every service prints, not a traceback
        print(f"GAS did not start: {e}", file=sys.stderr)
        return 2
    stack = Stack(settings)
    stopping = started = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if not started:
            raise KeyboardInterrupt  # break out of the start-up waits at once

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        took = stack.start()
        started = True
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError, KeyboardInterrupt) as e:
        print(f"GAS did not start: {e!r}", file=sys.stderr)
        stack.stop(grace=5)
        return 1
    print(f"\nGAS is up: five services healthy in {took:.1f}s (prefix {settings.prefix!r})\n")
    print(f"  GAS web app  {stack.url('web', '/')}\n")
    for service in SERVICES:
        print(f"  {service:<12} {stack.url(service, '/healthz')}")
    print(f"  local AWS    {stack.emulator.endpoint}  (moto server)")
    print(f"  Globus Auth  http://127.0.0.1:{settings.globus}/  (fake, for sign-in)")
    print(f"\n  logs in {stack.logs}/   Ctrl-C stops everything.\n", flush=True)
    code = 0
    while not stopping:
        dead = stack.first_dead()
        if dead is not None:
            print(f"{dead.name} exited unexpectedly; see {dead.log_path}. Stopping.", file=sys.stderr)
            code = 1
            break
        time.sleep(0.5)
    print("stopping GAS ...", flush=True)
    stack.stop()
    print("stopped.")
    return code
