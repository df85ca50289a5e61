"""Uploads and jobs as the user makes them: a presigned POST, the callback that turns the upload into a
PENDING job, the sample job, resubmission and deletion. The pages and the JSON API both call these.

The object key is made by contract.keys (`<user_id>/<job_id>/input.vcf[.gz]`) and travels inside a signed ticket, so
the callback never takes a key from the request. The emulator does not enforce POST policies, and the
policy is only the first line anyway: the callback checks owner, presence and size itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from gas_shared.contract.bundle import SAMPLE
from gas_shared.contract.keys import INPUT_SUFFIXES, JobKeys, input_suffix, stable_id
from gas_shared.contract.messages import JobRequested
from gas_shared.contract.plans import FREE
from gas_shared.contract.times import now
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.records import ARCHIVING, CANCELLED, PENDING, Job, User
from gas_shared.store.stores import Stores

from .catalogue import Catalogue
from .objects import Objects
from .settings import ACTIVE_JOBS_SEEN, WebSettings

NAME_LIMIT = 255


class SubmissionError(Exception):
    """A request GAS refuses, with the HTTP status and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Options:
    """What a user may ask of a job beyond its file and reference; each costs time, so none is on unasked."""

    hgvs: bool = False  # HGVS c./p. for every transcript
    haplotypes: bool = False  # haplotype-aware consequences from the samples' phased genotypes

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Options:
        """From a JSON body: only a real true asks (a string "false" is not a yes)."""
        return cls(hgvs=body.get("hgvs") is True, haplotypes=body.get("haplotypes") is True)

    @classmethod
    def of_job(cls, job: Job) -> Options:
        return cls(hgvs=job.hgvs, haplotypes=job.haplotypes)


@dataclass(frozen=True)
class Upload:
    job_id: str
    url: str
    fields: dict[str, str]
    ticket: str
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class Ticket:
    """What a signed upload ticket carries, made by start_upload and checked by finish_upload."""

    user_id: str
    job_id: str
    key: str
    filename: str
    reference_id: str
    options: Options


def _suffix(filename: str) -> str:
    lower = filename.lower()
    for suffix in INPUT_SUFFIXES:
        if lower.endswith(suffix) and len(filename) > len(suffix):
            return suffix
    raise SubmissionError(400, "only .vcf and .vcf.gz files can be annotated")


def clean_filename(filename: str) -> str:
    """The uploaded name as data (shown escaped, never part of a key): control characters dropped, length
    bounded. Browsers send the bare name, which may hold any character, `/` included."""
    name = "".join(ch for ch in filename or "" if ch.isprintable()).strip()
    if not name:
        raise SubmissionError(400, "the file has no name")
    if len(name) > NAME_LIMIT:
        raise SubmissionError(400, f"file names are limited to {NAME_LIMIT} characters")
    return name


