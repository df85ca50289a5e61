"""Home, profile and plan pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..accounts import backend, login_required, make_dev_token, session_user
from ..forms import PlanForm, ProfileForm
from ..globus import Identity

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    gas = backend()
    return render_template("home.html", user=session_user(),
                           free_limit=gas.settings.free_upload_limit,
                           retention_minutes=max(1, round(gas.settings.free_retention_seconds / 60)))


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = session_user()
    assert user is not None
    form = ProfileForm(data={k: user.record.get(k, "") for k in ("name", "email", "institution")})
    if form.validate_on_submit():
        backend().users.update_profile(user.user_id, {
            "name": str(form.name.data).strip(), "email": str(form.email.data).strip(),
            "institution": str(form.institution.data or "").strip()})
        flash("Your profile is saved.", "success")
        return redirect(url_for("pages.profile"))
    dev_token = None
    if backend().settings.dev_login:  # development only: a token a script can use with the API
        dev_token = make_dev_token(Identity(user.user_id, user.name, str(user.record.get("email", "")), ""))
    return render_template("profile.html", user=user, form=form, dev_token=dev_token,
                           status=400 if form.errors else 200), 400 if form.errors else 200


@blueprint.get("/plan")
@login_required
def plan() -> str:
    gas = backend()
    return render_template("plan.html", user=session_user(), form=PlanForm(),
                           free_limit=gas.settings.free_upload_limit,
                           premium_limit=gas.settings.premium_upload_limit,
                           retention_minutes=max(1, round(gas.settings.free_retention_seconds / 60)))


@blueprint.post("/plan")
@login_required
def change_plan() -> Response:
    user = session_user()
    assert user is not None
    form = PlanForm()
    if not form.validate_on_submit() or form.plan.data not in ("free", "premium"):
        abort(400)
    previous = backend().users.change_plan(user.user_id, form.plan.data, backend().publisher)
    if previous is None:
        flash(f"You are on the {form.plan.data.title()} plan already.", "info")
    elif form.plan.data == "premium":
        flash("Welcome to Premium. Any archived results are being restored now.", "success")
    else:
        flash("You are on the Free plan. Results older than the retention window will be archived.", "info")
    return redirect(url_for("pages.plan"))
