import uuid

import pytest

from gas_shared.messages import ObjectRestored
from gas_shared.runtime.consumer import PermanentError
from thawer.notices import restored
from thawer.thaw import Thawer, job_of


class _Results:
    bucket = "gas-results"


def test_results_keys_name_their_user_and_job():
    user, job = uuid.uuid4(), uuid.uuid4()
    assert job_of(f"{user}/{job}/results/a b.vcf.gz") == (user, job)
    assert job_of("not/a/gas-key") is None
    assert job_of(f"{user}/{job}") is None


@pytest.mark.parametrize(("bucket", "key"), [
    ("gas-results", "someone/else.txt"),
    ("another-bucket", f"{uuid.uuid4()}/{uuid.uuid4()}/results/x.vcf"),
])
def test_an_s3_event_for_a_foreign_key_or_bucket_is_permanent(bucket, key):
    thawer = Thawer(jobs=None, results=_Results(), publisher=None, mailer=None, web_url="http://gas",
                    recheck_seconds=1)
    event = ObjectRestored(bucket=bucket, key=key, event_time="2026-11-23T10:00:00Z")
    with pytest.raises(PermanentError, match="not a GAS results key"):
        thawer.object_restored(event)


def test_the_restored_mail_names_the_file_and_links_the_job():
    subject, body = restored({"job_id": "j1", "input_filename": "trio <1>.vcf"}, "https://gas.example/")
    assert subject == "GAS: the results of trio <1>.vcf are available again"
    assert "https://gas.example/jobs/j1" in body
