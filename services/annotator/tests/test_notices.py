"""The completion mail says how long a Free user's results stay; a Premium user's says nothing of it."""

from annotator import notices
from gas_shared.store.records import Counts, Job


def _job() -> Job:
    return Job(job_id="j1", user_id="u1", status="COMPLETED", submitted_at="2026-12-03T10:00:00Z",
               input_filename="calls.vcf", counts=Counts(variants=3, genes_hit=1))


def test_a_free_users_mail_gives_the_retention_window():
    _, body = notices.completed(_job(), "https://gas.example", kept_seconds=300)
    assert "kept for 5 minutes, then moved to cold storage" in body
    _, body = notices.completed(_job(), "https://gas.example", kept_seconds=2 * 86400)
    assert "kept for 2 days" in body


def test_a_premium_users_mail_does_not_mention_archiving():
    _, body = notices.completed(_job(), "https://gas.example", kept_seconds=None)
    assert "cold storage" not in body and "https://gas.example/jobs/j1" in body
