from datetime import timedelta

import pytest

from archiver.archive import Archiver
from gas_shared.contract.messages import decode
from gas_shared.runtime.consumer import Deferred


class _Refuse:
    """Any use fails the test: a job not yet due must touch no store, object or topic."""

    def __getattr__(self, name):
        raise AssertionError(f"touched {name}")


@pytest.mark.parametrize(("retention", "age", "wait"), [
    (300, 10, 290),  # delivered early (a redrive, or a queue delay shorter than the window)
    (7 * 24 * 3600, 900, 7 * 24 * 3600 - 900),  # a week: longer than any SQS delay, waited out in hops
])
def test_a_job_within_its_window_is_deferred_until_the_window_ends(golden, retention, age, wait):
    done = decode(golden("job.completed")).data
    now = done.completed_at.timestamp() + age
    archiver = Archiver(_Refuse(), _Refuse(), _Refuse(), _Refuse(), retention, clock=lambda: now)
    with pytest.raises(Deferred) as deferred:
        archiver.job_completed(done)
    assert deferred.value.seconds == pytest.approx(wait)


def test_a_job_past_its_window_is_archived(golden):
    done = decode(golden("job.completed")).data
    archiver = Archiver(_Refuse(), _Refuse(), _Refuse(), _Refuse(), 300,
                        clock=(done.completed_at + timedelta(seconds=301)).timestamp)
    archived = []
    archiver.archive = lambda job_id, why: archived.append((job_id, why))
    archiver.job_completed(done)
    assert archived == [(str(done.job_id), "retention window over")]


def test_a_downgrade_of_a_user_who_is_premium_again_archives_nothing(golden):
    change = decode(golden("user.plan_changed")).data.model_copy(update={"plan": "free"})

    class Users:
        def plan(self, user_id):
            return "premium"  # an upgrade landed after this downgrade was sent

    Archiver(_Refuse(), Users(), _Refuse(), _Refuse(), 300).plan_changed(change)
