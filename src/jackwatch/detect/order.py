"""Put a roughly time-ordered event stream into time order, with bounded memory.

CloudTrail is delivered in files of about five minutes per account and region; read one after the
other, the files of one slot interleave their events. Stateful rules (windows, sequences, "the latest
event of each region") want event time order, so events wait in a small heap until no earlier event can
still come (``lateness`` of event time has passed) or the heap is full (``capacity``: the oldest leaves).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import timedelta

from jackwatch.model import Event

DEFAULT_LATENESS = timedelta(minutes=5)
DEFAULT_CAPACITY = 2000


def time_ordered(
    events: Iterable[Event], lateness: timedelta = DEFAULT_LATENESS, capacity: int = DEFAULT_CAPACITY
) -> Iterator[Event]:
    """``events`` in time order when none is later than ``lateness`` behind the newest, with at most
    ``capacity`` events held at once (beyond it the oldest is released early). Ties keep input order."""
    held: list[tuple[float, int, Event]] = []
    wait = lateness.total_seconds()
    due = float("-inf")  # held events up to this time can no longer be preceded by one still to come
    for sequence, event in enumerate(events):
        moment = event.time.timestamp()
        if moment - wait > due:
            due = moment - wait
        if len(held) < capacity:
            heapq.heappush(held, (moment, sequence, event))
        else:  # full: the oldest of the held events and this one leaves, in one heap operation
            yield heapq.heappushpop(held, (moment, sequence, event))[2]
        while held and held[0][0] <= due:
            yield heapq.heappop(held)[2]
    while held:
        yield heapq.heappop(held)[2]
