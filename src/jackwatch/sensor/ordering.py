"""Put the kernel's messages back together and in time order.

Each CPU has its own buffer, so messages reach the sensor out of order (by a few milliseconds, more under load),
and an exec comes as two lines (``E`` then ``A``: one line would not fit the BPF stack) that other CPUs' lines can
separate. :class:`ExecPairer` joins the two halves by thread id; :class:`Reorder` holds messages until no earlier
one can still come (``lateness`` after their time, on the same clock), then releases them in time order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import replace

from jackwatch.sensor.messages import EventMessage, Exec, ExecArgs

DEFAULT_LATENESS = 250_000_000
"""ns a message waits for earlier ones from other CPUs."""


class ExecPairer:
    """Joins each ``E`` line with the ``A`` line of the same thread; an exec whose ``A`` line was lost is released
    without arguments after ``timeout`` ns (``unpaired`` counts them)."""

    def __init__(self, timeout: int = 1_000_000_000) -> None:
        self.timeout = timeout
        self._execs: dict[int, Exec] = {}
        self._args: dict[int, ExecArgs] = {}
        self.unpaired = 0

    def add_exec(self, message: Exec) -> Iterator[Exec]:
        """An ``E`` line: complete it with a waiting ``A`` line, or wait for one."""
        tid = message.header.tid
        waiting = self._args.pop(tid, None)
        if waiting is not None:
            yield replace(message, argv=waiting)
            return
        previous = self._execs.pop(tid, None)
        if previous is not None:  # the A line of the previous exec of this thread never came
            self.unpaired += 1
            yield previous
        self._execs[tid] = message

    def add_args(self, message: ExecArgs) -> Iterator[Exec]:
        """An ``A`` line: complete the waiting exec of its thread (or keep it for the ``E`` line to come)."""
        waiting = self._execs.pop(message.tid, None)
        if waiting is not None:
            yield replace(waiting, argv=message)
        else:
            self._args[message.tid] = message

    def expired(self, now: int) -> Iterator[Exec]:
        """Execs that waited longer than the timeout (``now``: monotonic ns), without their arguments."""
        for tid, message in list(self._execs.items()):
            if now - message.header.time > self.timeout:
                del self._execs[tid]
                self.unpaired += 1
                yield message
        if len(self._args) > 10_000:  # A lines whose E line was lost
            self._args.clear()

    def flush(self) -> Iterator[Exec]:
        """Every exec still waiting."""
        self.unpaired += len(self._execs)
        yield from self._execs.values()
        self._execs.clear()
        self._args.clear()


class Reorder:
    """Releases messages in time order once ``lateness`` ns have passed since their time."""

    def __init__(self, lateness: int = DEFAULT_LATENESS) -> None:
        self.lateness = lateness
        self._held: list[tuple[int, int, EventMessage]] = []
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._held)

    def push(self, message: EventMessage) -> None:
        """Hold ``message`` until its time is due."""
        self._sequence += 1
        heapq.heappush(self._held, (message.header.time, self._sequence, message))

    def due(self, now: int) -> Iterator[EventMessage]:
        """Messages whose time is at least ``lateness`` before ``now`` (monotonic ns), oldest first."""
        limit = now - self.lateness
        while self._held and self._held[0][0] <= limit:
            yield heapq.heappop(self._held)[2]

    def flush(self) -> Iterator[EventMessage]:
        """Every message still held, oldest first."""
        while self._held:
            yield heapq.heappop(self._held)[2]
