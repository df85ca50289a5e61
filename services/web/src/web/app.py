"""The Flask application factory."""

from __future__ import annotations

from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_wtf import CSRFProtect

from gas_shared.contract.topology import TOPICS, Names
from gas_shared.runtime import checks, logs
from gas_shared.runtime.aws import Aws
from gas_shared.runtime.health import Readiness
from gas_shared.runtime.settings import load

from . import health, limits, security
from .accounts import session_user
from .routes import api, errors, jobs, pages, signin
from .settings import WebSettings
from .wiring import Gas


def create_app(settings: WebSettings | None = None, aws: Aws | None = None) -> Flask:
    settings = settings or load(WebSettings)
    logs.configure("web", settings.log_level)
    aws = aws or Aws.of(settings)
    names = Names(settings.prefix)
    ready_checks = checks.for_service(aws, names, queues=())
    for topic in TOPICS:  # the web app publishes job.requested and user.plan_changed
        ready_checks[f"topic:{topic}"] = checks.topic(aws, names.topic(topic))
    gas = Gas.make(settings, aws, Readiness(ready_checks))

    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key.get_secret_value(), BOOTSTRAP_SERVE_LOCAL=True,
                      MAX_CONTENT_LENGTH=1024 * 1024)  # files go to S3; requests here are small
    security.install(app, gas, secure_cookies=settings.deployment == "production")
    limits.install(app, settings)
    Bootstrap5(app)
    csrf = CSRFProtect(app)
    gas.install(app)
    app.register_blueprint(health.blueprint)
    for module in (pages, signin, jobs):
        app.register_blueprint(module.blueprint)
    csrf.exempt(api.blueprint)  # bearer tokens only for changes: no ambient credential to forge
    app.register_blueprint(api.blueprint)
    errors.install(app)
    app.jinja_env.globals["dev_login"] = settings.dev_login

    @app.context_processor
    def signed_in() -> dict[str, object]:
        try:
            return {"user": session_user()}
        except Exception:  # an error page while DynamoDB is down still renders, signed out
            return {"user": None}
    return app
