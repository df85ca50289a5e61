import logging

from gas_shared.messages import decode
from restorer.handlers import Handlers


def test_upgrade_is_logged(golden, caplog):
    caplog.set_level(logging.INFO)
    change = decode(golden("user.plan_changed")).data
    Handlers().plan_changed(change)
    assert f"{change.user_id} upgraded to premium" in caplog.text
