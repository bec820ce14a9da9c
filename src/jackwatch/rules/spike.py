"""The state of a ``spike`` rule: per key, totals per time bucket against the key's own robust baseline.

Event times drive the buckets. Each key keeps the totals of the buckets its baseline can still use
(``history`` buckets, ``history × season`` with a season), the running total of its current bucket, and a
sample of that bucket's events to show when it spikes. Keys idle for longer than their baseline reaches are
swept as event time passes: a key that returns after that starts again without history.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jackwatch.model import Event
from jackwatch.rules.buckets import TimeBuckets
from jackwatch.rules.spec import CompiledRule, Match, Spike, field_extractor

SAMPLE = 10
"""Events of the current bucket a key keeps, to show with the match when the bucket spikes."""

MAD_SCALE = 1.4826
"""Scales the median absolute deviation to a standard deviation for normally distributed totals."""


@dataclass(slots=True)
class _Key:
    """One key: when it was first seen, its past bucket totals, and its current bucket."""

    first: int
    totals: dict[int, float] = field(default_factory=dict)
    bucket: int = -1
    total: float = 0.0
    events: int = 0
    limit: float = math.inf
    baseline: float = 0.0
    pending: bool = False  # the limit is the floor until the bucket's total reaches it: then the history is read
    opened: float = 0.0
    fired: bool = False
    sample: deque[Event] = field(default_factory=lambda: deque(maxlen=SAMPLE))


class SpikeState:
    """Totals per key and bucket; a match when a bucket's total reaches the key's limit, then one per event."""

    def __init__(self, rule: CompiledRule, spec: Spike, keep: Callable[[Event], Event]) -> None:
        self.rule = rule
        self.spec = spec
        self.keep = keep
        self.size = spec.bucket.total_seconds()
        self.bucket_of = TimeBuckets(self.size, lambda seconds: math.floor(seconds / self.size)).of
        self.period = max(1, round(spec.season / spec.bucket)) if spec.season is not None else 1
        self.reach = spec.history * self.period
        self.value = field_extractor(rule.fields, spec.value) if spec.value is not None else None
        self.keys: dict[tuple[str, ...], _Key] = {}
        self.latest = -1

    def feed(self, event: Event) -> tuple[Match, ...]:
        amount = 1.0  # what the event adds to its bucket: 1, or its value
        if self.value is not None:
            extract, arg = self.value
            value = extract(event, arg)
            found = float(value) if type(value) is int else _number(value)  # a count, told by its exact type
            if found is None:
                return ()  # an event without a number adds nothing
            amount = found
        bucket = self.bucket_of(event.time)
        if bucket > self.latest:
            if self.latest >= 0 and bucket // self.reach != self.latest // self.reach:
                self._sweep(bucket)
            self.latest = bucket
        key = self.rule.key_of(event)
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = _Key(bucket)
        if bucket < state.bucket:  # late event: it only counts towards the history
            if state.pending:  # the current bucket's limit is that of the history before it
                self._settle(state)
            state.totals[bucket] = state.totals.get(bucket, 0.0) + amount
            state.first = min(state.first, bucket)
            return ()
        if bucket > state.bucket:
            self._start(state, bucket)
        if not state.events:
            state.opened = event.time.timestamp()
        state.total += amount
        state.events += 1
        if state.fired:
            return (Match(self.rule, (event,), key, 1, self._facts(state)),)
        state.sample.append(self.keep(event))
        if state.total < state.limit:
            return ()
        if state.pending:
            self._settle(state)
            if state.total < state.limit:
                return ()
        state.fired = True
        events = (*list(state.sample)[:-1], event)
        start = datetime.fromtimestamp(state.opened, UTC)
        return (Match(self.rule, events, key, state.events, self._facts(state), start),)

    def _start(self, state: _Key, bucket: int) -> None:
        """Close the key's current bucket and open ``bucket``. Its limit is at least the floor, and most buckets
        never reach it: the history is read (:meth:`_settle`) only when the total does, or before it changes."""
        if state.bucket >= 0:
            state.totals[state.bucket] = state.totals.get(state.bucket, 0.0) + state.total
        oldest = bucket - self.reach
        for past in [past for past in state.totals if past < oldest]:
            del state.totals[past]
        state.bucket, state.total, state.events, state.fired = bucket, 0.0, 0, False
        state.sample.clear()
        state.limit, state.pending = self.spec.floor, True

    def _settle(self, state: _Key) -> None:
        """Compute the baseline and limit of the key's current bucket from its history."""
        bucket = state.bucket
        history = self._history(state, bucket, self.period) or self._history(state, bucket, 1)
        state.baseline, state.limit = self._limit(history)
        state.pending = False

    def _history(self, state: _Key, bucket: int, step: int) -> list[float]:
        """The totals of the key's buckets before ``bucket``, ``step`` apart, since it was first seen."""
        earliest = max(state.first, bucket - step * self.spec.history)
        return [state.totals.get(past, 0.0) for past in range(bucket - step, earliest - 1, -step)]

    def _limit(self, history: list[float]) -> tuple[float, float]:
        """The baseline (median) of ``history`` and the total a bucket must reach to spike."""
        spec = self.spec
        if not history:
            return 0.0, spec.floor
        median = statistics.median(history)
        mad = statistics.median(abs(total - median) for total in history)
        return median, max(spec.floor, spec.factor * median, median + spec.deviations * MAD_SCALE * mad)

    @staticmethod
    def _facts(state: _Key) -> dict[str, float]:
        return {
            "bucket_total": state.total,
            "baseline": state.baseline,
            "limit": state.limit,
            "excess": state.total - state.baseline,
        }

    def _sweep(self, bucket: int) -> None:
        """Drop the keys whose last bucket is beyond the reach of any baseline."""
        oldest = bucket - self.reach
        for key in [key for key, state in self.keys.items() if state.bucket < oldest]:
            del self.keys[key]


def _number(value: object) -> float | None:
    """``value`` as a finite number, if it is one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
