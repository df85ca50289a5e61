"""The small HTTP server beside every worker loop: /healthz (alive) and /readyz (dependencies answer)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

Check = Callable[[], None]  # raises when the dependency does not answer


class Readiness:
    """Runs the checks, at most once per `ttl` seconds however often probes ask."""

    def __init__(self, checks: Mapping[str, Check], ttl: float = 2.0):
        self._checks = dict(checks)
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, bool, dict[str, str]] | None = None

    def report(self) -> tuple[bool, dict[str, str]]:
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < self._ttl:
                return self._cached[1], self._cached[2]
            results: dict[str, str] = {}
            failed = False
            for name, check in self._checks.items():
                if failed:  # one failure decides; an unanswering AWS would cost each check its timeout
                    results[name] = "not checked"
                    continue
                try:
                    check()
                    results[name] = "ok"
                except Exception as e:
                    # What failed and why goes to the log, for operators; the answer, which anyone who can
                    # reach the port may read, names only the kind of error (an AWS message names
                    # endpoints, accounts and roles).
                    log.warning("readiness check %s failing: %s: %s", name, type(e).__name__, str(e)[:500])
                    results[name] = f"failing: {type(e).__name__}"
                    failed = True
            ready = all(v == "ok" for v in results.values())
            self._cached = (time.monotonic(), ready, results)
            return ready, results


def health_answer(path: str, alive: Callable[[], bool], readiness: Readiness) -> tuple[int, dict[str, Any]]:
    """Status and JSON body for a health path; shared by the worker server and the web app."""
    if path == "/healthz":
        ok = alive()
        return (200 if ok else 503), {"status": "alive" if ok else "stalled"}
    if path == "/readyz":
        ready, checks = readiness.report()
        return (200 if ready else 503), {"status": "ready" if ready else "not ready", "checks": checks}
    return 404, {"error": "not found"}


class HealthServer:
    """Serves the health paths on a daemon thread."""

    def __init__(self, host: str, port: int, alive: Callable[[], bool], readiness: Readiness):
        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = health_answer(self.path.split("?", 1)[0], alive, readiness)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not news
                return

        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, name="health", daemon=True).start()
        log.info("health on port %d", self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
