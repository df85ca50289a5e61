"""Runs one job.requested: claim, fetch, annotate, store, mark, announce. Safe to run again for any message."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gas_shared.contract.keys import JobKeys, stable_id
from gas_shared.contract.messages import JobCompleted, JobFailed, JobRequested
from gas_shared.contract.plans import FREE, PREMIUM
from gas_shared.contract.times import now
from gas_shared.runtime.aws import is_transient
from gas_shared.runtime.consumer import Deferred, defer_while_busy, delivery
from gas_shared.runtime.mail import Mailer
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import JobStore
from gas_shared.store.records import CANCELLED, COMPLETED, FAILED, Job
from gas_shared.store.table import Outcome
from gas_shared.store.users import UserStore

from . import notices
from .bundle_cache import BundleCache, UnknownReference
from .engine.chain.stages import SelfCheckFailed
from .engine.check.reader import Limits
from .engine.errors import VcfError
from .engine.pipeline import annotate
from .settings import AnnotatorSettings

log = logging.getLogger(__name__)


class Lease:
    """Renews a RUNNING job's lease on a thread for as long as the work lasts."""

    def __init__(self, store: JobStore, job_id: str, worker: str, seconds: float):
        self._store, self._job, self._worker, self._seconds = store, job_id, worker, seconds
        self._done = threading.Event()
        self.lost = False

    def __enter__(self) -> Lease:
        self._thread = threading.Thread(target=self._renew, daemon=True, name=f"lease-{self._job}")
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=30)  # a renewal in flight must not land after a release

    def give_up(self) -> None:
        """This process stops before the work ends: free the job for the next worker now, not when the
        lease runs out (a minute in production)."""
        self.__exit__()
        self._store.release(self._job, self._worker)

    def _renew(self) -> None:
        while not self._done.wait(self._seconds / 3):
            try:
                if not self._store.renew(self._job, self._worker, self._seconds):
                    self.lost = True
                    log.warning("lost the lease of job %s", self._job)
                    return
            except Exception as e:  # a missed renewal is survivable: the lease is three intervals long
                log.warning("lease renewal failed: %s", e)


class Cancelled(Exception):
    """The job's owner cancelled it while it ran: stop, keep nothing, say nothing."""


class Throttled:
    """Every new stage is written; counts within a stage at most once per interval (DynamoDB bills writes)."""

    def __init__(self, write: Callable[[str, int], object], interval: float):
        self._write, self._interval, self._last, self._stage = write, interval, 0.0, ""

    def __call__(self, stage: str, variants: int) -> None:
        if stage != self._stage or time.monotonic() - self._last >= self._interval:
            self._last, self._stage = time.monotonic(), stage
            self._write(stage, variants)


