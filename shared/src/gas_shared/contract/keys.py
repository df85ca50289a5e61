"""The one owner of GAS's storage keys and message ids.

Every object a job owns lives under `<user_id>/<job_id>/` in the inputs and results buckets; keys are made
here from ids, never taken from a request. Message ids of effects are fixed by what they announce, so a
message re-published after a crash carries the id of the first try and consumers can tell.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

INPUT_SUFFIXES = (".vcf.gz", ".vcf")
# Where browsers upload to: a prefix of its own, so a lifecycle rule can expire what is never submitted, and
# so a presigned POST used again after submission cannot replace the input a job reads (that is copied to
# the job's own key when it is submitted).
UPLOADS = "uploads/"


@dataclass(frozen=True)
class JobKeys:
    """The keys of one job's objects."""

    user_id: str
    job_id: str

    @property
    def prefix(self) -> str:
        """Everything of this job, in either bucket."""
        return f"{self.user_id}/{self.job_id}/"

    def input(self, suffix: str) -> str:
        if suffix not in INPUT_SUFFIXES:
            raise ValueError(f"an input ends in .vcf or .vcf.gz, not {suffix!r}")
        return f"{self.prefix}input{suffix}"

    def upload(self, suffix: str) -> str:
        """Where the browser sends the file (presigned POST); the job's input is a copy made at submission."""
        return UPLOADS + self.input(suffix)

    def result(self, filename: str) -> str:
        if "/" in filename or not filename:
            raise ValueError(f"a result file name has no '/': {filename!r}")
        return f"{self.prefix}results/{filename}"

    def owns(self, key: str) -> bool:
        return key.startswith(self.prefix)


def input_suffix(key: str) -> str:
    """The suffix of an input key (.vcf.gz or .vcf) made by JobKeys.input."""
    return ".vcf.gz" if key.endswith(".gz") else ".vcf"


def job_of(key: str) -> JobKeys | None:
    """The job a key belongs to, or None for a key GAS did not write."""
    parts = key.split("/", 2)
    if len(parts) != 3 or not parts[2]:
        return None
    try:
        return JobKeys(str(uuid.UUID(parts[0])), str(uuid.UUID(parts[1])))
    except ValueError:
        return None


def stable_id(*parts: object) -> uuid.UUID:
    """A deterministic message id (job or user id, message type, and the archive cycle where there is one)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "gas:" + "/".join(str(p) for p in parts))
