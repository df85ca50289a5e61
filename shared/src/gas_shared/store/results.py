"""Result objects in S3 and their storage class: archive to GLACIER, restore, copy back to STANDARD.

Archiving uses the S3 storage class GLACIER (Flexible Retrieval), never the Glacier vault API. Every
operation here is safe to repeat: each first looks at the object and does only what is still to do.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from ..runtime.aws import TRANSIENT_CODES, error_code, is_not_found, unless_missing

log = logging.getLogger(__name__)

STANDARD, GLACIER = "STANDARD", "GLACIER"
ARCHIVE_CLASSES = frozenset({GLACIER, "DEEP_ARCHIVE"})  # classes that need a restore before a read
EXPEDITED, STANDARD_TIER = "Expedited", "Standard"
# AWS's published retrieval times for GLACIER (Flexible Retrieval), the upper end: what users are told.
RETRIEVAL_TIME = {EXPEDITED: timedelta(minutes=5), STANDARD_TIER: timedelta(hours=5), "Bulk": timedelta(hours=12)}
# The restored temporary copy must outlive the thawer's copy back to STANDARD, which follows within minutes;
# two days leave room for a thawer that was down for a day.
RESTORE_DAYS = 2
EXPEDITED_UNAVAILABLE = "GlacierExpeditedRetrievalNotAvailable"
# copy_object handles up to 5 GiB; larger objects are copied in parts by the transfer manager.
MAX_SINGLE_COPY = 5 * 1024**3
_COPY = TransferConfig(multipart_threshold=MAX_SINGLE_COPY, use_threads=False)
_ONGOING = re.compile(r'ongoing-request="(true|false)"')


class Thaw(enum.Enum):
    DONE = "done"  # the object is in STANDARD storage again
    PENDING = "pending"  # S3 is still restoring it: look again later
    MISSING = "missing"  # no such object (the job was deleted meanwhile)


@dataclass(frozen=True)
class ObjectState:
    exists: bool
    storage_class: str = STANDARD
    restore: str | None = None  # None (no restored copy), "ongoing", or "done" (a temporary copy is readable)
    size: int = 0

    @property
    def archived(self) -> bool:
        return self.exists and self.storage_class in ARCHIVE_CLASSES


def parse_restore(header: str | None) -> str | None:
    """S3's x-amz-restore header: 'ongoing-request="true"' or 'ongoing-request="false", expiry-date="…"'."""
    match = _ONGOING.search(header or "")
    if not match:
        return None
    return "ongoing" if match.group(1) == "true" else "done"


class ResultObjects:
    """The objects of one bucket, by key."""

    def __init__(self, s3: Any, bucket: str, sleep: Callable[[float], None] = time.sleep):
        self._s3 = s3
        self.bucket = bucket
        self._sleep = sleep

    def state(self, key: str) -> ObjectState:
        head = unless_missing(lambda: self._s3.head_object(Bucket=self.bucket, Key=key))
        if head is None:
            return ObjectState(exists=False)
        return ObjectState(True, head.get("StorageClass") or STANDARD, parse_restore(head.get("Restore")),
                           int(head.get("ContentLength", 0)))

    def _copy_in_place(self, key: str, state: ObjectState, storage_class: str) -> None:
        source = {"Bucket": self.bucket, "Key": key}
        if state.size <= MAX_SINGLE_COPY:  # one request; the transfer manager would first look at the object again
            self._s3.copy_object(Bucket=self.bucket, Key=key, CopySource=source, StorageClass=storage_class,
                                 MetadataDirective="COPY")
        else:
            self._s3.copy(source, self.bucket, key,
                          ExtraArgs={"StorageClass": storage_class, "MetadataDirective": "COPY"}, Config=_COPY)

    def archive(self, key: str) -> bool:
        """Move one object to GLACIER (a copy onto itself: the key never stops existing); False if missing."""
        state = self.state(key)
        if not state.exists:
            return False
        if not state.archived:
            self._copy_in_place(key, state, GLACIER)
        return True

    def restore(self, key: str, *, throttle_tries: int = 3) -> str | None:
        """Ask S3 for a temporary readable copy: Expedited, else Standard. The tier asked for, or None when
        the object needs no restore (missing, or not archived). A throttled Standard request raises: the
        caller's retry with backoff takes it from there."""
        for attempt in range(1, throttle_tries + 1):
            try:
                return self._request_restore(key, EXPEDITED)
            except ClientError as e:
                code = error_code(e)
                if code == EXPEDITED_UNAVAILABLE:
                    log.info("Expedited retrieval unavailable for %s: asking for Standard", key)
                    break
                if code not in TRANSIENT_CODES:
                    raise
                if attempt < throttle_tries:
                    self._sleep(0.5 * 2 ** (attempt - 1))
                else:
                    log.info("Expedited retrieval throttled %d times for %s: asking for Standard", attempt, key)
        return self._request_restore(key, STANDARD_TIER)

    def _request_restore(self, key: str, tier: str) -> str | None:
        try:
            self._s3.restore_object(Bucket=self.bucket, Key=key, RestoreRequest={
                "Days": RESTORE_DAYS, "GlacierJobParameters": {"Tier": tier}})
        except ClientError as e:
            code = error_code(e)
            if code == "RestoreAlreadyInProgress":  # an earlier delivery asked already
                return tier
            if code in ("InvalidObjectState", "ObjectAlreadyInActiveTierError"):  # not archived: nothing to do
                return None
            if is_not_found(e):
                return None
            raise
        return tier

    def thaw(self, key: str) -> Thaw:
        """Bring a restored object back to STANDARD for good; PENDING while S3 is still restoring it."""
        state = self.state(key)
        if not state.exists:
            return Thaw.MISSING
        if not state.archived:
            return Thaw.DONE
        if state.restore == "ongoing":
            return Thaw.PENDING
        if state.restore is None:
            # Never asked for, or the temporary copy expired before anyone copied it back: ask (again).
            log.warning("%s is archived with no restore under way: requesting one", key)
            self.restore(key)
            return Thaw.PENDING
        try:
            self._copy_in_place(key, state, STANDARD)
        except ClientError as e:
            if error_code(e) in ("InvalidObjectState", "ObjectNotInActiveTierError"):  # the copy just expired
                self.restore(key)
                return Thaw.PENDING
            raise
        return Thaw.DONE
