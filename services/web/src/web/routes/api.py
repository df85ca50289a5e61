"""The JSON API, /api/v1: the same rules as the pages (owner only, plan limits), for scripts.

Callers authenticate with `Authorization: Bearer <token>`: a Globus Auth access token (checked by
introspection) or, in development only, a dev token. Reads also accept the page's session cookie (the job
page follows its job through GET /api/v1/jobs/<id>); changes need a bearer token, so they need no CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from werkzeug.wrappers import Response

from gas_shared.contract.plans import PLANS
from gas_shared.store.records import User

from ..access import jobs_page, owned_job, view_of
from ..accounts import bearer_user, change_plan, dev_user_id, make_dev_token, session_user
from ..explorer import exports
from ..explorer.exports import Ask, explorer_of
from ..explorer.query import FilterError
from ..globus import Identity
from ..openapi import document
from ..submissions import Options, SubmissionError
from ..wiring import gas

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 100


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@blueprint.errorhandler(ApiError)
def _api_error(e: ApiError) -> tuple[Response, int]:
    return jsonify({"error": e.message}), e.status


@blueprint.errorhandler(SubmissionError)
def _refused(e: SubmissionError) -> tuple[Response, int]:
    return jsonify({"error": e.message}), e.status


def caller(*, reading: bool = False) -> User:
    user = bearer_user()
    if user is None and reading and "Authorization" not in request.headers:
        user = session_user()
    if user is None:
        raise ApiError(401, "a valid bearer token is required")
    return user


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document(gas().settings.web_url))


@blueprint.get("/me")
def me() -> Response:
    user = caller(reading=True)
    return jsonify({"user_id": user.user_id, "name": user.name, "email": user.email,
                    "institution": user.institution, "plan": user.plan,
                    "upload_limit": gas().settings.upload_limit(user.plan)})


@blueprint.get("/references")
def references() -> Response:
    caller(reading=True)
    return jsonify({"references": [{"id": m.id, "assembly": m.assembly, "source": m.source,
                                    "has_sample": m.has_sample} for m in gas().catalogue.references()]})


@blueprint.post("/uploads")
def create_upload() -> tuple[Response, int]:
    user = caller()
    body = _body()
    upload = gas().submissions.start_upload(user, str(body.get("filename", "")), str(body.get("reference_id", "")),
                                            Options.of(body))
    return jsonify({"job_id": upload.job_id, "url": upload.url, "fields": upload.fields, "ticket": upload.ticket,
                    "max_bytes": upload.max_bytes, "expires_in": upload.expires_in}), 201


@blueprint.post("/jobs")
def submit() -> tuple[Response, int]:
    user = caller()
    body = _body()
    if body.get("sample"):
        job = gas().submissions.submit_sample(user, str(body.get("reference_id", "")), Options.of(body))
    elif isinstance(body.get("ticket"), str):
        job = gas().submissions.finish_upload(user, body["ticket"])
    else:
        raise ApiError(400, "give the upload's ticket, or sample: true with a reference_id")
    answer = jsonify(view_of(user, job))
    answer.headers["Location"] = url_for("api.job", job_id=job.job_id)
    return answer, 201


@blueprint.get("/jobs")
def jobs() -> Response:
    user = caller(reading=True)
    try:
        limit = min(MAX_LIMIT, max(1, int(request.args.get("limit", 20))))
    except ValueError:
        raise ApiError(400, "limit must be a number") from None
    views, cursor = jobs_page(user, request.args.get("after"), limit)
    return jsonify({"jobs": views, "next": cursor})


@blueprint.get("/jobs/<job_id>")
def job(job_id: str) -> Response:
    user = caller(reading=True)
    return jsonify(view_of(user, owned_job(user, job_id)))


@blueprint.get("/jobs/<job_id>/files")
def files(job_id: str) -> Response:
    """Short-lived URLs to the input, each result and the log (results only while not archived)."""
    user = caller(reading=True)
    found = owned_job(user, job_id)
    results = gas().results
    answer: dict[str, Any] = {
        "expires_in": gas().settings.link_seconds,
        "input": gas().inputs.download_url(found.input_key, found.input_filename or "input.vcf"),
        "results": {}, "log": None,
    }
    if found.results and not found.downloadable:
        answer["archived"] = True
    elif found.results:
        answer["results"] = {name: results.download_url(key, key.rsplit("/", 1)[-1])
                             for name, key in sorted(found.results.items())}
        if "log" in found.results:
            answer["log"] = results.download_url(found.results["log"], "count.log", inline=True)
    return jsonify(answer)


@blueprint.errorhandler(FilterError)
def _bad_filter(e: FilterError) -> tuple[Response, int]:
    return jsonify({"error": str(e)}), 400


@blueprint.get("/jobs/<job_id>/variants")
def variants(job_id: str) -> Response:
    """A page of the job's variants (one row per transcript consequence) that match the filter."""
    found = owned_job(caller(reading=True), job_id)
    ask = Ask.of_request()
    page = ask.page(explorer_of(found))
    return jsonify({"rows": [r.as_json() for r in page.rows], "offset": page.offset, "total": page.total,
                    "next": page.next_cursor, "previous": page.prev_cursor})


@blueprint.get("/jobs/<job_id>/variants/counts")
def variant_counts(job_id: str) -> Response:
    """Exact counts of what the filter matches: variants, records, rows, by consequence, impact and gene."""
    found = owned_job(caller(reading=True), job_id)
    try:
        genes = min(10_000, max(0, int(request.args.get("genes", 50))))
    except ValueError:
        raise ApiError(400, "genes must be a number") from None
    return jsonify(explorer_of(found).counts(Ask.of_request().filter, genes).as_json())


@blueprint.get("/jobs/<job_id>/variants.tsv")
def variants_tsv(job_id: str) -> Response:
    found = owned_job(caller(reading=True), job_id)
    return exports.tsv(found, explorer_of(found), Ask.of_request())


@blueprint.get("/jobs/<job_id>/variants.vcf")
def variants_vcf(job_id: str) -> Response:
    found = owned_job(caller(reading=True), job_id)
    return exports.vcf(found, explorer_of(found), Ask.of_request())


@blueprint.post("/jobs/<job_id>/cancel")
def cancel(job_id: str) -> Response:
    user = caller()
    return jsonify(view_of(user, gas().submissions.cancel(owned_job(user, job_id))))


@blueprint.delete("/jobs/<job_id>")
def delete(job_id: str) -> tuple[str, int]:
    user = caller()
    gas().submissions.delete(owned_job(user, job_id))
    gas().explorers.forget(job_id)
    return "", 204


@blueprint.put("/plan")
def plan() -> Response:
    user = caller()
    wanted = _body().get("plan")
    if wanted not in PLANS:
        raise ApiError(400, "plan must be free or premium")
    previous = change_plan(user, wanted)
    return jsonify({"plan": wanted, "changed": previous is not None})


@blueprint.post("/dev/tokens")
def dev_token() -> tuple[Response, int]:
    """Development only: a bearer token for a dev user (made on first use), for scripts and benchmarks."""
    if not gas().settings.dev_login:
        abort(404)
    body = _body()
    email, name = str(body.get("email", "")).strip(), str(body.get("name", "")).strip()
    if "@" not in email or not name:
        raise ApiError(400, "give a name and an e-mail address")
    identity = Identity(dev_user_id(email), name, email, "")
    gas().stores.users.ensure(identity.user_id, {"name": name, "email": email})
    return jsonify({"token": make_dev_token(identity), "user_id": identity.user_id}), 201
