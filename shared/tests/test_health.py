import json
import urllib.error
import urllib.request

from gas_shared.runtime.health import HealthServer, Readiness


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_readiness_reports_each_failing_dependency():
    def broken():
        raise ConnectionError("refused")

    ready, checks = Readiness({"queue": lambda: None, "table": broken}).report()
    assert not ready
    assert checks["queue"] == "ok"
    assert checks["table"] == "failing: ConnectionError"


def test_readiness_answers_name_no_endpoint_account_or_role(caplog):
    def denied():
        raise PermissionError("AccessDenied: arn:aws:iam::123456789012:role/gas-web at https://dynamodb.internal")

    ready, checks = Readiness({"table": denied}).report()
    assert not ready and checks == {"table": "failing: PermissionError"}
    assert "arn:aws:iam::123456789012:role/gas-web" in caplog.text  # the operators still see it, in the log


def test_readiness_caches_results_for_its_ttl():
    calls = []
    readiness = Readiness({"queue": lambda: calls.append(1)}, ttl=60)
    for _ in range(5):
        assert readiness.report()[0]
    assert len(calls) == 1


def test_health_server_answers_alive_ready_and_not_ready():
    state = {"alive": True, "up": True}

    def dependency():
        if not state["up"]:
            raise TimeoutError("no answer")

    server = HealthServer("127.0.0.1", 0, lambda: state["alive"], Readiness({"queue": dependency}, ttl=0))
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        assert get(f"{base}/healthz") == (200, {"status": "alive"})
        assert get(f"{base}/readyz") == (200, {"status": "ready", "checks": {"queue": "ok"}})
        state["up"] = False
        status, body = get(f"{base}/readyz")
        assert status == 503 and body["status"] == "not ready"
        state["alive"] = False
        assert get(f"{base}/healthz")[0] == 503
        assert get(f"{base}/nope")[0] == 404
    finally:
        server.stop()
