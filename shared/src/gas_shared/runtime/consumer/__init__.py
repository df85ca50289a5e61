"""The one SQS consumer loop that every worker runs, split as dramatiq splits a worker.

`loop`: long polls in batches and hands each message to a bounded pool of handler threads, draining on
stop. `heartbeat`: keeps in-flight messages invisible while their work lasts. `outcomes`: sorts how a
handler ended (done, poison, permanent, retryable, unexpected, deferred) into what happens to the message.
`sqs`: the queue operations and the message attributes GAS adds. `deliveries`: what a handler may know and
raise.
"""

from .deliveries import Deferred, Delivery, PermanentError, RetryableError, defer_while_busy, delivery, recheck_delay
from .loop import Consumer, Handler
from .outcomes import Backoff
from .sqs import CONSUMER_ATTRIBUTES, sendable_attributes

__all__ = [
    "CONSUMER_ATTRIBUTES",
    "Backoff",
    "Consumer",
    "Deferred",
    "Delivery",
    "Handler",
    "PermanentError",
    "RetryableError",
    "defer_while_busy",
    "delivery",
    "recheck_delay",
    "sendable_attributes",
]
