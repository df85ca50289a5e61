"""Spooler: writes to a pipe from a thread of its own.

A write to a full pipe waits for the reader; done from the thread that makes the data, it stops that work
too, and the stages of a chain end up taking turns instead of running at once. The thread waits instead
(a blocked write releases the GIL) while a few chunks queue up.
"""

from __future__ import annotations

import queue
import threading
from typing import IO


class Spooler:
    def __init__(self, target: IO[bytes], depth: int = 8):
        self._target = target
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self.error: OSError | None = None  # the first write that failed (the reader stopped); later ones are dropped
        self._thread = threading.Thread(target=self._drain, name="spooler", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        self._queue.put(data)

    def close(self) -> None:
        """Writes what is queued, then closes the target."""
        self._queue.put(None)
        self._thread.join()
        try:
            self._target.close()
        except OSError as e:
            self.error = self.error or e

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self._target.write(data)
                except OSError as e:
                    self.error = e  # go on taking from the queue, so that write() never waits for ever
