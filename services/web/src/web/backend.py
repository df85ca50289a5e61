"""What the web app reads and writes: the stores, the buckets and the publisher, made once per process."""

from __future__ import annotations

import json
import threading
import time
from functools import cached_property
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from gas_shared.jobs import JobStore
from gas_shared.references import Manifest, installed
from gas_shared.runtime.aws import Aws, error_code
from gas_shared.runtime.publisher import Publisher
from gas_shared.topology import Names
from gas_shared.users import UserStore

from .settings import WebSettings

SAMPLE = "sample.vcf"  # a reference bundle may carry a sample VCF made against it (the demo one does)
SUMMARIES_KEPT = 256  # summaries held in memory per process (each at most a few hundred KB)


class _Cached:
    """A value read at most every `seconds` (reference lists and queue depth change rarely)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._value: Any = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self, read: Any) -> Any:
        with self._lock:
            if time.monotonic() - self._at > self.seconds:
                self._value, self._at = read(), time.monotonic()
            return self._value


class Backend:
    """Clients are made lazily, so building the app (and its unit tests) never touches AWS."""

    def __init__(self, aws: Aws, settings: WebSettings):
        self.aws = aws
        self.settings = settings
        self.names = Names(settings.prefix)
        self.inputs = self.names.bucket("inputs")
        self.results = self.names.bucket("results")
        self.references_bucket = self.names.bucket("references")
        self._references = _Cached(30)
        self._queue_depth = _Cached(3)
        self._summaries: dict[str, dict[str, Any]] = {}
        self._summaries_lock = threading.Lock()

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self.aws.client("dynamodb"), self.names.jobs_table)

    @cached_property
    def users(self) -> UserStore:
        return UserStore(self.aws.client("dynamodb"), self.names.users_table)

    @cached_property
    def publisher(self) -> Publisher:
        return Publisher(self.aws, self.names, "web")

    @property
    def s3(self) -> Any:
        return self.aws.client("s3")

    def references(self) -> list[Manifest]:
        return list(self._references.get(lambda: installed(self.s3, self.references_bucket)))

    def reference(self, reference_id: str) -> Manifest | None:
        return next((m for m in self.references() if m.id == reference_id), None)

    def queue_depth(self) -> int:
        """Jobs waiting for an annotator (SQS's approximate count, read at most every few seconds)."""
        def read() -> int:
            sqs = self.aws.client("sqs")
            url = sqs.get_queue_url(QueueName=self.names.queue("annotate"))["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            return int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        return int(self._queue_depth.get(read))

    def download_url(self, bucket: str, key: str, filename: str, *, inline: bool = False) -> str:
        """A short-lived GET URL; the file is saved under `filename` (quoted, so any name is safe)."""
        disposition = "inline" if inline else attachment(filename)
        return str(self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=self.settings.link_seconds))

    def read_text(self, bucket: str, key: str, limit: int = 2 * 1024 * 1024) -> str | None:
        """A small result object as text (None if gone or in cold storage)."""
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{limit - 1}")["Body"].read()
        except ClientError as e:
            if error_code(e) in ("NoSuchKey", "InvalidObjectState", "404"):
                return None
            raise
        return str(body.decode("utf-8", "replace"))

    def summary(self, key: str) -> dict[str, Any] | None:
        """A job's summary.json, kept in memory once read: a result key is written once and never changes,
        and the job page's live panel asks for it every few seconds during the Free countdown."""
        with self._summaries_lock:
            if key in self._summaries:
                return self._summaries[key]
        text = self.read_text(self.results, key, limit=16 * 1024 * 1024)
        found = json.loads(text) if text else None
        if found is not None:
            with self._summaries_lock:
                if len(self._summaries) >= SUMMARIES_KEPT:
                    self._summaries.pop(next(iter(self._summaries)))  # the oldest read goes first
                self._summaries[key] = found
        return found

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every object under a prefix (every page); how many went."""
        gone = 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                gone += len(keys)
        return gone


def attachment(filename: str) -> str:
    """A Content-Disposition that saves under `filename`, whatever characters it holds (RFC 5987)."""
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
