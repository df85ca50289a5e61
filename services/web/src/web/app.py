"""The Flask application factory."""

from __future__ import annotations

from flask import Flask, render_template

from gas_shared.runtime import checks, logs
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.health import Readiness
from gas_shared.runtime.settings import load
from gas_shared.topology import TOPICS, Names

from . import health
from .settings import WebSettings


def create_app(settings: WebSettings | None = None, aws: Aws | None = None) -> Flask:
    settings = settings or load(WebSettings)
    logs.configure("web", settings.log_level)
    aws = aws or Aws()
    names = Names(settings.prefix)

    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key.get_secret_value(), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    ready_checks = checks.for_service(aws, names, queues=())
    for topic in TOPICS:  # the web app publishes job.requested and user.plan_changed
        ready_checks[f"topic:{topic}"] = checks.topic(aws, names.topic(topic))
    app.extensions["gas.settings"] = settings
    app.extensions["gas.readiness"] = Readiness(ready_checks)
    app.register_blueprint(health.blueprint)

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app