class JobRunner:
    def __init__(self, settings: AnnotatorSettings, store: JobStore, users: UserStore, s3: Any,
                 references: BundleCache, publisher: Publisher, mailer: Mailer, inputs_bucket: str,
                 results_bucket: str):
        self._settings = settings
        self._store = store
        self._users = users
        self._s3 = s3
        self._references = references
        self._publisher = publisher
        self._mailer = mailer
        self._inputs = inputs_bucket
        self._results = results_bucket

    def handle(self, request: JobRequested) -> None:
        job_id = str(request.job_id)
        # Unique to this attempt: a duplicate delivery in this very process must not share the lease.
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        claim = self._store.claim(job_id, worker, self._settings.lease_seconds)
        if not claim.granted:
            if claim.job is None:
                log.warning("job %s has no record (deleted?): nothing to do", job_id)
            elif claim.job.finished:
                self._announce(claim.job)  # a redelivery after the work: finish what may not have been said
            else:
                # Come back when the lease ends: deferred, not retried, since every receive counts toward
                # the dead-letter limit and a live worker (or one just stopped) is no fault of the message.
                raise Deferred(claim.retry_after + 1, f"job {job_id} is running elsewhere; "
                                                      f"its lease ends in {claim.retry_after:.0f}s")
            return
        with tempfile.TemporaryDirectory(prefix=f"gas-{job_id}-") as scratch:
            try:
                with Lease(self._store, job_id, worker, self._settings.lease_seconds) as lease:
                    delivery().on_release(lease.give_up)
                    self._run(request, worker, Path(scratch), claim.job.input_size if claim.job else 0)
            except Cancelled:
                log.info("job %s was cancelled by its owner: stopped, nothing kept", job_id)
                return  # the scratch directory goes with the with-block; the message is done
            except Exception as e:
                # On the last delivery, a failure that is not AWS passing by (a bcftools crash, a broken
                # reference) would leave the job RUNNING for ever beside a dead letter: end it, and say so.
                if not delivery().last or is_transient(e):
                    self._store.release(job_id, worker)  # the next delivery may start at once
                    raise
                log.exception("job %s failed on its last delivery", job_id)
                self._store.fail(job_id, f"internal error: {type(e).__name__}: {e}"[:500], None)
        job = self._store.get(job_id)
        if job and job.finished:
            self._announce(job)

    def _run(self, request: JobRequested, worker: str, scratch: Path, checked_size: int) -> None:
        job_id = str(request.job_id)
        progress = Throttled(lambda stage, n: self._progress(job_id, worker, stage, n),
                             self._settings.progress_interval)
        progress("fetching", 0)
        source = scratch / "input"
        self._s3.download_file(self._inputs, request.input_key, str(source))
        size = source.stat().st_size
        if checked_size and size != checked_size:
            # The web app checked this size against the plan when the job was made, on a copy only GAS
            # writes; a different size means the input was replaced since, and what was checked is gone.
            log.warning("job %s: input is %d bytes, %d were checked at submission", job_id, size, checked_size)
            self._store.fail(job_id, f"the input file changed after it was checked ({size:,} bytes now, "
                                     f"{checked_size:,} when it was submitted); please upload it again", None)
            return
        try:
            reference = self._references.local(request.reference_id)
            plan = self._users.plan(str(request.user_id))  # read where the effect happens, just before it
            limit = self._settings.premium_text_limit if plan == PREMIUM else self._settings.free_text_limit
            result = annotate(source, request.input_filename, reference, scratch / "out", job_id=job_id,
                              plain=self._settings.plain_vcf,
                              index=self._settings.variant_index, hgvs=request.hgvs,
                              haplotypes=request.haplotypes, progress=progress,
                              limits=Limits(max_bytes=limit, plan=plan.title()))
        except UnknownReference:
            self._store.fail(job_id, f"the reference {request.reference_id!r} is not installed", None)
            return
        except VcfError as e:
            log.info("job %s: bad input: %s", job_id, e)
            self._store.fail(job_id, e.reason, e.line)
            return
        except SelfCheckFailed as e:
            # The engine's own output did not add up: a bug, never the file. Retrying gives the same answer,
            # so the job ends now; what GAS wrote is not stored.
            log.error("job %s: the engine's self-check failed: %s", job_id, e)
            self._store.fail(job_id, f"internal error: the annotation failed its own check ({e})"[:500], None)
            return
        progress("storing", result.summary.variants)
        where = JobKeys(str(request.user_id), job_id)
        keys = {name: where.result(path.name) for name, path in result.files.items()}
        with ThreadPoolExecutor(max_workers=len(keys)) as uploads:  # the plain VCF is most of the time
            for done in [uploads.submit(self._s3.upload_file, str(path), self._results, keys[name])
                         for name, path in result.files.items()]:
                done.result()
        if self._store.complete(job_id, worker, keys, result.counts()) is not Outcome.APPLIED:
            job = self._store.get(job_id)
            if job is not None and job.status == CANCELLED:  # cancelled while the files went up
                for key in keys.values():
                    self._s3.delete_object(Bucket=self._results, Key=key)
                raise Cancelled(job_id)

    def _progress(self, job_id: str, worker: str, stage: str, variants: int) -> None:
        """A progress write, which only the lease holder of a RUNNING job can make: refused, it asks why."""
        if not self._store.progress(job_id, worker, stage, variants):
            job = self._store.get(job_id)
            if job is not None and job.status == CANCELLED:
                raise Cancelled(job_id)

    def _announce(self, job: Job) -> None:
        """Publish the outcome and mail the user, each once; publish, then mark: a crash between the two
        repeats the message (with the same id, fixed by the job), never loses it. Likewise the mail."""
        if not job.finished or job.status == CANCELLED:
            return  # a cancelled job ends quietly: its owner asked for it
        # Claimed first (JobStore.once): two deliveries of one request finishing together announce once.
        if not job.done("announced_at"):
            defer_while_busy(self._store.once(job.job_id, "announced_at", lambda: self._publish_outcome(job)))
        if not job.done("notified_at"):
            defer_while_busy(self._store.once(job.job_id, "notified_at", lambda: self._notify(job)))

    def _notify(self, job: Job) -> None:
        to = self._users.recipient(job.user_id)
        if to is None:
            log.warning("user %s has no e-mail address; not notified", job.user_id)
            return
        if job.status == COMPLETED:
            # The plan as it is now: a Free user's mail says how long the results stay.
            kept = self._settings.free_retention_seconds if self._users.plan(job.user_id) == FREE else None
            subject, body = notices.completed(job, self._settings.web_url, kept_seconds=kept)
        else:
            subject, body = notices.failed(job, self._settings.web_url)
        self._mailer.send(to, subject, body)

    def _publish_outcome(self, job: Job) -> None:
        if job.status == COMPLETED:
            self._publisher.publish(JobCompleted(
                job_id=job.job_id, user_id=job.user_id, completed_at=job.completed_at or now(),
                results=job.results, variant_count=job.variant_count,
            ), message_id=stable_id(job.job_id, "job.completed"))
        elif job.status == FAILED:
            self._publisher.publish(JobFailed(
                job_id=job.job_id, user_id=job.user_id, failed_at=job.failed_at or now(),
                reason=job.failure_reason or "unknown", line=job.failure_line or None,
            ), message_id=stable_id(job.job_id, "job.failed"))
