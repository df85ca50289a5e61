import pytest

from gas_shared.messages import decode
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
        self.jobs = {j["job_id"]: j for j in jobs}
        self.restored = []

    def of_user(self, user_id):
        # The index lags: it still says AVAILABLE for a job that a consistent read finds ARCHIVED.
        return [{**j, "storage": "AVAILABLE"} for j in self.jobs.values()]

    def get(self, job_id):
        return self.jobs.get(job_id)


@pytest.mark.parametrize("storage", ["ARCHIVED", "RESTORING"])
def test_every_completed_job_is_read_again_and_archived_ones_are_restored(golden, storage):
    change = decode(golden("user.plan_changed")).data
    jobs = _Jobs([
        {"job_id": "a", "status": "COMPLETED", "storage": storage},
        {"job_id": "b", "status": "COMPLETED", "storage": "AVAILABLE"},
        {"job_id": "c", "status": "FAILED"},
    ])
    restorer = Restorer(jobs, _Users("premium"), _Refuse(), _Refuse(), recheck_seconds=1)
    restorer.restore = lambda job: jobs.restored.append(job["job_id"])
    restorer.plan_changed(change)
    assert jobs.restored == ["a"]
