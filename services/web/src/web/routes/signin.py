"""Sign-in through Globus Auth (authorization code with state), the dev sign-in, and sign-out."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

import globus_sdk
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..accounts import dev_user_id, sign_in, sign_out
from ..forms import ActionForm, DevSignInForm
from ..globus import Identity
from ..wiring import gas

blueprint = Blueprint("signin", __name__)
log = logging.getLogger(__name__)

MAX_NEXT = 2000


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (an open redirect). Browsers and werkzeug drop tabs and
    new lines and read a backslash as a slash, so `/%09/evil.example` (a tab) would become `//evil.example`: any
    control character, space or backslash refuses the target, and what is left must parse as a bare path
    that begins with one slash."""
    fallback = url_for("jobs.index")
    if not target or len(target) > MAX_NEXT or "\\" in target:
        return fallback
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c.isspace() for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def _callback_url() -> str:
    # The public URL, not the Host header: behind a proxy the two differ, and Globus checks it exactly.
    return gas().settings.web_url.rstrip("/") + url_for("signin.callback")


@blueprint.get("/signin")
def page() -> str:
    if request.args.get("next"):
        session["next"] = safe_next(request.args["next"])
    return render_template("signin.html", dev_form=DevSignInForm() if gas().settings.dev_login else None,
                           globus_enabled=gas().globus is not None)


@blueprint.get("/signin/globus")
def start() -> Response:
    login = gas().globus
    if login is None:
        abort(404)
    state = secrets.token_urlsafe(24)
    session["oauth_state"] = state
    return redirect(login.authorize_url(_callback_url(), state))


@blueprint.get("/signin/callback")
def callback() -> Response:
    login = gas().globus
    if login is None:
        abort(404)
    expected = session.pop("oauth_state", None)
    if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
        flash("That sign-in link has expired or was not started here. Please sign in again.", "warning")
        return redirect(url_for("signin.page"))
    if request.args.get("error") or not request.args.get("code"):
        flash("Sign-in was cancelled at Globus.", "warning")
        return redirect(url_for("signin.page"))
    target = session.get("next")
    try:
        identity, tokens = login.exchange(request.args["code"], _callback_url())
    except globus_sdk.GlobusAPIError as e:  # a code used twice, expired, or for another client
        log.info("Globus refused the sign-in code: %s", e.http_status)
        flash("That sign-in could not be completed (the link was used already or has expired). "
              "Please sign in again.", "warning")
        return redirect(url_for("signin.page"))
    user = sign_in(identity, tokens)
    flash(f"Welcome, {user.display_name}.", "success")
    return redirect(safe_next(target))


@blueprint.post("/signin/dev")
def dev() -> ResponseReturnValue:
    if not gas().settings.dev_login:
        abort(404)
    form = DevSignInForm()
    if not form.validate_on_submit():
        return render_template("signin.html", dev_form=form, globus_enabled=gas().globus is not None), 400
    target = session.get("next")
    email = str(form.email.data).strip()
    user = sign_in(Identity(dev_user_id(email), str(form.name.data).strip(), email, ""))
    flash(f"Welcome, {user.display_name}.", "success")
    return redirect(safe_next(target))


@blueprint.post("/signout")
def signout() -> Response:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("pages.home"))
