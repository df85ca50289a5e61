"""Globus Auth through the unmodified globus-sdk: the authorization-code flow, introspection, revocation.

GLOBUS_SDK_SERVICE_URL_AUTH points the SDK at the fake server (gas_tools.fake_globus) in tests and the embedded
stack; nothing here knows the difference.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import globus_sdk

log = logging.getLogger(__name__)
SCOPES = ["openid", "profile", "email"]
# A revoked token may be honoured this long for reads; it spares a call per request. Changes never use it.
INTROSPECTION_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Identity:
    user_id: str  # the Globus identity id (a UUID), which is GAS's user id
    name: str
    email: str
    institution: str


class GlobusLogin:
    def __init__(self, client_id: str, client_secret: str):
        self._credentials = (client_id, client_secret)
        self.client = globus_sdk.ConfidentialAppAuthClient(client_id, client_secret)
        self._seen: dict[str, tuple[float, Identity | None]] = {}
        self._lock = threading.Lock()

    def _flow(self, redirect_uri: str, state: str = "_default") -> globus_sdk.ConfidentialAppAuthClient:
        """A client of its own per flow: the SDK keeps the flow on the client, and requests run in threads."""
        client = globus_sdk.ConfidentialAppAuthClient(*self._credentials)
        # No refresh tokens: GAS only ever needs the identity, and a token it keeps is one that can leak.
        client.oauth2_start_flow(redirect_uri, SCOPES, state=state, refresh_tokens=False)
        return client

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return str(self._flow(redirect_uri, state).oauth2_get_authorize_url())

    def exchange(self, code: str, redirect_uri: str) -> tuple[Identity, dict[str, str]]:
        """The signed-in identity (from the verified id_token) and the tokens to revoke at sign-out."""
        tokens = self._flow(redirect_uri).oauth2_exchange_code_for_tokens(code)
        claims = tokens.decode_id_token()
        identity = Identity(user_id=str(claims["sub"]), name=str(claims.get("name") or ""),
                            email=str(claims.get("email") or ""), institution=str(claims.get("organization") or ""))
        keep = {}
        for server, data in tokens.by_resource_server.items():
            for kind in ("access_token",):  # revoked at sign-out
                if data.get(kind):
                    keep[f"{server}:{kind}"] = data[kind]
        return identity, keep

    def revoke(self, tokens: dict[str, str]) -> None:
        for token in tokens.values():
            try:
                self.client.oauth2_revoke_token(token)
            except globus_sdk.GlobusError as e:  # sign-out still ends the session here
                log.warning("could not revoke a token: %s", e)

    def introspect(self, token: str, *, fresh: bool = False) -> Identity | None:
        """The identity behind an active access token, or None. Answers are cached for a minute, unless
        `fresh` (a change: plan, upload, job, delete), which asks Globus every time."""
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(token)
            if hit and not fresh and now - hit[0] < INTROSPECTION_CACHE_SECONDS:
                return hit[1]
        data: Any = self.client.oauth2_token_introspect(token).data
        identity = None
        # Active is not enough: the token must be meant for GAS (GAS's client among its audience), not one a
        # user gave some other Globus app.
        if data.get("active") and self._credentials[0] not in (data.get("aud") or []):
            log.info("refused an active Globus token issued for another audience")
        elif data.get("active"):
            identity = Identity(user_id=str(data["sub"]), name=str(data.get("name") or ""),
                                email=str(data.get("email") or ""), institution="")
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[token] = (now, identity)
        return identity
