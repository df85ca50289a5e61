"""Home, profile and plan pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from gas_shared.contract.plans import FREE, PLANS, PREMIUM

from ..access import archive_preview
from ..accounts import change_plan as set_plan
from ..accounts import login_required, make_dev_token, session_user
from ..forms import PlanForm, ProfileForm
from ..globus import Identity
from ..jobview import minutes_left
from ..wiring import gas

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    settings = gas().settings
    return render_template("home.html", user=session_user(),
                           free_limit=settings.free_upload_limit,
                           retention_minutes=max(1, round(settings.free_retention_seconds / 60)))


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = session_user()
    assert user is not None
    form = ProfileForm(data={"name": user.name, "email": user.email, "institution": user.institution})
    if form.validate_on_submit():
        gas().stores.users.update_profile(user.user_id, {
            "name": str(form.name.data).strip(), "institution": str(form.institution.data or "").strip()})
        address = str(form.email.data).strip()
        if address.lower() == user.email.lower():
            flash("Your profile is saved.", "success")
        elif gas().addresses.ask(user, address):
            flash(f"Your profile is saved. We sent a link to {address}: GAS writes to it once you open it "
                  f"(until then, to {user.email or 'no address'}).", "info")
        else:
            flash("Your profile is saved, but not the new address: you asked for too many confirmation mails. "
                  "Try again in an hour.", "warning")
        return redirect(url_for("pages.profile"))
    dev_token = None
    if gas().settings.dev_login:  # development only: a token a script can use with the API
        dev_token = make_dev_token(Identity(user.user_id, user.display_name, user.email, ""))
    return render_template("profile.html", user=user, form=form, dev_token=dev_token,
                           status=400 if form.errors else 200), 400 if form.errors else 200


@blueprint.get("/profile/confirm")
@login_required
def confirm_address() -> Response:
    """The link of a confirmation mail, opened signed in as the user who asked."""
    user = session_user()
    assert user is not None
    address = gas().addresses.confirm(user, request.args.get("token", ""))
    if address:
        flash(f"GAS will write to {address} from now on.", "success")
    else:
        flash("That confirmation link is not valid any more (it lasts a day, and only the newest one counts). "
              "Change the address in your profile to get a new one.", "warning")
    return redirect(url_for("pages.profile"))


@blueprint.get("/plan")
@login_required
def plan() -> str:
    settings = gas().settings
    return render_template("plan.html", user=session_user(), form=PlanForm(),
                           free_limit=settings.free_upload_limit,
                           premium_limit=settings.premium_upload_limit,
                           retention_minutes=max(1, round(settings.free_retention_seconds / 60)))


@blueprint.post("/plan")
@login_required
def change_plan() -> ResponseReturnValue:
    user = session_user()
    assert user is not None
    form = PlanForm()
    wanted = form.plan.data
    if not form.validate_on_submit() or wanted not in PLANS:
        abort(400)
    if wanted == FREE and user.plan == PREMIUM and form.confirmed.data != "yes":
        # A downgrade archives results at once: say which, and ask (a page, so it works without script).
        return render_template("plan_confirm.html", user=user, form=PlanForm(data={"plan": FREE}),
                               preview=archive_preview(user), minutes_left=minutes_left,
                               retention_minutes=max(1, round(gas().settings.free_retention_seconds / 60)))
    previous = set_plan(user, wanted)
    if previous is None:
        flash(f"You are on the {wanted.title()} plan already.", "info")
    elif wanted == PREMIUM:
        flash("Welcome to Premium. Any archived results are being restored now.", "success")
    else:
        flash("You are on the Free plan. Results older than the retention window will be archived.", "info")
    return redirect(url_for("pages.plan"))
