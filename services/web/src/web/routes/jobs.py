"""Annotate (upload), the jobs list, the job page and everything a job offers: files, log, the variants
explorer and its exports, delete and resubmit. Every job route answers 404 to anyone but the job's owner."""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gas_shared.store.records import COMPLETED, FAILED, Job, User

from ..access import jobs_page, owned_job, view_of
from ..accounts import login_required, session_user
from ..excerpt import Line, around
from ..explorer import exports
from ..explorer.exports import Ask, explorer_of
from ..explorer.query import FilterError
from ..explorer.view import ExplorerView, tracks_of
from ..forms import ActionForm, SampleForm, TicketForm, UploadForm
from ..jobview import RESULT_LABELS, minutes_left
from ..submissions import Options, SubmissionError
from ..wiring import gas

logger = logging.getLogger(__name__)
blueprint = Blueprint("jobs", __name__)


def me() -> User:
    user = session_user()
    assert user is not None  # every route here is login_required
    return user


@blueprint.get("/annotate")
@login_required
def annotate() -> str:
    user = me()
    references = gas().catalogue.references()
    form = UploadForm()
    form.reference_id.choices = [(m.id, f"{m.id} ({m.assembly})") for m in references]
    samples = [m for m in references if m.has_sample]
    return render_template("annotate.html", user=user, form=form, ticket_form=TicketForm(),
                           sample_form=SampleForm(), samples=samples, references=references,
                           limit=gas().settings.upload_limit(user.plan))


@blueprint.post("/uploads")
@login_required
def start_upload() -> tuple[Response, int]:
    """Called by the annotate page's script (CSRF token in the X-CSRFToken header): a presigned POST."""
    body = request.get_json(silent=True) or {}
    try:
        upload = gas().submissions.start_upload(me(), str(body.get("filename", "")), str(body.get("reference_id", "")),
                                                Options.of(body))
    except SubmissionError as e:
        return jsonify({"error": e.message}), e.status
    return jsonify({"url": upload.url, "fields": upload.fields, "ticket": upload.ticket,
                    "max_bytes": upload.max_bytes}), 201


def _submitted(job: Job) -> Response:
    flash("Your job is submitted. This page follows it as it runs.", "success")
    return redirect(url_for("jobs.show", job_id=job.job_id))


def _refused(e: SubmissionError) -> Response:
    flash(e.message, "danger")
    return redirect(url_for("jobs.annotate"))


@blueprint.post("/jobs")
@login_required
def submit() -> Response:
    """The upload callback: the object is checked (owner, presence, size) before the job exists."""
    form = TicketForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        return _submitted(gas().submissions.finish_upload(me(), str(form.ticket.data)))
    except SubmissionError as e:
        return _refused(e)


@blueprint.post("/jobs/sample")
@login_required
def submit_sample() -> Response:
    form = SampleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        options = Options(hgvs=bool(form.hgvs.data), haplotypes=bool(form.haplotypes.data))
        return _submitted(gas().submissions.submit_sample(me(), str(form.reference_id.data), options))
    except SubmissionError as e:
        return _refused(e)


@blueprint.get("/jobs")
@login_required
def index() -> str:
    user = me()
    views, cursor = jobs_page(user, request.args.get("after"), gas().settings.jobs_per_page)
    template = "_jobs_rows.html" if request.args.get("fragment") else "jobs.html"
    return render_template(template, user=user, jobs=views, next_cursor=cursor,
                           first_page=not request.args.get("after"))


@blueprint.get("/jobs/<job_id>")
@login_required
def show(job_id: str) -> str:
    user = me()
    job = owned_job(user, job_id)
    return render_template("job.html", **_panel(user, job), **_files(job), ex=_explorer(job))


@blueprint.get("/jobs/<job_id>/panel")
@login_required
def panel(job_id: str) -> str:
    """The live part of the job page (its status), fetched by its script every few seconds while the job moves."""
    user = me()
    return render_template("_job_panel.html", **_panel(user, owned_job(user, job_id)))


@blueprint.get("/jobs/<job_id>/results")
@login_required
def results(job_id: str) -> str:
    """The results part, fetched again only when the job's status or storage changes."""
    user = me()
    job = owned_job(user, job_id)
    return render_template("_job_files.html", job=view_of(user, job), **_files(job))


@blueprint.get("/jobs/<job_id>/variants")
@login_required
def variants(job_id: str) -> str:
    """The explorer alone, for the page's script (the same query string as the job page)."""
    user = me()
    job = owned_job(user, job_id)
    ex = _explorer(job)
    if ex is None:
        abort(404)
    return render_template("_explorer.html", job=view_of(user, job), ex=ex)


