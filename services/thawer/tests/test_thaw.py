import logging
import uuid

import pytest

from gas_shared.messages import ObjectRestored, decode
from gas_shared.runtime.consumer import PermanentError
from thawer.handlers import Handlers, job_of


def test_restore_request_and_s3_event_are_noted_with_their_job(golden, caplog):
    caplog.set_level(logging.INFO)
    restore = decode(golden("restore.requested")).data
    Handlers().restore_requested(restore)
    event = decode(golden("s3.object_restored")).data
    Handlers().object_restored(event)
    assert "Expedited restore of 1 objects" in caplog.text
    assert f"S3 finished restoring {event.key} (job {restore.job_id} of {restore.user_id})" in caplog.text


def test_results_keys_name_their_user_and_job():
    user, job = uuid.uuid4(), uuid.uuid4()
    assert job_of(f"{user}/{job}/results/a b.vcf.gz") == (user, job)
    assert job_of("not/a/gas-key") is None
    assert job_of(f"{user}/{job}") is None


def test_s3_event_for_a_foreign_key_is_permanent(caplog):
    event = ObjectRestored(bucket="gas-results", key="someone/else.txt", event_time="2026-11-23T10:00:00Z")
    with pytest.raises(PermanentError, match="not a GAS results key"):
        Handlers().object_restored(event)
