"""What every usage and cost API query shares: the input spec, the time window and its bucket width, and the
order of the events.

An API is read through one input, ``KIND:api://`` (``openai-usage:api://``). The query window is
``[since, until)``: without ``until`` it ends now, without ``since`` it starts :data:`DEFAULT_SPAN` before its
end. A window of at most :data:`HOURLY_SPAN` is asked for in hourly buckets, a longer one in daily buckets (the
APIs cap the buckets per page, and keep hourly data for a limited time). Each query widens the window to whole
buckets, so that its first and last buckets are complete.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.reading.context import as_utc
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.row import UsageRow, to_event

API_SPEC = "api://"
"""The one input an API kind takes."""

DEFAULT_SPAN = timedelta(days=7)
"""How far back the window reaches without ``since``."""

HOURLY_SPAN = timedelta(days=7)
"""The longest window asked for in hourly buckets."""


class Width(StrEnum):
    """The width of the buckets a query asks for, as the usage APIs write it."""

    HOUR = "1h"
    DAY = "1d"

    @property
    def size(self) -> timedelta:
        """The bucket's length."""
        return timedelta(hours=1) if self is Width.HOUR else timedelta(days=1)


@dataclass(frozen=True, slots=True)
class QueryWindow:
    """The window of a query (aware UTC bounds, ``since < until``) and the bucket width it is asked in."""

    since: datetime
    until: datetime
    width: Width

    def snapped(self, width: Width | None = None) -> tuple[datetime, datetime]:
        """The bounds widened to whole buckets of ``width`` (default: the window's own)."""
        seconds = (width or self.width).size.total_seconds()
        start = math.floor(self.since.timestamp() / seconds) * seconds
        end = math.ceil(self.until.timestamp() / seconds) * seconds
        return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def query_window(since: datetime | None, until: datetime | None, now: datetime | None = None) -> QueryWindow:
    """The window of a query from ``--since``/``--until`` (naive means UTC); :class:`ConfigError` when it is empty."""
    end = as_utc(until) or as_utc(now) or datetime.now(UTC)
    start = as_utc(since) or end - DEFAULT_SPAN
    if start >= end:
        raise ConfigError(f"since ({start.isoformat()}) must be before until ({end.isoformat()})")
    return QueryWindow(start, end, Width.HOUR if end - start <= HOURLY_SPAN else Width.DAY)


def check_api_specs(specs: Sequence[str], kind: str) -> None:
    """The inputs of an API kind: exactly one, ``api://``; anything else is a :class:`ConfigError`."""
    if list(specs) != [API_SPEC]:
        given = ", ".join(f"{kind}:{spec}" for spec in specs) or "nothing"
        raise ConfigError(f"{kind} reads its API once: give the input {kind}:{API_SPEC} (got {given})")


def in_time_order(rows: Iterable[UsageRow], stats: ReadStats) -> Iterator[Event]:
    """The events of ``rows``, oldest bucket first (stateful rules need time order; the reports come one
    after the other), each counted as read."""
    events = sorted((to_event(row) for row in rows), key=lambda event: event.time)
    stats.events_read += len(events)
    yield from events
