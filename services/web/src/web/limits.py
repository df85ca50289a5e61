"""Rate limits on what costs GAS (or Globus) something per request: sign-in attempts by address, bearer tokens
(each unknown token is an introspection call), and upload grants by user.

Token buckets, in each web worker's memory: with W gunicorn workers a caller may get up to W times a limit,
and a restart forgets. That bounds a burst from one caller cheaply; a shared limit would need a store.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, jsonify, render_template, request

from .settings import WebSettings

KEYS_KEPT = 20_000  # callers remembered per bucket kind; the least recently seen are forgotten first


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`per_minute` requests a minute (or per `period` seconds) per key, in bursts of up to `burst`."""

    def __init__(self, per_minute: int, burst: int | None = None, *, period: float = 60):
        self.rate = per_minute / period
        self.burst = float(burst or per_minute)
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 if the request may go ahead (and counts it); otherwise the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.pop(key, None) or Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            self._buckets[key] = bucket
            while len(self._buckets) > KEYS_KEPT:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def install(app: Flask, settings: WebSettings) -> None:
    signins = RateLimiter(settings.signin_rate_per_minute)
    tokens = RateLimiter(settings.api_rate_per_minute)
    uploads = RateLimiter(settings.upload_rate_per_minute)

    @app.before_request
    def limited() -> Response | tuple[Response, int] | tuple[str, int] | None:
        path = request.path
        waits: list[float] = []
        if (path.startswith("/signin") and path != "/signin") or path == "/api/v1/dev/tokens":
            waits.append(signins.allow(f"ip:{request.remote_addr}"))
        header = request.headers.get("Authorization", "")
        if path.startswith("/api/") and header.startswith("Bearer "):
            # Before the token is looked at: a flood of made-up tokens is a flood of introspection calls.
            digest = hashlib.sha256(header.encode()).hexdigest()[:32]
            waits.append(tokens.allow(f"token:{digest}"))
            waits.append(tokens.allow(f"ip:{request.remote_addr}"))
        if request.method == "POST" and path in ("/uploads", "/api/v1/uploads"):
            waits.append(uploads.allow(f"ip:{request.remote_addr}"))
        wait = max(waits, default=0.0)
        if not wait:
            return None
        retry = str(max(1, round(wait)))
        message = f"Too many requests; please wait {retry} s and try again."
        if path.startswith("/api/") or request.is_json:
            answer = jsonify({"error": message})
            answer.status_code = 429
        else:
            answer = Response(render_template("error.html", status=429, title="Too many requests", text=message),
                              status=429)
        answer.headers["Retry-After"] = retry
        return answer
