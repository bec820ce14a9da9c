"""Drop the events read twice, with bounded memory.

The same record can reach a run twice: a log delivered again, the same file under two paths, a copy of a bucket
next to the bucket. Counted twice, it would make a threshold fire below its count and a cost twice as high. An
event is the same as one read before when its source, id and time are equal (ids are the logs' own, or hashes of
the record's content). The ids of the events within :data:`HORIZON` of event time of the newest one are
remembered; a copy read later than that is not recognised (the same path given twice is dropped before any of it
is read: :func:`jackwatch.sources.inputs.read_inputs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats

HORIZON = timedelta(hours=1)
"""How far behind the newest event's time the ids of the events read are remembered."""

SLICE_SECONDS = 60
"""Remembered ids are forgotten a minute of event time at a time."""

DUPLICATE = "duplicate_event"
"""The read-stats reason of a dropped copy."""

_Key = tuple[str, str, float]
_NEVER = -(2**62)


def distinct_events(events: Iterable[Event], stats: ReadStats, horizon: timedelta = HORIZON) -> Iterator[Event]:
    """``events`` without the copies of an event already passed (see the module documentation); each copy moves in
    ``stats`` from the events read to the records skipped as ``duplicate_event``, with where it was read and where
    it was read first."""
    first_origin: dict[_Key, str] = {}
    slices: dict[int, list[_Key]] = {}
    reach = max(1, int(horizon.total_seconds()) // SLICE_SECONDS)
    newest = oldest = _NEVER
    told: set[tuple[str, str]] = set()  # (where a copy was read, where it was read first) said once
    for event in events:
        moment = event.time.timestamp()
        key = (event.source, event.id, moment)
        origin = first_origin.get(key)
        if origin is not None:  # no longer an event read but a record skipped
            stats.events_read -= 1
            if (event.origin, origin) in told:
                stats.skipped[DUPLICATE] += 1
            else:
                told.add((event.origin, origin))
                stats.skip(DUPLICATE, Location(event.origin or "<input>"), _copy(event, origin))
            continue
        yield event
        slice_ = int(moment // SLICE_SECONDS)
        if slice_ > newest:
            newest, cutoff = slice_, slice_ - reach
            if cutoff > oldest:  # forget the slices that have left the horizon
                gone = range(oldest, cutoff) if cutoff - oldest <= len(slices) else [s for s in slices if s < cutoff]
                for old in gone:
                    for forgotten in slices.pop(old, ()):
                        del first_origin[forgotten]
                oldest = cutoff
        if slice_ >= oldest:  # an event older than the horizon is not remembered: its slice is forgotten already
            first_origin[key] = event.origin
            found = slices.get(slice_)
            if found is None:
                found = slices[slice_] = []
            found.append(key)


def _copy(event: Event, origin: str) -> str:
    where = f"read first from {origin}" if origin else "read before"
    return (
        f"{event.source} event {event.id} at {event.time.isoformat()} was {where}; counted once, as is every "
        "other event read again from here"
    )
