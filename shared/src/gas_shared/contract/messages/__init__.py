"""The versioned GAS message contract. Imports no boto3: any service or tool can use it."""

from .codec import MessageDecodeError, decode
from .envelope import Envelope, Payload, encode, new_message
from .payloads import (
    JOBS_TOPIC,
    REQUESTS_TOPIC,
    USERS_TOPIC,
    JobArchived,
    JobCompleted,
    JobFailed,
    JobRequested,
    JobRestored,
    ObjectRestored,
    RestoreRequested,
    S3TestEvent,
    UserPlanChanged,
    lane_of,
)
from .registry import REGISTRY, Registry

__all__ = [
    "JOBS_TOPIC",
    "REGISTRY",
    "REQUESTS_TOPIC",
    "USERS_TOPIC",
    "Envelope",
    "JobArchived",
    "JobCompleted",
    "JobFailed",
    "JobRequested",
    "JobRestored",
    "MessageDecodeError",
    "ObjectRestored",
    "Payload",
    "Registry",
    "RestoreRequested",
    "S3TestEvent",
    "UserPlanChanged",
    "decode",
    "encode",
    "lane_of",
    "new_message",
]
