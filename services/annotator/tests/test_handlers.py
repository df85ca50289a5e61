import logging

from annotator.handlers import Handlers
from gas_shared.messages import decode


def test_job_requested_is_logged_with_its_job(golden, caplog):
    caplog.set_level(logging.INFO)
    job = decode(golden("job.requested")).data
    Handlers().job_requested(job)
    assert str(job.job_id) in caplog.text and "gas-demo-1" in caplog.text