class Submissions:
    def __init__(self, stores: Stores, publisher: Publisher, catalogue: Catalogue, inputs: Objects,
                 results: Objects, references: Objects, settings: WebSettings):
        self._stores, self._publisher, self._catalogue = stores, publisher, catalogue
        self._inputs, self._results, self._references = inputs, results, references
        self._settings = settings
        self._tickets = URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="gas-upload-ticket")

    @property
    def ticket_lifetime(self) -> int:
        """How long an upload ticket can be handed in: the upload link's lifetime and time to send the file."""
        return self._settings.link_seconds * 4

    def _reference(self, reference_id: str) -> str:
        if not self._catalogue.reference(reference_id):
            raise SubmissionError(400, f"no reference genome {reference_id!r} is installed")
        return reference_id

    def start_upload(self, user: User, filename: str, reference_id: str, options: Options | None = None) -> Upload:
        options = options or Options()
        name = clean_filename(filename)
        suffix = _suffix(name)
        self._reference(reference_id)
        self._within_quota(user)  # before the upload, not after it (checked again at submission)
        job_id = str(uuid.uuid4())
        key = JobKeys(user.user_id, job_id).upload(suffix)
        limit = self._settings.upload_limit(user.plan)
        post = self._inputs.upload_post(key, limit)
        ticket = self._tickets.dumps({"u": user.user_id, "j": job_id, "k": key, "f": name, "r": reference_id,
                                      "h": options.hgvs, "hp": options.haplotypes})
        return Upload(job_id, post.url, post.fields, ticket, limit, self._settings.link_seconds)

    def _read_ticket(self, user: User, ticket: str) -> Ticket:
        try:
            data: dict[str, Any] = self._tickets.loads(ticket, max_age=self.ticket_lifetime)
        except SignatureExpired:
            raise SubmissionError(400, "the upload took too long; please upload the file again") from None
        except (BadSignature, UnicodeError):  # forged, cut, or not even text (a lone surrogate)
            raise SubmissionError(400, "that upload ticket is not valid") from None
        if data.get("u") != user.user_id:
            raise SubmissionError(403, "that upload belongs to someone else")
        return Ticket(data["u"], data["j"], data["k"], data["f"], data["r"],
                      Options(hgvs=data.get("h") is True, haplotypes=data.get("hp") is True))

    def finish_upload(self, user: User, ticket: str) -> Job:
        """The upload callback: check the uploaded object, copy it to the job's own key, then create the job
        (once, however often called). The job reads only its copy: the presigned POST, which lives a few
        minutes more, can change the upload but never what was checked."""
        upload = self._read_ticket(user, ticket)
        keys = JobKeys(user.user_id, upload.job_id)
        suffix = input_suffix(upload.key)
        if upload.key != keys.upload(suffix):  # made by start_upload; checked all the same
            raise SubmissionError(403, "that upload belongs to someone else")
        key = keys.input(suffix)
        existing = self._stores.jobs.get(upload.job_id)
        if existing is not None:  # the callback again: the job as it is
            return self._submit(user, upload.job_id, key, upload.filename, upload.reference_id, existing.input_size,
                                upload.options)
        record = self._stores.users.get(user.user_id)  # as it is now, not as the request began
        if record is not None and self._stores.users.ticket_spent(record, upload.job_id):
            # Its job was deleted: a replay (with the upload link used again) must not bring it back.
            raise SubmissionError(410, "this upload was already submitted and its job deleted; "
                                       "please upload the file again")
        size = self._inputs.size(upload.key)
        if size is None:
            size = self._inputs.size(key)  # an earlier try copied it and stopped before the job was made
            if size is None:
                raise SubmissionError(400, "the file has not arrived; please upload it again")
        else:
            self._check_size(user, upload.key, size)
            self._inputs.copy_from(self._inputs, upload.key, key)
            self._inputs.delete(upload.key)
        return self._submit(user, upload.job_id, key, upload.filename, upload.reference_id, size, upload.options)

    def _check_size(self, user: User, key: str, size: int) -> None:
        limit = self._settings.upload_limit(user.plan)
        if size > limit:
            self._inputs.delete(key)
            raise SubmissionError(413, f"the file is {_size(size)}; your plan accepts files up to {_size(limit)}"
                                       + (" (Premium accepts larger ones)" if user.plan == FREE else ""))
        if size == 0:
            raise SubmissionError(400, "the file is empty")

    def _submit(self, user: User, job_id: str, key: str, filename: str, reference_id: str, size: int,
                options: Options | None = None) -> Job:
        options = options or Options()
        request = JobRequested(job_id=uuid.UUID(job_id), user_id=uuid.UUID(user.user_id), reference_id=reference_id,
                               input_key=key, input_filename=filename, submitted_at=now(), hgvs=options.hgvs,
                               haplotypes=options.haplotypes)
        jobs = self._stores.jobs
        if jobs.get(job_id) is None:  # a repeated callback of a job that exists is not a new job
            self._within_quota(user)
        jobs.create(request, input_size=size)
        job = jobs.get(job_id)
        if job is None:
            raise SubmissionError(409, "this job was deleted while it was being submitted")
        if job.status == PENDING:
            # Published each time the callback runs while PENDING, with one id: a lost publish is
            # repaired by calling again, and the annotator's conditional start ignores the repeats.
            self._publisher.publish(request, message_id=stable_id(job_id, "job.requested"),
                                    group=request.message_group(self._settings.job_lanes(user.plan)))
        return job

    def _within_quota(self, user: User) -> None:
        """A user may have only so many jobs waiting or running (by plan), so one burst cannot fill the queue
        ahead of everyone. Counted over the newest jobs (the index is eventually consistent: a burst of
        parallel submissions may pass one or two over; the queue still holds them all)."""
        cap = self._settings.active_jobs(user.plan)
        recent, _ = self._stores.jobs.page(user.user_id, ACTIVE_JOBS_SEEN)
        active = sum(1 for job in recent if not job.finished)
        if active >= cap:
            raise SubmissionError(429, f"you have {active} jobs waiting or running; the {user.plan.title()} plan "
                                       f"runs up to {cap} at a time. Submit this one when one of them has finished"
                                  + (" (Premium runs more)." if user.plan == FREE else "."))

    def submit_sample(self, user: User, reference_id: str, options: Options | None = None) -> Job:
        """One click: the reference's sample VCF, copied into the user's space and submitted."""
        manifest = self._catalogue.reference(self._reference(reference_id))
        if manifest is None or not manifest.has_sample:
            raise SubmissionError(400, f"the reference {reference_id!r} has no sample file")
        job_id = str(uuid.uuid4())
        key = JobKeys(user.user_id, job_id).input(".vcf")
        self._inputs.copy_from(self._references, manifest.key(SAMPLE), key)
        size = self._inputs.size(key) or 0
        return self._submit(user, job_id, key, f"{reference_id}-sample.vcf", reference_id, size, options)

    def resubmit(self, user: User, job: Job) -> Job:
        """A new job from a finished job's input (a failed job, after the reference was installed, say)."""
        if not job.finished:
            raise SubmissionError(409, "this job has not finished yet")
        limit = self._settings.upload_limit(user.plan)
        if job.input_size > limit:
            raise SubmissionError(413, f"the file is {_size(job.input_size)}; your plan accepts files up to "
                                       f"{_size(limit)}")
        self._reference(job.reference_id)
        job_id = str(uuid.uuid4())
        key = JobKeys(user.user_id, job_id).input(input_suffix(job.input_key))
        self._inputs.copy_from(self._inputs, job.input_key, key)
        return self._submit(user, job_id, key, job.input_filename, job.reference_id, job.input_size,
                            Options.of_job(job))

    def cancel(self, job: Job) -> Job:
        """Stop a PENDING or RUNNING job. Its input stays (to resubmit or download); a running annotator stops
        at its next progress write, keeps nothing and sends nothing."""
        step = self._stores.jobs.cancel(job.job_id)
        if step.item is None:
            raise SubmissionError(404, "no such job")
        if not step.applied and step.item.status != CANCELLED:
            raise SubmissionError(409, f"this job has already {step.item.status.lower()}; it cannot be cancelled")
        return step.item

    def delete(self, job: Job) -> None:
        """A finished job and every file of it. Files go first: a failure part-way leaves a job that can
        be deleted again, never files that nothing points at."""
        if not job.finished:
            raise SubmissionError(409, "a job can be deleted once it has finished")
        if job.storage == ARCHIVING:  # the archiver is moving its files right now
            raise SubmissionError(409, "this job's results are being archived; try again in a minute")
        prefix = JobKeys(job.user_id, job.job_id).prefix
        # First, so that a delete that stops part-way has already closed the ticket (deleting again is fine).
        self._stores.users.spend_ticket(job.user_id, job.job_id, self.ticket_lifetime)
        self._inputs.delete_prefix(prefix)
        self._results.delete_prefix(prefix)
        self._stores.jobs.delete(job.job_id)


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"
