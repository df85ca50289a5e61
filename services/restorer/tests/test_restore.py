import pytest

from gas_shared.contract.messages import decode
from gas_shared.store.records import Job
from restorer.restore import Restorer


class _Refuse:
    def __getattr__(self, name):
        raise AssertionError(f"touched {name}")


class _Users:
    def __init__(self, plan):
        self._plan = plan

    def plan(self, user_id):
        return self._plan


def test_an_upgrade_of_a_user_who_is_free_again_restores_nothing(golden):
    change = decode(golden("user.plan_changed")).data
    Restorer(_Refuse(), _Users("free"), _Refuse(), _Refuse(), recheck_seconds=1).plan_changed(change)


class _Jobs:
    def __init__(self, jobs):
        self.jobs = {j.job_id: j for j in jobs}
        self.restored = []

    def of_user(self, user_id):
        # The index lags: it still says AVAILABLE for a job that a consistent read finds ARCHIVED.
        return [j.model_copy(update={"storage": "AVAILABLE"}) for j in self.jobs.values()]

    def get(self, job_id):
        return self.jobs.get(job_id)


@pytest.mark.parametrize("storage", ["ARCHIVED", "RESTORING"])
def test_every_completed_job_is_read_again_and_archived_ones_are_restored(golden, storage):
    change = decode(golden("user.plan_changed")).data
    jobs = _Jobs([Job(job_id=job_id, user_id="u", submitted_at="2026-11-23T10:00:00Z", **fields) for job_id, fields in [
        ("a", {"status": "COMPLETED", "storage": storage}),
        ("b", {"status": "COMPLETED", "storage": "AVAILABLE"}),
        ("c", {"status": "FAILED"}),
    ]])
    restorer = Restorer(jobs, _Users("premium"), _Refuse(), _Refuse(), recheck_seconds=1)
    restorer.restore = lambda job: jobs.restored.append(job.job_id)
    restorer.plan_changed(change)
    assert jobs.restored == ["a"]
