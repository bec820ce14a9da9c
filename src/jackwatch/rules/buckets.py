"""Event times to bucket numbers (the minute, the hour), told cheaply for times that come mostly in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_EPOCH = datetime.fromtimestamp(0, UTC)
_MICROSECOND = timedelta(microseconds=1)


class TimeBuckets:
    """The bucket of an event time, ``number(seconds since the epoch)`` (a function that never decreases), told
    without converting the time when it falls in the bucket of the last one converted: events come mostly in
    time order, and two comparisons with that bucket's UTC bounds are much cheaper than ``timestamp()``."""

    __slots__ = ("current", "end", "number", "size", "start")

    def __init__(self, size: float, number: Callable[[float], int]) -> None:
        self.size, self.number = size, number
        self.start = self.end = _EPOCH  # no bucket known yet
        self.current = 0

    def of(self, time: datetime) -> int:
        """The bucket of ``time``."""
        if time.tzinfo is UTC and self.start <= time < self.end:
            return self.current
        bucket = self.number(time.timestamp())
        try:
            start, end = (
                _EPOCH + timedelta(seconds=bucket * self.size),
                _EPOCH + timedelta(seconds=(bucket + 1) * self.size),
            )
        except OverflowError:  # beyond the years of a datetime: not remembered
            return bucket
        # the bounds are right if the first and last microsecond between them are in the bucket (none decreases)
        if self.number(start.timestamp()) == bucket == self.number((end - _MICROSECOND).timestamp()):
            self.start, self.end, self.current = start, end, bucket
        return bucket
