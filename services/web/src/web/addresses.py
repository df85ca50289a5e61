"""A new e-mail address in the profile takes effect only once its owner opens the link GAS mails to it, so
GAS never mails (job notices, restores) an address nobody confirmed, and cannot be pointed at a stranger's.
The link is signed (user, address) and lives a day; confirmation mails are limited per user."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from gas_shared.runtime.mail import Mailer, Recipient
from gas_shared.store.records import User
from gas_shared.store.stores import Stores

from .limits import RateLimiter

LINK_SECONDS = 24 * 3600


class AddressChecks:
    def __init__(self, stores: Stores, mailer: Mailer, secret: str, web_url: str, per_hour: int):
        self._stores, self._mailer, self._web_url = stores, mailer, web_url.rstrip("/")
        self._links = URLSafeTimedSerializer(secret, salt="gas-email-address")
        self._mails = RateLimiter(per_hour, period=3600)  # per web worker, like every limit here

    def ask(self, user: User, address: str) -> bool:
        """Mails a confirmation link to `address` and keeps it as the user's pending address; False (nothing
        sent) when the user has asked too often."""
        if self._mails.allow(user.user_id) > 0:  # seconds to wait: not now
            return False
        self._stores.users.update_profile(user.user_id, {"pending_email": address})
        token = self._links.dumps([user.user_id, address])
        self._mailer.send(Recipient(address, user.name), "GAS: confirm your e-mail address", (
            "Someone (we hope you) asked GAS to send its e-mail to this address.\n\n"
            f"Confirm it within a day, signed in to GAS: {self._web_url}/profile/confirm?token={token}\n\n"
            "If it was not you, ignore this message: nothing changes.\n"))
        return True

    def confirm(self, user: User, token: str) -> str | None:
        """The confirmed address (now the user's), or None for a link that is not this user's, is stale, or
        was replaced by a newer request."""
        try:
            user_id, address = self._links.loads(token, max_age=LINK_SECONDS)
        except (BadSignature, ValueError, UnicodeError):
            return None
        if user_id != user.user_id or address != user.pending_email:
            return None
        self._stores.users.update_profile(user.user_id, {"email": address, "pending_email": ""})
        return str(address)
