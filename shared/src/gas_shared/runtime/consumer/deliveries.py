"""What a handler may know (which delivery it runs for) and raise (how its message should be treated)."""

from __future__ import annotations

import contextvars
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .sqs import MAX_DELAY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Which delivery of its message a handler is running: on the last one, a failure dead-letters it."""

    attempt: int
    max_receives: int
    deferrals: int = 0  # times this message was deferred before (see Deferred)
    # What to undo if the consumer stops and hands the message back while its handler still runs (a drain
    # that ran out); None outside a consumer, where nothing hands a message back.
    undo: list[Callable[[], object]] | None = None

    @property
    def last(self) -> bool:
        return self.attempt >= self.max_receives

    def on_release(self, undo: Callable[[], object]) -> None:
        """Run `undo` if this message is handed back unfinished, e.g. give up a lease so the next worker
        need not wait it out."""
        if self.undo is not None:
            self.undo.append(undo)

    def released(self) -> None:
        for undo in self.undo or ():
            try:
                undo()
            except Exception as e:  # the next worker then waits the lease out: slower, never wrong
                log.warning("could not undo %r on release: %s", undo, e)


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
