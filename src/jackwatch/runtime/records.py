"""Reading runtime records defensively: the checks a record must pass, and typed access to what it may hold.

Records come from the sensor, or from a JSON Lines trace anyone may have written: every value is checked before
use. A record without a known type, an integer time or a process id is refused with the reason; an optional
value of the wrong type is treated as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from jackwatch.model.runtime import EventType

EVENT_TYPES = frozenset(get_args(EventType))
"""The ``type`` values a runtime record may have."""

MAX_TIME_NS = 2**62
"""Times beyond this (year 2116) are refused: they would not fit the store's integer columns' arithmetic."""

INT64 = range(-(2**63), 2**63)
"""The integers the store's columns hold: a record's numbers beyond them are not numbers it can use."""


def record_problem(value: object) -> str | None:
    """Why ``value`` cannot be used as a runtime record, or ``None`` when it can."""
    if not isinstance(value, Mapping):
        return "not a JSON object"
    kind = value.get("type")
    if kind not in EVENT_TYPES:
        return f"type {kind!r} is not one of {', '.join(sorted(EVENT_TYPES))}"
    time = integer(value.get("time"))
    if time is None or not 0 < time <= MAX_TIME_NS:
        return f"time {value.get('time')!r} is not a time in nanoseconds since the epoch"
    proc = value.get("proc")
    if not isinstance(proc, Mapping):
        return "no proc object"
    pid = integer(proc.get("pid"))
    if pid is None or pid < 0:
        return f"proc.pid {proc.get('pid')!r} is not a process id"
    lineage = value.get("lineage", [])
    if not isinstance(lineage, list):
        return "lineage is not a list"
    return None


def integer(value: object) -> int | None:
    """``value`` if it is an integer (not a boolean) that fits in 64 bits."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value in INT64 else None


def text(value: object) -> str | None:
    """``value`` if it is a non-empty string."""
    return value if isinstance(value, str) and value else None


def strings(value: object) -> tuple[str, ...] | None:
    """``value`` as a tuple of strings if it is a list of them."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(value)


def section(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The object under ``key`` (``proc``, ``fd``, ``container``…), empty when absent or not an object."""
    found = record.get(key)
    return found if isinstance(found, Mapping) else {}


def ancestors(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The lineage entries that are objects with a process id, parent first."""
    lineage = record.get("lineage")
    if not isinstance(lineage, list):
        return []
    return [entry for entry in lineage if isinstance(entry, Mapping) and integer(entry.get("pid")) is not None]