def _panel(user: User, job: Job) -> dict[str, Any]:
    return {"user": user, "job": view_of(user, job), "action": ActionForm(), "minutes_left": minutes_left,
            "excerpt": _failure_excerpt(job)}


def _failure_excerpt(job: Job) -> list[Line]:
    """The offending line of a failed job's input and its neighbours (none when the input is gone or unreadable:
    the reason and line number still say what to fix)."""
    if job.status != FAILED or not job.failure_line:
        return []
    try:
        return around(gas().inputs.chunks(job.input_key), job.failure_line)
    except ClientError as e:
        logger.info("no excerpt for job %s: %s", job.job_id, e)
        return []


def _files(job: Job) -> dict[str, Any]:
    # The summary stays readable when the files are archived (it is kept in standard storage).
    key = job.results.get("summary") if job.status == COMPLETED else None
    return {"summary": gas().summaries.get(key) if key else None, "labels": RESULT_LABELS}


def _explorer(job: Job) -> ExplorerView | None:
    explorer = gas().explorers.get(job) if job.status == COMPLETED else None
    if explorer is None:
        return None
    page_url = url_for("jobs.show", job_id=job.job_id)
    fragment_url, export_base = url_for("jobs.variants", job_id=job.job_id), f"{page_url}/variants"
    try:
        return ExplorerView.of(explorer, Ask.of_request(), page_url=page_url, fragment_url=fragment_url,
                               export_base=export_base)
    except FilterError as e:
        return ExplorerView(Ask.default(), page_url, fragment_url, export_base,
                            filters_seen=tuple(explorer.filters_seen), error=str(e), **tracks_of(explorer))


@blueprint.get("/jobs/<job_id>/files/<name>")
@login_required
def download(job_id: str, name: str) -> Response:
    """A short-lived presigned URL to the input or one result, for the owner only."""
    job = owned_job(me(), job_id)
    if name == "input":
        return redirect(gas().inputs.download_url(job.input_key, job.input_filename or "input.vcf"))
    if name not in job.results:
        abort(404)
    if not job.downloadable:
        flash("These results are in cold storage. Upgrade to Premium to restore them.", "warning")
        return redirect(url_for("jobs.show", job_id=job_id))
    key = job.results[name]
    return redirect(gas().results.download_url(key, key.rsplit("/", 1)[-1]))


@blueprint.get("/jobs/<job_id>/log")
@login_required
def log(job_id: str) -> str:
    user = me()
    job = owned_job(user, job_id)
    key = job.results.get("log") if job.status == COMPLETED else None
    text = gas().results.read_text(key) if key else None  # kept in standard storage: readable when archived
    return render_template("log.html", user=user, job=view_of(user, job), text=text)


@blueprint.errorhandler(FilterError)
def _bad_filter(e: FilterError) -> Response:
    """An export asked with a filter GAS cannot read (the page shows the same message in place)."""
    return Response(str(e), status=400, mimetype="text/plain")


@blueprint.get("/jobs/<job_id>/variants.tsv")
@login_required
def variants_tsv(job_id: str) -> Response:
    """The filtered variants, every one, as TSV (one line per transcript consequence)."""
    job = owned_job(me(), job_id)
    return exports.tsv(job, explorer_of(job), Ask.of_request())


@blueprint.get("/jobs/<job_id>/variants.vcf")
@login_required
def variants_vcf(job_id: str) -> Response:
    """The user's records that match the filter, annotated, as VCF."""
    job = owned_job(me(), job_id)
    return exports.vcf(job, explorer_of(job), Ask.of_request())


@blueprint.post("/jobs/<job_id>/delete")
@login_required
def delete(job_id: str) -> Response:
    user = me()
    job = owned_job(user, job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        gas().submissions.delete(job)
        gas().explorers.forget(job_id)
    except SubmissionError as e:
        flash(e.message, "warning")
        return redirect(url_for("jobs.show", job_id=job_id))
    flash(f"Deleted the job for {job.input_filename or 'your file'} and its files.", "info")
    return redirect(url_for("jobs.index"))


@blueprint.post("/jobs/<job_id>/cancel")
@login_required
def cancel(job_id: str) -> Response:
    job = owned_job(me(), job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        gas().submissions.cancel(job)
    except SubmissionError as e:
        flash(e.message, "warning")
        return redirect(url_for("jobs.show", job_id=job_id))
    flash(f"Cancelled the job for {job.input_filename or 'your file'}.", "info")
    return redirect(url_for("jobs.show", job_id=job_id))


@blueprint.post("/jobs/<job_id>/resubmit")
@login_required
def resubmit(job_id: str) -> Response:
    user = me()
    job = owned_job(user, job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return _submitted(gas().submissions.resubmit(user, job))
    except SubmissionError as e:
        flash(e.message, "warning")
        return redirect(url_for("jobs.show", job_id=job_id))
