"""The HTML forms (Flask-WTF: each carries a CSRF token, checked on every POST)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str | None) -> str | None:
    """A name as stored and mailed: control characters (CR, LF, tabs...) become one space, ends trimmed."""
    return None if text is None else CONTROLS.sub(" ", text).strip()


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)], filters=[one_line])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    institution = StringField("Institution", validators=[Optional(), Length(max=200)], filters=[one_line])


class DevSignInForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)], filters=[one_line])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class UploadForm(FlaskForm):
    """The annotate page: the file goes straight to S3 (by script); this form asks for the upload."""

    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    reference_id = SelectField("Reference genome", validators=[DataRequired()])
    hgvs = BooleanField("HGVS notation (c. and p.) for every transcript: the job takes longer")
    haplotypes = BooleanField("Haplotype-aware consequences (phased files): variants on one haplotype read "
                              "together, as bcftools csq does; the job takes longer")


class SampleForm(FlaskForm):
    reference_id = HiddenField(validators=[DataRequired()])
    hgvs = BooleanField()
    haplotypes = BooleanField()


class TicketForm(FlaskForm):
    """The upload callback: the signed ticket of an upload that has reached S3."""

    ticket = HiddenField(validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that changes something (delete, resubmit, sign out): only the CSRF token."""


class PlanForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])
    confirmed = HiddenField()  # "yes" once the user has seen what a downgrade archives
