"""boto3 clients for one process. Endpoints come only from AWS_ENDPOINT_URL[_<SERVICE>], never from code."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import Any, Literal, TypeVar, cast

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from .settings import ServiceSettings, SettingsError

# Error codes AWS returns for load or a passing fault: worth a retry with backoff.
TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "SlowDown", "ServiceUnavailable", "InternalError", "InternalFailure", "RequestTimeout",
    "RequestTimeoutException", "TransactionInProgressException",
})


def is_transient(error: BaseException) -> bool:
    """True for network faults, throttling and 5xx answers; False for everything the caller got wrong."""
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_CODES or status >= 500
    return False


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# What S3 answers for a key that is not there: GetObject says NoSuchKey, HEAD has no body (so "404"), and
# some emulators say NotFound.
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def is_not_found(error: ClientError) -> bool:
    return error_code(error) in NOT_FOUND_CODES


T = TypeVar("T")


def unless_missing(call: Callable[[], T]) -> T | None:
    """The call's answer, or None when S3 says the key is not there; every other error is raised."""
    try:
        return call()
    except ClientError as e:
        if is_not_found(e):
            return None
        raise


AddressingStyle = Literal["auto", "path", "virtual"]


class Aws:
    """Clients made once and shared by the threads of a process (boto3 clients are thread-safe)."""

    def __init__(self, max_pool_connections: int = 10, read_timeout: float = 30,
                 addressing_style: AddressingStyle = "auto"):
        self.session = boto3.session.Session()
        if not self.session.region_name:
            raise SettingsError("AWS_DEFAULT_REGION (or AWS_REGION) is not set")
        # Path style for emulators reached by a plain host name (http://localstack:4566): GAS_S3_ADDRESSING_STYLE.
        addressing = addressing_style
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=3,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
            signature_version="s3v4",  # botocore still presigns some S3 requests with SigV2 by default
            s3=cast(Any, {"addressing_style": addressing}),
        )
        # Readiness probes must answer fast and never retry: they report, they do not insist.
        self._probe_config = self._config.merge(
            Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1, read_timeout=2)
        )
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def client(self, name: str, *, probe: bool = False) -> Any:
        with self._lock:
            key = (name, probe)
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    name, config=self._probe_config if probe else self._config  # type: ignore[call-overload,unused-ignore]
                )
            return self._clients[key]

    @classmethod
    def of(cls, settings: ServiceSettings, **limits: Any) -> Aws:
        """The clients a service's settings ask for."""
        return cls(addressing_style=settings.s3_addressing_style, **limits)

    @cached_property
    def _identity(self) -> dict[str, str]:
        answer = self.client("sts").get_caller_identity()
        return {"account": answer["Account"], "partition": answer["Arn"].split(":")[1]}

    @property
    def partition(self) -> str:
        return self._identity["partition"]

    def arn(self, service: str, name: str) -> str:
        """The ARN of a regional resource of this account (SNS topic, SQS queue)."""
        ident = self._identity
        return f"arn:{ident['partition']}:{service}:{self.region}:{ident['account']}:{name}"
