"""The objects of one S3 bucket as the web app uses them: presigned URLs, small reads, copies, deletes.

The only module of the web app that speaks to S3; everything else asks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from gas_shared.runtime.aws import Aws, error_code, is_not_found, unless_missing

# Not readable now: gone, or in cold storage (a GET of a GLACIER object says InvalidObjectState).
UNREADABLE = frozenset({"InvalidObjectState"})


def attachment(filename: str) -> str:
    """A Content-Disposition that saves under `filename`, whatever characters it holds (RFC 5987)."""
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}"


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


class Objects:
    """One bucket; presigned URLs live `link_seconds`. The client is made at first use, so building the
    app (and its unit tests) touches no AWS."""

    def __init__(self, aws: Aws, bucket: str, link_seconds: int):
        self._aws = aws
        self.bucket = bucket
        self._link_seconds = link_seconds

    @property
    def _s3(self) -> Any:
        return self._aws.client("s3")

    def download_url(self, key: str, filename: str, *, inline: bool = False) -> str:
        """A short-lived GET URL; the file is saved under `filename` (quoted, so any name is safe)."""
        disposition = "inline" if inline else attachment(filename)
        return str(self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=self._link_seconds))

    def upload_post(self, key: str, max_bytes: int) -> PresignedPost:
        """A presigned POST for a browser to send one file to `key`, at most `max_bytes` long."""
        post = self._s3.generate_presigned_post(Bucket=self.bucket, Key=key,
                                                Conditions=[["content-length-range", 1, max_bytes]],
                                                ExpiresIn=self._link_seconds)
        return PresignedPost(str(post["url"]), dict(post["fields"]))

    def origin(self) -> str:
        """Where browsers POST to (scheme and host), which the CSP must allow; signs, sends nothing."""
        parts = urlsplit(self._s3.generate_presigned_post(Bucket=self.bucket, Key="origin-probe")["url"])
        return f"{parts.scheme}://{parts.netloc}"

    def size(self, key: str) -> int | None:
        """The object's size in bytes; None when there is no such object."""
        head = unless_missing(lambda: self._s3.head_object(Bucket=self.bucket, Key=key))
        return None if head is None else int(head["ContentLength"])

    def read_text(self, key: str, limit: int = 2 * 1024 * 1024) -> str | None:
        """A small object as text (None if gone or in cold storage)."""
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{limit - 1}")["Body"].read()
        except ClientError as e:
            if is_not_found(e) or error_code(e) in UNREADABLE:
                return None
            raise
        return str(body.decode("utf-8", "replace"))

    def download(self, key: str, path: Path) -> None:
        """To a local file, in one stream: s3transfer's threads would each hold a part in memory, and the
        web worker's memory matters more than a second of its time."""
        self._s3.download_file(self.bucket, key, str(path), Config=TransferConfig(use_threads=False))

    def chunks(self, key: str, size: int = 1 << 20) -> Iterator[bytes]:
        """An object's bytes, streamed."""
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(size)
        finally:
            body.close()

    def copy_from(self, source: Objects, source_key: str, key: str) -> None:
        self._s3.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": source.bucket, "Key": source_key})

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under a prefix (every page); how many went."""
        gone = 0
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                gone += len(keys)
        return gone
