"""E-mail through SES, and the users table lookup that says where it goes."""

from __future__ import annotations

import logging
from email.utils import parseaddr
from typing import Any

from .aws import Aws
from .transitions import StateTable

log = logging.getLogger(__name__)


class Mailer:
    """Sends plain-text mail to GAS users from the configured sender."""

    def __init__(self, aws: Aws, sender: str, users_table: str):
        self._ses = aws.client("ses")
        self.sender = sender
        self._users = StateTable(aws.client("dynamodb"), users_table, key="user_id", state_attr="plan")

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self._users.get(user_id)

    def send_to_user(self, user_id: str, subject: str, body: str) -> bool:
        """Mail a user by id; False (and a warning) when the user has no e-mail address on file."""
        user = self.user(user_id)
        address = (user or {}).get("email")
        if not address:
            log.warning("user %s has no e-mail address; not notified", user_id)
            return False
        name = (user or {}).get("name", "")
        self._ses.send_email(
            Source=self.sender,
            Destination={"ToAddresses": [f"{name} <{address}>" if name else address]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
        )
        log.info("mailed %s: %s", user_id, subject)
        return True


def sender_address(sender: str) -> str:
    """The bare address of 'Name <address>': what SES verifies."""
    return parseaddr(sender)[1]
