"""/healthz and /readyz for the web service, answered the same way as the workers' health server."""

from flask import Blueprint, Response, current_app, jsonify

from gas_shared.runtime.health import Readiness, health_answer

blueprint = Blueprint("health", __name__)


def _answer(path: str) -> tuple[Response, int]:
    readiness: Readiness = current_app.extensions["gas.readiness"]
    status, body = health_answer(path, lambda: True, readiness)
    return jsonify(body), status


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    return _answer("/healthz")


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    return _answer("/readyz")
