"""Uploads and jobs as the user makes them: a presigned POST, the callback that turns the upload into a
PENDING job, the sample job, resubmission and deletion. The pages and the JSON API both call these.

The object key is made here (`<user_id>/<job_id>/input.vcf[.gz]`) and travels inside a signed ticket, so
the callback never takes a key from the request. The emulator does not enforce POST policies, and the
policy is only the first line anyway: the callback checks owner, presence and size itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from gas_shared.jobs import ARCHIVING, FINISHED, PENDING
from gas_shared.messages import JobRequested
from gas_shared.messages.envelope import now
from gas_shared.runtime.aws import error_code

from .accounts import User
from .backend import SAMPLE, Backend

SUFFIXES = (".vcf.gz", ".vcf")
NAME_LIMIT = 255


class SubmissionError(Exception):
    """A request GAS refuses, with the HTTP status and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Upload:
    job_id: str
    url: str
    fields: dict[str, str]
    ticket: str
    max_bytes: int
    expires_in: int


def _suffix(filename: str) -> str:
    lower = filename.lower()
    for suffix in SUFFIXES:
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
    def __init__(self, gas: Backend, secret_key: str):
        self.gas = gas
        self._tickets = URLSafeTimedSerializer(secret_key, salt="gas-upload-ticket")

    def _reference(self, reference_id: str) -> str:
        if not self.gas.reference(reference_id):
            raise SubmissionError(400, f"no reference genome {reference_id!r} is installed")
        return reference_id

    def start_upload(self, user: User, filename: str, reference_id: str) -> Upload:
        name = clean_filename(filename)
        suffix = _suffix(name)
        self._reference(reference_id)
        job_id = str(uuid.uuid4())
        key = f"{user.user_id}/{job_id}/input{suffix}"
        limit = self.gas.settings.upload_limit(user.plan)
        post = self.gas.s3.generate_presigned_post(
            Bucket=self.gas.inputs, Key=key,
            Conditions=[["content-length-range", 1, limit]],
            ExpiresIn=self.gas.settings.link_seconds)
        ticket = self._tickets.dumps({"u": user.user_id, "j": job_id, "k": key, "f": name, "r": reference_id})
        return Upload(job_id, post["url"], post["fields"], ticket, limit, self.gas.settings.link_seconds)

    def _read_ticket(self, user: User, ticket: str) -> dict[str, str]:
        try:
            data: dict[str, str] = self._tickets.loads(ticket, max_age=self.gas.settings.link_seconds * 4)
        except SignatureExpired:
            raise SubmissionError(400, "the upload took too long; please upload the file again") from None
        except BadSignature:
            raise SubmissionError(400, "that upload ticket is not valid") from None
        if data.get("u") != user.user_id:
            raise SubmissionError(403, "that upload belongs to someone else")
        return data

    def finish_upload(self, user: User, ticket: str) -> dict[str, Any]:
        """The upload callback: check the object, then create the job (once, however often called)."""
        data = self._read_ticket(user, ticket)
        key = data["k"]
        if not key.startswith(f"{user.user_id}/{data['j']}/"):  # made by start_upload; checked all the same
            raise SubmissionError(403, "that upload belongs to someone else")
        try:
            head = self.gas.s3.head_object(Bucket=self.gas.inputs, Key=key)
        except ClientError as e:
            if error_code(e) in ("404", "NoSuchKey", "NotFound"):
                raise SubmissionError(400, "the file has not arrived; please upload it again") from None
            raise
        limit = self.gas.settings.upload_limit(user.plan)
        size = int(head["ContentLength"])
        if size > limit:
            self.gas.s3.delete_object(Bucket=self.gas.inputs, Key=key)
            raise SubmissionError(413, f"the file is {_size(size)}; your plan accepts files up to {_size(limit)}"
                                       + (" (Premium accepts larger ones)" if user.plan == "free" else ""))
        if size == 0:
            raise SubmissionError(400, "the file is empty")
        return self._submit(user, data["j"], key, data["f"], data["r"], size)

    def _submit(self, user: User, job_id: str, key: str, filename: str, reference_id: str,
                size: int) -> dict[str, Any]:
        request = JobRequested(job_id=uuid.UUID(job_id), user_id=uuid.UUID(user.user_id), reference_id=reference_id,
                               input_key=key, input_filename=filename, submitted_at=now())
        self.gas.jobs.create(request, {"input_size": size})
        job = self.gas.jobs.get(job_id) or {}
        if job.get("status") == PENDING:
            # Published each time the callback runs while PENDING, with one id: a lost publish is
            # repaired by calling again, and the annotator's conditional start ignores the repeats.
            self.gas.publisher.publish(request, message_id=uuid.uuid5(uuid.UUID(job_id), "job.requested"))
        return job

    def submit_sample(self, user: User, reference_id: str) -> dict[str, Any]:
        """One click: the reference's sample VCF, copied into the user's space and submitted."""
        manifest = self.gas.reference(self._reference(reference_id))
        if manifest is None or SAMPLE not in manifest.files:
            raise SubmissionError(400, f"the reference {reference_id!r} has no sample file")
        job_id = str(uuid.uuid4())
        key = f"{user.user_id}/{job_id}/input.vcf"
        source = {"Bucket": self.gas.references_bucket, "Key": f"{reference_id}/{SAMPLE}"}
        self.gas.s3.copy_object(Bucket=self.gas.inputs, Key=key, CopySource=source)
        size = int(self.gas.s3.head_object(Bucket=self.gas.inputs, Key=key)["ContentLength"])
        return self._submit(user, job_id, key, f"{reference_id}-sample.vcf", reference_id, size)

    def resubmit(self, user: User, job: dict[str, Any]) -> dict[str, Any]:
        """A new job from a finished job's input (a failed job, after the reference was installed, say)."""
        if job.get("status") not in FINISHED:
            raise SubmissionError(409, "this job has not finished yet")
        size = int(job.get("input_size") or 0)
        limit = self.gas.settings.upload_limit(user.plan)
        if size > limit:
            raise SubmissionError(413, f"the file is {_size(size)}; your plan accepts files up to {_size(limit)}")
        self._reference(str(job["reference_id"]))
        job_id = str(uuid.uuid4())
        suffix = ".vcf.gz" if str(job["input_key"]).endswith(".gz") else ".vcf"
        key = f"{user.user_id}/{job_id}/input{suffix}"
        self.gas.s3.copy_object(Bucket=self.gas.inputs, Key=key,
                                CopySource={"Bucket": self.gas.inputs, "Key": job["input_key"]})
        return self._submit(user, job_id, key, str(job["input_filename"]), str(job["reference_id"]), size)

    def delete(self, job: dict[str, Any]) -> None:
        """A finished job and every file of it. Files go first: a failure part-way leaves a job that can
        be deleted again, never files that nothing points at."""
        if job.get("status") not in FINISHED:
            raise SubmissionError(409, "a job can be deleted once it has finished")
        if job.get("storage") == ARCHIVING:  # the archiver is moving its files right now
            raise SubmissionError(409, "this job's results are being archived; try again in a minute")
        prefix = f"{job['user_id']}/{job['job_id']}/"
        self.gas.delete_prefix(self.gas.inputs, prefix)
        self.gas.delete_prefix(self.gas.results, prefix)
        self.gas.jobs.delete(str(job["job_id"]))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"
