"""Restore requests and their fallbacks, against botocore's Stubber (the integration tests use an emulator)."""

import boto3
import pytest
from botocore.stub import Stubber

from gas_shared.store.results import RESTORE_DAYS, ResultObjects, parse_restore


@pytest.mark.parametrize(("header", "state"), [
    (None, None),
    ('ongoing-request="true"', "ongoing"),
    ('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"', "done"),
])
def test_the_restore_header_says_where_a_restore_is(header, state):
    assert parse_restore(header) == state


@pytest.fixture
def s3():
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub


def _expect(stub, tier, error=None):
    params = {"Bucket": "r", "Key": "k", "RestoreRequest": {"Days": RESTORE_DAYS,
                                                           "GlacierJobParameters": {"Tier": tier}}}
    if error:
        stub.add_client_error("restore_object", service_error_code=error, http_status_code=503,
                              expected_params=params)
    else:
        stub.add_response("restore_object", {}, params)


def test_expedited_unavailable_falls_back_to_standard_at_once(s3):
    client, stub = s3
    _expect(stub, "Expedited", "GlacierExpeditedRetrievalNotAvailable")
    _expect(stub, "Standard")
    assert ResultObjects(client, "r").restore("k") == "Standard"
    stub.assert_no_pending_responses()


def test_throttled_expedited_is_retried_with_backoff_then_standard(s3):
    client, stub = s3
    for _ in range(3):
        _expect(stub, "Expedited", "SlowDown")
    _expect(stub, "Standard")
    sleeps = []
    assert ResultObjects(client, "r", sleep=sleeps.append).restore("k") == "Standard"
    assert sleeps == [0.5, 1.0]


def test_a_throttle_that_passes_keeps_expedited(s3):
    client, stub = s3
    _expect(stub, "Expedited", "SlowDown")
    _expect(stub, "Expedited")
    assert ResultObjects(client, "r", sleep=lambda _: None).restore("k") == "Expedited"


@pytest.mark.parametrize(("code", "answer"), [
    ("RestoreAlreadyInProgress", "Expedited"),  # an earlier delivery asked: fine
    ("InvalidObjectState", None),  # not archived: nothing to restore
    ("NoSuchKey", None),  # deleted meanwhile
])
def test_repeated_or_needless_restores_are_not_errors(s3, code, answer):
    client, stub = s3
    stub.add_client_error("restore_object", service_error_code=code, http_status_code=409)
    assert ResultObjects(client, "r").restore("k") == answer
