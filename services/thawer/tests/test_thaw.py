import uuid

import pytest

from gas_shared.contract.keys import JobKeys, job_of
from gas_shared.contract.messages import ObjectRestored
from gas_shared.runtime.consumer import PermanentError
from gas_shared.store.records import Job
from thawer.notices import restored
from thawer.thaw import Thawer


class _Results:
    bucket = "gas-results"


def test_results_keys_name_their_user_and_job():
    user, job = uuid.uuid4(), uuid.uuid4()
    assert job_of(f"{user}/{job}/results/a b.vcf.gz") == JobKeys(str(user), str(job))
    assert job_of("not/a/gas-key") is None
    assert job_of(f"{user}/{job}") is None


@pytest.mark.parametrize(("bucket", "key"), [
    ("gas-results", "someone/else.txt"),
    ("another-bucket", f"{uuid.uuid4()}/{uuid.uuid4()}/results/x.vcf"),
])
def test_an_s3_event_for_a_foreign_key_or_bucket_is_permanent(bucket, key):
    thawer = Thawer(jobs=None, users=None, results=_Results(), publisher=None, mailer=None, web_url="http://gas",
                    recheck_seconds=1)
    event = ObjectRestored(bucket=bucket, key=key, event_time="2026-11-23T10:00:00Z")
    with pytest.raises(PermanentError, match="not a GAS results key"):
        thawer.object_restored(event)


def _job(n: int, name: str = "trio.vcf") -> Job:
    return Job(job_id=f"j{n}", user_id="u1", submitted_at="2026-11-23T10:00:00Z", input_filename=name)


def test_the_restored_mail_names_the_file_and_links_the_job():
    subject, body = restored([_job(1, "trio <1>.vcf")], "https://gas.example/")
    assert subject == "GAS: the results of \"trio 1.vcf\" are available again"
    assert "https://gas.example/jobs/j1" in body


def test_an_upgrades_mail_lists_every_result_back_and_counts_past_twenty():
    subject, body = restored([_job(n) for n in range(3)], "https://gas.example")
    assert subject == "GAS: 3 results are available again"
    assert [line for line in body.splitlines() if line.startswith("- ")] == [
        f'- "trio.vcf": https://gas.example/jobs/j{n}' for n in range(3)]
    _, body = restored([_job(n) for n in range(25)], "https://gas.example")
    listed = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(listed) == 21 and listed[-1] == "- and 5 more: https://gas.example/jobs"
