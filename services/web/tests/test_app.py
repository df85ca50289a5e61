import pytest
from pydantic import ValidationError

from gas_shared.runtime.health import Readiness
from web.app import create_app
from web.settings import WebSettings


class NoAws:
    """The app factory makes clients lazily; unit tests never reach AWS."""

    def client(self, *_args, **_kw):
        raise AssertionError("unit tests must not call AWS")


@pytest.fixture
def app(monkeypatch):
    app = create_app(WebSettings(secret_key="s" * 40), aws=NoAws())
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_healthz_is_alive_without_touching_dependencies(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json == {"status": "alive"}


def test_readyz_reports_each_dependency(app, client):
    app.extensions["gas.readiness"] = Readiness({"table:jobs": lambda: None})
    assert client.get("/readyz").json == {"status": "ready", "checks": {"table:jobs": "ok"}}

    def down():
        raise ConnectionError("refused")

    app.extensions["gas.readiness"] = Readiness({"table:jobs": down})
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["table:jobs"].startswith("failing: ConnectionError")


def test_readiness_checks_cover_tables_buckets_and_topics(app):
    checks = app.extensions["gas.readiness"]._checks
    assert set(checks) == {"table:jobs", "table:users", "bucket:inputs", "bucket:results", "topic:jobs", "topic:users"}


def test_index_page_renders(client):
    answer = client.get("/")
    assert answer.status_code == 200 and b"Genomics Annotation Service" in answer.data


def test_secret_key_is_required(monkeypatch):
    monkeypatch.delenv("GAS_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="secret_key"):
        WebSettings()
    with pytest.raises(ValidationError):
        WebSettings(secret_key="short")
