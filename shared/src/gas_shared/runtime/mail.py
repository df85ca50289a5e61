"""E-mail through SES: plain text to the address it is given, from the configured sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from .aws import Aws

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""

    def header(self) -> str:
        # formataddr quotes or RFC 2047-encodes the name as needed; CR/LF never reach a header.
        name = "".join(ch for ch in self.name if ch.isprintable())
        return formataddr((name, self.address)) if name else self.address


class Mailer:
    """Sends plain-text mail from one sender."""

    def __init__(self, aws: Aws, sender: str):
        self._ses = aws.client("ses")
        self.sender = sender

    def send(self, to: Recipient, subject: str, body: str) -> None:
        self._ses.send_email(
            Source=self.sender,
            Destination={"ToAddresses": [to.header()]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
        )
        log.info("mailed: %s", subject)


def sender_address(sender: str) -> str:
    """The bare address of 'Name <address>': what SES verifies."""
    return parseaddr(sender)[1]
