"""Drop the events read twice, with bounded memory.

The same record can reach a run twice: a log delivered again, the same file under two paths, a bucket and a
CloudWatch Logs export of the same logs. Counted twice, it would make a threshold fire below its count and a cost
twice as high. An event is the same as one read before when its source, id and time are equal (ids are the logs'
own, or hashes of the record's content). The run's events come in time order, and so do the copies, next to the
first: the ids of the last :data:`HORIZON` of event time (at least) are remembered, and a copy further behind its
first is not recognised (the same path given twice is dropped before any of it is read:
:func:`jackwatch.sources.inputs.read_inputs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats

HORIZON = timedelta(minutes=1)
"""How far behind the newest event's time (at least) the ids of the events read are remembered. Copies come next to
their first in the time-ordered stream (two inputs of one kind are merged in time order); remembering more costs
memory and, in lookups that miss the CPU caches, speed (5 minutes: 2.5 % more time and 10 MB more on a million
CloudTrail events)."""

GENERATION_LIMIT = 100_000
"""The most ids a generation holds: a newer one starts when it is full, whatever the times (an event stamped years
ahead would otherwise keep the current generation open, and growing, to the end of the run)."""

DUPLICATE = "duplicate_event"
"""The read-stats reason of a dropped copy."""

_Times = datetime | set[datetime]
_Seen = dict[str, dict[str, _Times]]
"""The time of each event id read (its times, in the rare log that gives one id to events at other times), by
source."""


def distinct_events(
    events: Iterable[Event], stats: ReadStats, horizon: timedelta = HORIZON, limit: int = GENERATION_LIMIT
) -> Iterator[Event]:
    """``events`` without the copies of an event already passed (see the module documentation); each copy moves in
    ``stats`` from the events read to the records skipped as ``duplicate_event``, with where it was read.

    The ids are kept in two generations of ``horizon`` (and at most ``limit`` ids) each, the older dropped whole
    when a newer one starts: no bookkeeping per event beyond one dictionary entry.
    """
    current: _Seen = {}
    previous: _Seen = {}
    renewal: datetime | None = None  # when the current generation gives way
    held = 0  # ids in the current generation
    told: set[str] = set()  # where copies were read, each said once
    for event in events:
        time, source, event_id = event.time, event.source, event.id
        if renewal is None or time >= renewal or held >= limit:
            previous, current, renewal, held = current, {}, time + horizon, 0
        ids = current.get(source)
        if ids is None:
            ids = current[source] = {}
        seen = ids.get(event_id)
        if seen is None and (older := previous.get(source)) is not None:
            seen = older.get(event_id)
        if seen is not None and (seen == time or (type(seen) is set and time in seen)):  # a copy: a record skipped
            stats.events_read -= 1
            if event.origin in told:
                stats.skipped[DUPLICATE] += 1
            else:
                told.add(event.origin)
                stats.skip(DUPLICATE, Location(event.origin or "<input>"), _copy(event))
            continue
        ids[event_id] = time if seen is None else _with(seen, time)
        held += 1
        yield event


def _with(seen: _Times, time: datetime) -> set[datetime]:
    return {*seen, time} if isinstance(seen, set) else {seen, time}


def _copy(event: Event) -> str:
    return (
        f"{event.source} event {event.id} at {event.time.isoformat()} was read before (the same source, id and "
        "time); counted once, as is every other event read again from here"
    )
