"""How a finding recorded again is merged with what the store already holds (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import orjson

from jackwatch.model import Finding
from jackwatch.model.finding import MAX_EVENT_IDS

MAX_EVIDENCE_VALUES = 50
"""Each list in a stored finding's evidence keeps at most this many values (the first ones, sorted)."""


def as_json(value: object) -> Any:
    """``value`` as plain JSON data (tuples become lists, datetimes ISO text); :class:`TypeError` if not."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))


def merge_findings(old: Finding, new: Finding) -> Finding:
    """One finding from two records of the same id; ``new`` is the one recorded last.

    Times widen (first_seen = min, last_seen = max); title, severity, MITRE ids and evidence scalars come
    from ``new``; evidence lists and event ids are sorted unions (capped); the count is the larger one and
    the cost ``new``'s unless it has none. Merging is idempotent: ``merge(merge(a, b), b) == merge(a, b)``.
    """
    return replace(
        new,
        first_seen=min(old.first_seen, new.first_seen),
        last_seen=max(old.last_seen, new.last_seen),
        count=max(old.count, new.count),
        event_ids=first_event_ids(old.event_ids, new.event_ids),
        evidence=merge_evidence(old.evidence, new.evidence),
        cost=old.cost if new.cost is None else new.cost,
    )


def first_event_ids(*groups: Iterable[str]) -> tuple[str, ...]:
    """The first :data:`MAX_EVENT_IDS` distinct ids of all ``groups``, sorted."""
    return tuple(sorted({event_id for group in groups for event_id in group})[:MAX_EVENT_IDS])


def merge_evidence(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``old`` updated by ``new``: lists become their sorted union (capped), other values are ``new``'s."""
    merged = {name: _normalized(value) for name, value in old.items()}
    for name, value in new.items():
        previous = merged.get(name)
        if isinstance(value, list | tuple) and isinstance(previous, list):
            merged[name] = union_values(previous, value)
        else:
            merged[name] = _normalized(value)
    return merged


def union_values(*groups: Iterable[Any]) -> list[Any]:
    """The distinct values of all ``groups``, sorted (text, then numbers, then anything else by its JSON),
    at most :data:`MAX_EVIDENCE_VALUES` of them."""
    distinct = {_identity(value): value for group in groups for value in group}
    return sorted(distinct.values(), key=_order)[:MAX_EVIDENCE_VALUES]


def _normalized(value: Any) -> Any:
    return union_values(value) if isinstance(value, list | tuple) else value


def _identity(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def _order(value: Any) -> tuple[int, Any]:
    if isinstance(value, str):
        return (0, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, _identity(value))
