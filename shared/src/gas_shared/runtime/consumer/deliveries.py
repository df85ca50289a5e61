"""What a handler may know (which delivery it runs for) and raise (how its message should be treated)."""

from __future__ import annotations

import contextvars
import random
from dataclasses import dataclass
from typing import Protocol

from .sqs import MAX_DELAY


@dataclass(frozen=True)
class Delivery:
    """Which delivery of its message a handler is running: on the last one, a failure dead-letters it."""

    attempt: int
    max_receives: int
    deferrals: int = 0  # times this message was deferred before (see Deferred)

    @property
    def last(self) -> bool:
        return self.attempt >= self.max_receives


# A frozen dataclass: the shared default cannot be changed in place.
OUTSIDE = Delivery(1, 1_000_000)
current: contextvars.ContextVar[Delivery] = contextvars.ContextVar("gas_delivery", default=OUTSIDE)


def delivery() -> Delivery:
    """The delivery the current handler runs for (valid inside a handler)."""
    return current.get()


class PermanentError(Exception):
    """The message can never succeed as it is: move it to the dead-letter queue now."""


class RetryableError(Exception):
    """A passing condition: put the message back and try again after a backoff."""


class Deferred(Exception):
    """Not due yet: handle this message again in `seconds`.

    The consumer sends the body again with a delay and deletes this copy, rather than hiding it (visibility):
    every receive counts toward the redrive policy's maxReceiveCount, so waiting by visibility would
    dead-letter a message whose work is merely hours away (a Standard Glacier restore, a long retention).
    """

    def __init__(self, seconds: float, why: str):
        super().__init__(why)
        self.seconds = seconds


def recheck_delay(base: float, deferrals: int, rng: random.Random | None = None) -> float:
    """How long to defer work that is still not due: base, doubling with each deferral, at most one hop."""
    ceiling = min(float(MAX_DELAY), base * 2.0 ** max(0, deferrals))
    return (rng or random).uniform(0.8, 1.0) * ceiling  # jitter: many jobs deferred together spread out


class MaybeBusy(Protocol):
    """A once-only effect's outcome as a store reports it (store.jobs.Effect)."""

    @property
    def busy(self) -> bool: ...
    @property
    def ran(self) -> bool: ...
    @property
    def retry_after(self) -> float: ...
    @property
    def why(self) -> str: ...


def defer_while_busy(effect: MaybeBusy) -> bool:
    """Whether the effect ran now; while another delivery runs it, come back later (Deferred, not retried:
    a redelivery would count toward the dead-letter limit)."""
    if effect.busy:
        raise Deferred(effect.retry_after, effect.why)
    return effect.ran
