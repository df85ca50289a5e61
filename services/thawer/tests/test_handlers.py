import logging

from gas_shared.messages import decode
from thawer.handlers import Handlers


def test_restore_request_and_s3_event_are_logged(golden, caplog):
    caplog.set_level(logging.INFO)
    Handlers().restore_requested(decode(golden("restore.requested")).data)
    event = decode(golden("s3.object_restored")).data
    Handlers().object_restored(event)
    assert "Expedited" in caplog.text and event.key in caplog.text
