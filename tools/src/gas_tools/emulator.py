"""`python -m gas_tools.emulator -H HOST -p PORT`: moto's server, with two fixes to its FIFO long poll and one
to its state dump.

GAS's job requests wait on a FIFO queue, one user's group behind the job of that user in flight. moto's long
poll (1) waits for "any visible message", which group-held messages always are, so each waiting receive spins
a CPU for its whole WaitTimeSeconds; and (2) copies the groups in flight once when the poll begins, so a job
of a group freed meanwhile (or of a new message in a group that was busy then) is not handed out until that
poll ends, up to 20 s later. AWS does neither. Here a wait among held messages sleeps a moment between looks
(new messages still wake it at once) and the groups in flight are read at every look. Only the embedded stack
and the tests run this; AWS and LocalStack are not affected.

The state dump (`/moto-api/data.json`, where the tests read the e-mail SES "sent") reads every S3 key's
restore status; a restore that ends on that read tells its bucket, and when the bucket was deleted since
(another test's), the whole dump fails with NoSuchBucket. Here that read leaves such a key as it is.
"""

from __future__ import annotations

import sys

from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeKey
from moto.server import main as moto_main
from moto.sqs.models import Queue

POLL = 0.05  # how soon a group that came free during a long poll is seen


class _LiveGroups:
    """The queue's message groups in flight, as they are when asked (moto deep-copies what it gets here)."""

    def __init__(self, queue: Queue):
        self._queue = queue

    def __contains__(self, group: object) -> bool:
        return any(m.group_id == group for m in list(self._queue.pending_messages))

    def __deepcopy__(self, memo: object) -> _LiveGroups:
        return self


def _wait_for_messages(self: Queue, timeout: int) -> None:
    with self._messages_lock:
        if self.fifo_queue and self.messages:  # visible, but held by their groups: look again shortly
            self._messages_lock.wait(timeout=min(timeout, POLL))
            return
        self._messages_lock.wait_for(lambda: self.messages, timeout=timeout)


_key_status = FakeKey.status


def _status_of_a_key(self: FakeKey) -> str | None:
    try:
        return _key_status.fget(self)  # type: ignore[attr-defined, no-any-return]
    except MissingBucket:  # its bucket is gone: nobody to tell that its restore ended
        return self._status


def main() -> None:
    FakeKey.status = property(_status_of_a_key)  # type: ignore[assignment, method-assign]
    Queue.wait_for_messages = _wait_for_messages  # type: ignore[method-assign]
    Queue.pending_message_groups = property(_LiveGroups)  # type: ignore[assignment]
    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
