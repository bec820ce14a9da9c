"""OSV range evaluation: which versions one ``ECOSYSTEM`` or ``SEMVER`` range marks as affected.

The OSV specification defines a version ``v`` as affected by a range when ``v`` is below one of its ``limit``
events (or the range has none) and, walking the events sorted by version, the last event that applies to ``v``
is an ``introduced`` one: ``introduced`` applies when ``v >= introduced``, ``fixed`` when ``v >= fixed``,
``last_affected`` when ``v > last_affected``. ``introduced: "0"`` sorts before every version; a ``limit``
containing ``*`` is infinite. Events of equal versions keep the order they are written in.

:class:`Timeline` compiles that walk once into sorted boundary points, each with the state *at* the point and
*just after* it, so that a lookup is one binary search.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Generic, TypeVar

from jackwatch.vulns.versions import Comparable

V = TypeVar("V", bound=Comparable)

INTRODUCED = "introduced"
FIXED = "fixed"
LAST_AFFECTED = "last_affected"
LIMIT = "limit"
EVENT_KINDS = (INTRODUCED, FIXED, LAST_AFFECTED, LIMIT)

ZERO = "0"
"""``introduced: "0"``: before every version."""


def is_unbounded(kind: str, version: str) -> bool:
    """Whether an event holds a special value rather than a version: ``introduced: "0"``, ``limit: "*…"``."""
    return (kind == INTRODUCED and version == ZERO) or (kind == LIMIT and "*" in version)


@dataclass(frozen=True, slots=True)
class Timeline(Generic[V]):
    """The affected versions of one range, compiled from its events.

    ``points`` are the distinct event versions in order; ``at[i]`` tells whether ``points[i]`` itself is affected
    and ``after[i]`` whether the versions between ``points[i]`` and ``points[i + 1]`` are; ``start`` covers the
    versions below every point. ``limit`` is the upper bound of the range (``None``: none).
    """

    points: tuple[V, ...]
    at: tuple[bool, ...]
    after: tuple[bool, ...]
    start: bool
    limit: V | None

    @classmethod
    def compile(cls, events: Sequence[tuple[str, str]], parse: Callable[[str], V]) -> Timeline[V]:
        """Compile ``(kind, version)`` events; raises :class:`ValueError` on an unknown kind or a bad version."""
        start = False
        limits: list[V] = []
        unlimited = False
        ordered: list[tuple[V, str]] = []
        for kind, text in events:
            if kind not in EVENT_KINDS:
                raise ValueError(f"unknown event {kind!r}")
            if is_unbounded(kind, text):
                start, unlimited = start or kind == INTRODUCED, unlimited or kind == LIMIT
            elif kind == LIMIT:
                limits.append(parse(text))
            else:
                ordered.append((parse(text), kind))
        ordered.sort(key=lambda event: event[0])
        points: list[V] = []
        at: list[bool] = []
        after: list[bool] = []
        state = start
        for point, group in groupby(ordered, key=lambda event: event[0]):
            here = state
            for _, kind in group:
                if kind == INTRODUCED:
                    here = state = True
                elif kind == FIXED:
                    here = state = False
                else:  # last_affected: only the versions above it are no longer affected
                    state = False
            points.append(point)
            at.append(here)
            after.append(state)
        limit = None if unlimited or not limits else max(limits)
        return cls(tuple(points), tuple(at), tuple(after), start, limit)

    def __contains__(self, version: V) -> bool:
        if self.limit is not None and not version < self.limit:
            return False
        i = bisect_right(self.points, version) - 1
        if i < 0:
            return self.start
        return self.after[i] if self.points[i] < version else self.at[i]
