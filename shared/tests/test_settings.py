import pytest

from gas_shared.contract.topology import QUEUES, Names, queues_of
from gas_shared.runtime.settings import SettingsError, WorkerSettings, load


def test_settings_come_from_gas_variables(monkeypatch):
    monkeypatch.setenv("GAS_PREFIX", "lab-a")
    monkeypatch.setenv("GAS_CONCURRENCY", "3")
    monkeypatch.setenv("GAS_HTTP_PORT", "9101")
    settings = load(WorkerSettings)
    assert (settings.prefix, settings.concurrency, settings.http_port) == ("lab-a", 3, 9101)


def test_bad_settings_stop_the_service_with_every_problem_named(monkeypatch):
    monkeypatch.setenv("GAS_PREFIX", "Not A Prefix!")
    monkeypatch.setenv("GAS_CONCURRENCY", "zero")
    with pytest.raises(SettingsError) as caught:
        load(WorkerSettings)
    assert "GAS_PREFIX" in str(caught.value) and "GAS_CONCURRENCY" in str(caught.value)


def test_every_resource_name_derives_from_the_prefix():
    names = Names("lab-a")
    assert names.bucket("inputs") == "lab-a-inputs"
    assert names.jobs_table == "lab-a-jobs"
    assert names.queue("annotate") == "lab-a-annotate"
    assert names.dlq("annotate") == "lab-a-annotate-dlq"
    assert names.topic("users") == "lab-a-users"


def test_every_worker_has_a_queue_and_every_queue_one_consumer():
    assert {q.consumer for q in QUEUES} == {"annotator", "archiver", "restorer", "thawer"}
    assert [q.key for q in queues_of("archiver")] == ["archive", "downgrade"]
    assert queues_of("web") == ()
