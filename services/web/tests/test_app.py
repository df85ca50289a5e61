import pytest
from pydantic import ValidationError

from gas_shared.runtime.health import Readiness
from web.app import create_app
from web.settings import WebSettings
from web.wiring import of


class NoAws:
    """The app factory makes clients lazily; unit tests never reach AWS."""

    def client(self, *_args, **_kw):
        raise AssertionError("unit tests must not call AWS")


@pytest.fixture
def app(monkeypatch):
    app = create_app(WebSettings(secret_key="s" * 40, deployment="development"), aws=NoAws())
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_healthz_is_alive_without_touching_dependencies(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json == {"status": "alive"}


def test_readyz_reports_each_dependency(app, client):
    of(app).readiness = Readiness({"table:jobs": lambda: None})
    assert client.get("/readyz").json == {"status": "ready", "checks": {"table:jobs": "ok"}}

    def down():
        raise ConnectionError("refused")

    of(app).readiness = Readiness({"table:jobs": down})
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["table:jobs"].startswith("failing: ConnectionError")


def test_readiness_checks_cover_tables_buckets_and_topics(app):
    checks = of(app).readiness._checks
    assert set(checks) == {"table:jobs", "table:users", "bucket:inputs", "bucket:results", "topic:jobs", "topic:users",
                           "topic:requests"}


def test_index_page_renders(client):
    answer = client.get("/")
    assert answer.status_code == 200 and b"Genomics Annotation Service" in answer.data


def test_secret_key_is_required(monkeypatch):
    monkeypatch.delenv("GAS_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="secret_key"):
        WebSettings(deployment="development")
    with pytest.raises(ValidationError):
        WebSettings(secret_key="short", deployment="development")


def test_production_refuses_the_dev_sign_in_and_needs_globus(monkeypatch):
    for key in ("GAS_DEPLOYMENT", "GAS_DEV_LOGIN", "GAS_GLOBUS_CLIENT_ID", "GAS_GLOBUS_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValidationError, match="only for GAS_DEPLOYMENT=development"):
        WebSettings(secret_key="s" * 40, dev_login=True, globus_client_id="c", globus_client_secret="x")
    with pytest.raises(ValidationError, match="GAS_GLOBUS_CLIENT_ID"):
        WebSettings(secret_key="s" * 40)
    production = WebSettings(secret_key="s" * 40, globus_client_id="c", globus_client_secret="x")
    assert production.deployment == "production" and not production.dev_login
    assert WebSettings(secret_key="s" * 40, deployment="development", dev_login=True).dev_login


def test_pages_carry_security_headers(client):
    answer = client.get("/")
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def test_production_cookies_are_secure():
    app = create_app(WebSettings(secret_key="s" * 40, globus_client_id="c", globus_client_secret="x"), aws=NoAws())
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_pages_that_need_a_user_send_strangers_to_sign_in(client):
    for path in ("/annotate", "/jobs", "/profile", "/plan", "/jobs/0b7e6a4e-4c1b-4d0e-9d8e-1a2b3c4d5e6f"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/signin" in answer.headers["Location"], path
