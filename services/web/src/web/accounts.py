"""Who is asking: the signed-in user of a page (session cookie) or of an API call (bearer token).

The cookie holds only the user id and a session id; the session itself lives in the user's record, so
signing out ends it for good, even for a copied cookie.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from gas_shared.contract.messages import UserPlanChanged
from gas_shared.contract.plans import Plan
from gas_shared.store.records import User

from .forms import one_line
from .globus import Identity
from .wiring import gas

DEV_NAMESPACE = uuid.UUID("4c1f0d8e-7a2b-4e55-9d0c-2b8f6e3a9c17")
DEV_TOKEN_PREFIX = "gasdev."  # noqa: S105 - a marker, not a secret
DEV_TOKEN_SECONDS = 7 * 24 * 3600

F = TypeVar("F", bound=Callable[..., Any])


def dev_user_id(email: str) -> str:
    """Dev sign-in users get a stable id from their e-mail, shaped like a Globus identity id."""
    return str(uuid.uuid5(DEV_NAMESPACE, email.strip().lower()))


def sign_in(identity: Identity, tokens: dict[str, str] | None = None) -> User:
    users = gas().stores.users
    # Globus's claims are data too: a name with a line break is one line here, as a typed one is.
    user = users.ensure(identity.user_id, {"name": one_line(identity.name) or "", "email": identity.email.strip(),
                                           "institution": one_line(identity.institution) or ""})
    session_id = secrets.token_urlsafe(24)
    users.open_session(identity.user_id, session_id, gas().settings.session_hours * 3600, tokens)
    session.clear()  # a fresh session at each sign-in: nothing set before it carries over
    session.permanent = True
    session["uid"], session["sid"] = identity.user_id, session_id
    return user


def sign_out() -> None:
    uid, sid = session.get("uid"), session.get("sid")
    session.clear()
    if uid and sid:
        tokens = gas().stores.users.close_session(uid, sid)
        login = gas().globus
        if tokens and login:
            login.revoke(tokens)


def session_user() -> User | None:
    if "gas_user" not in g:
        g.gas_user = None
        uid, sid = session.get("uid"), session.get("sid")
        if uid and sid:
            users = gas().stores.users
            user = users.get(uid)
            if user and users.session_live(user, sid):
                g.gas_user = user
    return cast(User | None, g.gas_user)


def change_plan(user: User, plan: Plan) -> Plan | None:
    """Set the user's plan and tell the lifecycle services; the previous plan, or None if it was so already.

    The record is written before the message is published, so a service that re-reads the plan on
    receipt never sees an older plan than the message says.
    """
    previous = gas().stores.users.change_plan(user.user_id, plan)
    if previous is not None:
        gas().publisher.publish(UserPlanChanged.of(user.user_id, plan, previous))
    return previous


def bearer_user() -> User | None:
    """The user of an `Authorization: Bearer` token: a dev token (development only) or a Globus one."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    identity: Identity | None = None
    login = gas().globus
    if token.startswith(DEV_TOKEN_PREFIX):
        if gas().settings.dev_login:
            identity = read_dev_token(token)
    elif login is not None:
        # A change is checked with Globus each time: a token revoked a moment ago must not change a plan.
        identity = login.introspect(token, fresh=request.method not in ("GET", "HEAD", "OPTIONS"))
    if identity is None:
        return None
    return gas().stores.users.ensure(identity.user_id, {"name": identity.name, "email": identity.email})


def _dev_tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="gas-dev-token")


def make_dev_token(identity: Identity) -> str:
    return DEV_TOKEN_PREFIX + _dev_tokens().dumps([identity.user_id, identity.name, identity.email])


def read_dev_token(token: str) -> Identity | None:
    try:
        user_id, name, email = _dev_tokens().loads(token.removeprefix(DEV_TOKEN_PREFIX),
                                                   max_age=DEV_TOKEN_SECONDS)
    except (BadSignature, ValueError):
        return None
    return Identity(user_id, name, email, "")


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if session_user() is None:
            return redirect(url_for("signin.page", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)
    return cast(F, wrapped)
