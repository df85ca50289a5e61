"""/healthz and /readyz for the web service, answered the same way as the workers' health server."""

from flask import Blueprint, Response, jsonify

from gas_shared.runtime.health import health_answer

from .wiring import gas

blueprint = Blueprint("health", __name__)


def _answer(path: str) -> tuple[Response, int]:
    status, body = health_answer(path, lambda: True, gas().readiness)
    return jsonify(body), status


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    return _answer("/healthz")


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    return _answer("/readyz")
