"""Security headers on every answer, and the cookie and CSRF settings, in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from .wiring import Gas


class BoundedJSON(DefaultJSONProvider):
    """JSON bodies as Flask reads them, but a body nested past Python's recursion limit is bad JSON (a 400
    for the caller, as any malformed body is), not a RecursionError and a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def content_security_policy(s3_origin: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {s3_origin}",  # the upload goes from the page straight to S3
        f"form-action 'self' {s3_origin}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ])


def install(app: Flask, gas: Gas, *, secure_cookies: bool) -> None:
    app.json = BoundedJSON(app)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="__Host-gas" if secure_cookies else "gas",
        PERMANENT_SESSION_LIFETIME=int(gas.settings.session_hours * 3600),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session it is bound to
        WTF_CSRF_SSL_STRICT=secure_cookies,
    )

    @app.after_request
    def headers(answer: Response) -> Response:
        origin = gas.upload_origin
        if origin is None:
            try:
                origin = gas.inputs.origin()  # where browsers POST uploads: the inputs bucket's endpoint
            except Exception:  # no credentials yet (unit tests): the page still gets a strict policy
                origin = ""
            gas.upload_origin = origin
        answer.headers.setdefault("Content-Security-Policy", content_security_policy(origin))
        answer.headers["X-Content-Type-Options"] = "nosniff"
        answer.headers["Referrer-Policy"] = "same-origin"
        answer.headers["X-Frame-Options"] = "DENY"
        answer.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if secure_cookies:
            answer.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if answer.mimetype == "text/html":
            answer.headers["Cache-Control"] = "no-store"  # pages show private data
        return answer
