import logging

from archiver.handlers import Handlers
from gas_shared.messages import decode


def test_job_completed_and_plan_changes_are_logged(golden, caplog):
    caplog.set_level(logging.INFO)
    job = decode(golden("job.completed")).data
    change = decode(golden("user.plan_changed")).data
    Handlers().job_completed(job)
    Handlers().plan_changed(change)
    assert str(job.job_id) in caplog.text and f"{change.user_id} moved to premium" in caplog.text
