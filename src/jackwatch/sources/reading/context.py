"""What every reader of one input kind needs: the format, the time window, the tuning options and the stats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

from jackwatch.errors import ConfigError
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:
    from jackwatch.sources.reading.records import RecordFormat

DEFAULT_STREAM_THRESHOLD = 32 * 1024 * 1024
"""Decompressed size above which a file is parsed incrementally instead of in one piece.

orjson needs about six times the size of what it parses while it parses it; above this size the
incremental parser (slower, but bounded) keeps the peak memory low.
"""

DELIVERY_SLACK = timedelta(days=1)
"""How late CloudTrail may deliver an event: a file under day D can hold events from D minus this."""


def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Events with ``since <= time < until``; either bound may be open (``None``)."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> TimeWindow:
        """A window from bounds given in any time zone (naive means UTC)."""
        return cls(as_utc(since), as_utc(until))

    @classmethod
    def checked(cls, since: datetime | None, until: datetime | None) -> TimeWindow:
        """:meth:`of`, refusing a window that ends before it starts (:class:`~jackwatch.errors.ConfigError`)."""
        window = cls.of(since, until)
        if window.since is not None and window.until is not None and window.since >= window.until:
            raise ConfigError(f"since ({window.since.isoformat()}) must be before until ({window.until.isoformat()})")
        return window

    @property
    def bounded(self) -> bool:
        """Whether the window has at least one bound, so that inputs can be pruned by date."""
        return self.since is not None or self.until is not None

    def contains(self, moment: datetime) -> bool:
        """Whether an event at ``moment`` is inside the window."""
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)

    def may_hold(self, start: datetime, end: datetime) -> bool:
        """Whether files delivered in ``[start, end)`` may hold events inside the window.

        Events happen before their file is delivered, and at most :data:`DELIVERY_SLACK` before.
        """
        return (self.since is None or end > self.since) and (self.until is None or start - DELIVERY_SLACK < self.until)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Tuning of the readers; the defaults suit production use.

    ``stream_threshold``: decompressed bytes above which a file is parsed incrementally.
    ``s3_page_size``: keys per ListObjectsV2 page. ``sqs_max_messages``: stop after this many messages
    (``None``: when the queue is empty). ``sqs_wait_seconds``: long-polling wait of each receive.
    ``sqs_visibility_timeout``: seconds a received message stays hidden (``None``: the queue's setting).
    ``max_attempts``: attempts per AWS call, retries included. ``stdin``: the stream ``-`` reads
    (``None``: the process's standard input).
    """

    stream_threshold: int = DEFAULT_STREAM_THRESHOLD
    s3_page_size: int = 1000
    sqs_max_messages: int | None = None
    sqs_wait_seconds: int = 5
    sqs_visibility_timeout: int | None = None
    max_attempts: int = 5
    stdin: BinaryIO | None = None


def no_progress(_message: str) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True, slots=True)
class ReadContext:
    """Shared by the readers of one read call (``read_cloudtrail``…): where to count, what format to expect."""

    stats: ReadStats
    format: RecordFormat
    window: TimeWindow = field(default_factory=TimeWindow)
    options: ReadOptions = field(default_factory=ReadOptions)
    progress: Callable[[str], None] = no_progress
