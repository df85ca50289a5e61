"""E-mail through SES: plain text to the address it is given, from the configured sender."""

from __future__ import annotations

import logging
import re
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
        self._aws = aws
        self.sender = sender

    def send(self, to: Recipient, subject: str, body: str) -> None:
        self._aws.client("ses").send_email(  # made at first use: building a service touches no AWS
            Source=self.sender,
            Destination={"ToAddresses": [to.header()]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
        )
        log.info("mailed: %s", subject)


def sender_address(sender: str) -> str:
    """The bare address of 'Name <address>': what SES verifies."""
    return parseaddr(sender)[1]


MAIL_NAME_CHARS = 60


def mail_name(filename: str | None) -> str:
    """A user's file name as GAS writes it in mail: letters, digits, `-` and `_` in a few words, then its
    .vcf or .vcf.gz, so the name of an upload cannot carry a message, a link, a domain or an address to
    whoever the profile names."""
    name = filename or ""
    suffix = next((s for s in (".vcf.gz", ".vcf") if name.lower().endswith(s)), "")
    stem = name[: len(name) - len(suffix)]
    kept = re.sub(r"[^A-Za-z0-9_-]+", " ", stem).strip()[:MAIL_NAME_CHARS].strip()
    return f'"{kept}{suffix.lower()}"' if kept else "your file"
