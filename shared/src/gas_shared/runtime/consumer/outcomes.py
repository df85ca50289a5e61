"""How a handler ended, and what that means for its message: the consumer's one table of outcomes.

    returned               -> delete
    Deferred               -> send again with a delay, delete this copy (not a receive: no DLQ count)
    PermanentError         -> dead-letter queue at once, with the reason
    RetryableError / AWS passing by (throttling, 5xx, network) -> back after a jittered backoff
    anything else          -> logged with its traceback, back after the same backoff, until the
                              queue's redrive policy gives up on it
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field

from ..aws import is_transient
from .deliveries import Deferred, PermanentError, RetryableError
from .sqs import MAX_VISIBILITY


class Action(enum.Enum):
    DELETE = "delete"
    DEFER = "defer"
    DEAD_LETTER = "dead-letter"
    RETRY = "retry"  # an expected, passing failure: a warning
    RETRY_UNEXPECTED = "retry-unexpected"  # a bug or an unknown failure: logged with its traceback


def action_for(error: BaseException | None) -> Action:
    if error is None:
        return Action.DELETE
    if isinstance(error, Deferred):
        return Action.DEFER
    if isinstance(error, PermanentError):
        return Action.DEAD_LETTER
    if isinstance(error, RetryableError) or is_transient(error):
        return Action.RETRY
    return Action.RETRY_UNEXPECTED


@dataclass
class Backoff:
    """Exponential backoff with full jitter, in whole seconds (SQS visibility is an integer)."""

    base: float = 2.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> int:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return max(1, min(MAX_VISIBILITY, round(self.rng.uniform(ceiling / 2, ceiling))))
