"""Stateful rules: durations, the ``threshold``/``sequence``/``new_value``/``periodic`` blocks, and their state.

Event times drive every window, never the wall clock. Input only needs to be roughly in time order:
per-key entries are kept sorted, and entries are evicted against the latest event time seen by the rule.
Memory stays bounded: threshold, sequence and periodic keys idle for a window are dropped (idle keys are
swept once per window of event time); a count threshold keeps (compact copies of) its
:data:`THRESHOLD_SAMPLE` latest events per key (the others are bare times), a distinct threshold one event
per value, and a sequence at most :data:`MAX_PENDING` entries per step and key. ``new_value`` keeps every
(key, value) pair it has seen during a run: its memory grows with the number of distinct keys and values
in the data, not with the number of events.
"""

from __future__ import annotations

import math
import re
import statistics
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from typing import Protocol

from jackwatch.model import Event
from jackwatch.rules.condition.compiler import Predicate, never
from jackwatch.rules.spec import (
    MAX_MATCH_EVENTS,
    NA,
    CompiledRule,
    Match,
    NewValue,
    Periodic,
    Sequence,
    SequenceStep,
    Spike,
    StatefulSpec,
    Threshold,
    field_reader,
    split_field,
    text_of,
)
from jackwatch.rules.spike import SpikeState

MAX_PENDING = 32
"""Most entries a sequence keeps per step and key (the oldest go first: the newest make the tightest chains)."""

THRESHOLD_SAMPLE = 10
"""Events a count threshold keeps per key, to show with the match when the threshold is reached."""

_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

Feed = Callable[[Event], tuple[Match, ...]]
"""Takes an event that met the rule's condition; returns the matches it makes (usually none)."""


class SpecError(ValueError):
    """A bad value in a stateful block; ``key`` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


# ---------------------------------------------------------------------------------------------- parsing


def parse_duration(value: object) -> timedelta:
    """``90s``, ``15m``, ``1h30m``, ``7d``, ``2w`` or a number of seconds; never negative."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value))
    else:
        raise ValueError(f"{value!r} is not a duration (like 90s, 15m, 1h, 7d)")
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a duration (like 90s, 15m, 1h, 7d)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest text :func:`parse_duration` reads back to ``value`` (``1h30m``, ``7d``, ``0s``)."""
    seconds = value.total_seconds()
    if seconds != int(seconds):
        return f"{seconds:g}s"
    rest, text = int(seconds), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, rest = divmod(rest, size)
        if amount:
            text += f"{amount}{unit}"
    return text or "0s"


def _duration(key: str, value: object, *, positive: bool = True) -> timedelta:
    try:
        parsed = parse_duration(value)
    except ValueError as exc:
        raise SpecError(key, str(exc)) from None
    if positive and not parsed:
        raise SpecError(key, "must be longer than 0s")
    return parsed


def _int(key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(key, f"must be a whole number ≥ {minimum}, not {value!r}")
    return value


def _field(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise SpecError(key, f"must be a field name, not {value!r}")
    try:
        split_field(value)
    except ValueError as exc:
        raise SpecError(key, str(exc)) from None
    return value.strip()


def _by(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (_field("by", value),)
    if isinstance(value, list):
        return tuple(_field("by", item) for item in value)
    raise SpecError("by", f"must be a field or a list of fields, not {value!r}")


def _count(value: object, threshold: Threshold) -> int | Fraction:
    if isinstance(value, str) and value.strip().endswith("%"):
        if threshold.distinct is None or threshold.universe_name is None:
            raise SpecError("count", "a percentage needs both distinct: and universe:")
        try:
            share = Fraction(value.strip()[:-1]) / 100
        except ValueError:
            raise SpecError("count", f"{value!r} is not a percentage") from None
        if not 0 < share <= 1:
            raise SpecError("count", f"{value!r} must be above 0% and at most 100%")
        return share
    return _int("count", value, 1)


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise SpecError(key, f"must be a number ≥ 0, not {value!r}")
    return float(value)


def _check_keys(data: Mapping[str, object], allowed: frozenset[str], required: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            raise SpecError(str(key), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in data:
            raise SpecError(key, "is required")


_THRESHOLD_KEYS = frozenset({"by", "window", "count", "distinct", "universe"})
_SEQUENCE_KEYS = frozenset({"by", "within", "steps"})
_NEW_VALUE_KEYS = frozenset({"by", "field", "learning"})
_PERIODIC_KEYS = frozenset({"by", "min_count", "window", "min_interval", "max_interval", "max_jitter"})
_SPIKE_KEYS = frozenset({"by", "bucket", "value", "floor", "history", "factor", "deviations", "season"})

_OVERRIDABLE: dict[type, frozenset[str]] = {
    Threshold: frozenset({"count", "window"}),
    Sequence: frozenset({"within"}),
    NewValue: frozenset({"learning"}),
    Periodic: frozenset({"min_count", "window", "min_interval", "max_interval", "max_jitter"}),
    Spike: frozenset({"bucket", "floor", "history", "factor", "deviations", "season"}),
}


def parse_threshold(data: Mapping[str, object]) -> Threshold:
    """A ``threshold:`` block; a ``universe`` list is only named here (the loader fills its values)."""
    _check_keys(data, _THRESHOLD_KEYS, ("window", "count"))
    distinct = _field("distinct", data["distinct"]) if "distinct" in data else None
    universe = data.get("universe")
    if universe is not None and (not isinstance(universe, str) or distinct is None):
        raise SpecError("universe", "must name a list, and needs distinct:")
    threshold = Threshold(_by(data.get("by")), _duration("window", data["window"]), 1, distinct, universe)
    return replace(threshold, count=_count(data["count"], threshold))


def parse_sequence(data: Mapping[str, object], steps: tuple[SequenceStep, ...]) -> Sequence:
    """A ``sequence:`` block whose ``steps`` the caller parsed (conditions need the loader)."""
    _check_keys(data, _SEQUENCE_KEYS, ("within", "steps"))
    if len(steps) < 2:
        raise SpecError("steps", "a sequence needs at least 2 steps")
    return Sequence(_by(data.get("by")), _duration("within", data["within"]), steps)


def parse_new_value(data: Mapping[str, object]) -> NewValue:
    """A ``new_value:`` block."""
    _check_keys(data, _NEW_VALUE_KEYS, ("field", "learning"))
    learning = _duration("learning", data["learning"], positive=False)
    return NewValue(_by(data.get("by")), _field("field", data["field"]), learning)


def parse_periodic(data: Mapping[str, object]) -> Periodic:
    """A ``periodic:`` block (``min_count`` defaults to 5, ``max_jitter`` to 0.25)."""
    _check_keys(data, _PERIODIC_KEYS, ("window",))
    window = _duration("window", data["window"])
    periodic = Periodic(
        by=_by(data.get("by")),
        min_count=_int("min_count", data.get("min_count", 5), 3),
        window=window,
        min_interval=_duration("min_interval", data.get("min_interval", 0), positive=False),
        max_interval=_duration("max_interval", data.get("max_interval", window.total_seconds())),
        max_jitter=_number("max_jitter", data.get("max_jitter", 0.25)),
    )
    _check_periodic(periodic)
    return periodic


def parse_spike(data: Mapping[str, object]) -> Spike:
    """A ``spike:`` block (``history`` defaults to 24 buckets, ``factor`` to 3, ``deviations`` to 5)."""
    _check_keys(data, _SPIKE_KEYS, ("bucket", "floor"))
    bucket = _duration("bucket", data["bucket"])
    season = _duration("season", data["season"]) if data.get("season") is not None else None
    if season is not None and (season < bucket or season.total_seconds() % bucket.total_seconds()):
        raise SpecError("season", "must be a whole number of buckets")
    return Spike(
        by=_by(data.get("by")),
        bucket=bucket,
        floor=_number("floor", data["floor"]),
        value=_field("value", data["value"]) if data.get("value") is not None else None,
        history=_int("history", data.get("history", 24), 1),
        factor=_number("factor", data.get("factor", 3.0)),
        deviations=_number("deviations", data.get("deviations", 5.0)),
        season=season,
    )


def _check_periodic(periodic: Periodic) -> None:
    if periodic.min_interval > periodic.max_interval:
        raise SpecError("min_interval", "must not exceed max_interval")
    if periodic.max_interval > periodic.window:
        raise SpecError("max_interval", "must not exceed window")


def override_stateful(spec: StatefulSpec, changes: Mapping[str, object]) -> StatefulSpec:
    """``spec`` with the tunable values in ``changes`` (count/window, within, learning, periodic knobs)."""
    allowed = _OVERRIDABLE[type(spec)]
    _check_keys(changes, allowed, ())
    match spec:
        case Threshold():
            window = _duration("window", changes.get("window", spec.window.total_seconds()))
            count = _count(changes["count"], spec) if "count" in changes else spec.count
            return replace(spec, window=window, count=count)
        case Sequence():
            return replace(spec, within=_duration("within", changes["within"]))
        case NewValue():
            return replace(spec, learning=_duration("learning", changes["learning"], positive=False))
        case Periodic():
            current: dict[str, object] = {
                "min_count": spec.min_count,
                "window": spec.window.total_seconds(),
                "min_interval": spec.min_interval.total_seconds(),
                "max_interval": spec.max_interval.total_seconds(),
                "max_jitter": spec.max_jitter,
            }
            return replace(parse_periodic(current | dict(changes)), by=spec.by)
        case Spike():
            tuned: dict[str, object] = {
                "bucket": spec.bucket.total_seconds(),
                "floor": spec.floor,
                "history": spec.history,
                "factor": spec.factor,
                "deviations": spec.deviations,
                "season": spec.season.total_seconds() if spec.season is not None else None,
            }
            return replace(parse_spike(tuned | dict(changes)), by=spec.by, value=spec.value)


# ---------------------------------------------------------------------------------------------- runtime


class RuleState(Protocol):
    """The state of one stateful rule for one run."""

    @property
    def keys(self) -> Mapping[tuple[str, ...], object]:
        """The ``by`` keys currently held (what bounds the memory used)."""
        ...

    def feed(self, event: Event) -> tuple[Match, ...]:
        """Take an event that met the rule's condition; return the matches it makes (usually none)."""
        ...


def make_state(rule: CompiledRule) -> RuleState:
    """Fresh state for ``rule``'s stateful block."""
    match rule.spec.stateful:
        case Threshold(distinct=str() as distinct) as spec:
            return _DistinctState(rule, spec, distinct)
        case Threshold() as spec:
            return _ThresholdState(rule, spec)
        case Sequence() as spec:
            return SequenceState(rule, spec)
        case NewValue() as spec:
            return _NewValueState(rule, spec)
        case Periodic() as spec:
            return _PeriodicState(rule, spec)
        case Spike() as spec:
            return SpikeState(rule, spec, _keeper(rule))
        case None:
            raise ValueError(f"rule {rule.id!r} is not stateful")


def _keeper(rule: CompiledRule) -> Callable[[Event], Event]:
    """How a state keeps an event it waits with: the source's compact copy, else the event itself."""
    retain = rule.fields.retain
    return retain if retain is not None else _itself


def _itself(event: Event) -> Event:
    return event


def _seconds(event: Event) -> float:
    return event.time.timestamp()


_time = itemgetter(0)
"""The time of a state's entry (its first item), to search entries sorted by time."""


def _insort(entries: list[tuple[float, int, Event]], entry: tuple[float, int, Event]) -> None:
    """Put ``entry`` in time order, after the entries of the same time (most come in order: appended)."""
    if not entries or entry[0] >= entries[-1][0]:
        entries.append(entry)
    else:
        insort(entries, entry, key=_time)


def _trigger_last(entries: list[tuple[float, int, Event]], trigger: Event) -> tuple[Event, ...]:
    """Events of time-sorted ``entries`` with ``trigger`` moved last, capped at the most recent."""
    events = [event for _, _, event in entries if event.id != trigger.id]
    events.append(trigger)
    return tuple(events[-MAX_MATCH_EVENTS:])


class _Clock:
    """The latest event time one rule has seen, and when its idle keys were last swept."""

    __slots__ = ("latest", "span", "swept")

    def __init__(self, span: float) -> None:
        self.span = span
        self.latest = -math.inf
        self.swept = -math.inf

    def advance(self, seconds: float) -> bool:
        """Record an event time; true when idle keys are due for a sweep (once per span)."""
        if seconds > self.latest:
            self.latest = seconds
        if self.latest - self.swept >= self.span:
            self.swept = self.latest
            return True
        return False


@dataclass(slots=True)
class _Window:
    """One count-threshold key: its sorted (time, seq) entries, the recent events, the reporting state."""

    entries: deque[tuple[float, int]] = field(default_factory=deque)
    recent: deque[tuple[float, int, Event]] = field(default_factory=lambda: deque(maxlen=THRESHOLD_SAMPLE))
    over: bool = False
    reported: int = 0


@dataclass(slots=True)
class _Values:
    """One distinct-threshold key: the latest (time, seq, event) of each value, no later than ``oldest``
    (a bound: the values are only scanned when it falls out of the window), the reporting state."""

    latest: dict[str, tuple[float, int, Event]] = field(default_factory=dict)
    oldest: float = math.inf
    over: bool = False


class _SlidingState(ABC):
    """What both threshold kinds share: a window of event time, its clock, the idle-key sweep."""

    def __init__(self, rule: CompiledRule, spec: Threshold) -> None:
        self.rule = rule
        self.keep = _keeper(rule)
        self.window = spec.window.total_seconds()
        self.required = spec.required
        self.clock = _Clock(self.window)
        self.seq = 0

    def _cutoff(self, seconds: float) -> float | None:
        """Record an event time; the start of the window, or ``None`` when the event is already out of it."""
        if self.clock.advance(seconds):
            self._sweep()
        cutoff = self.clock.latest - self.window
        return None if seconds < cutoff else cutoff

    @abstractmethod
    def _sweep(self) -> None:
        """Drop the keys idle for a whole window."""


class _ThresholdState(_SlidingState):
    """Counts events per key in a sliding window of event time."""

    def __init__(self, rule: CompiledRule, spec: Threshold) -> None:
        super().__init__(rule, spec)
        self.keys: dict[tuple[str, ...], _Window] = {}

    def feed(self, event: Event) -> tuple[Match, ...]:
        seconds = _seconds(event)
        cutoff = self._cutoff(seconds)
        if cutoff is None:
            return ()
        key = self.rule.key_of(event)
        window = self.keys.get(key)
        if window is None:
            window = self.keys[key] = _Window()
        self.seq += 1
        entries = window.entries
        if not entries or seconds >= entries[-1][0]:
            entries.append((seconds, self.seq))
        else:
            entries.insert(bisect_right(entries, seconds, key=_time), (seconds, self.seq))
        window.recent.append((seconds, self.seq, self.keep(event)))
        while entries[0][0] < cutoff:
            entries.popleft()
        if len(entries) < self.required:
            window.over = False
            return ()
        if window.over:
            window.reported = self.seq
            return (Match(self.rule, (event,), key, 1),)
        window.over, reported, window.reported = True, window.reported, self.seq
        fresh = [moment for moment, seq in entries if seq > reported]
        recent = sorted(item for item in window.recent if item[0] >= cutoff)
        start = datetime.fromtimestamp(fresh[0], UTC)
        return (Match(self.rule, _trigger_last(recent, event), key, len(fresh), start=start),)

    def _sweep(self) -> None:
        cutoff = self.clock.latest - self.window
        for key, window in list(self.keys.items()):
            if window.entries[-1][0] < cutoff:
                del self.keys[key]


class _DistinctState(_SlidingState):
    """Counts distinct values of a field per key in a sliding window of event time.

    Only the latest occurrence of each value is kept: a value leaves the window when that occurrence
    does, so memory is bounded by the number of distinct values, not of events.
    """

    def __init__(self, rule: CompiledRule, spec: Threshold, distinct: str) -> None:
        super().__init__(rule, spec)
        self.value_of = field_reader(rule.fields, distinct)
        self.universe = spec.universe if spec.universe_name else None
        self.keys: dict[tuple[str, ...], _Values] = {}

    def feed(self, event: Event) -> tuple[Match, ...]:
        value = text_of(self.value_of(event))
        if value == NA or (self.universe is not None and value not in self.universe):
            return ()
        seconds = _seconds(event)
        cutoff = self._cutoff(seconds)
        if cutoff is None:
            return ()
        key = self.rule.key_of(event)
        values = self.keys.get(key)
        if values is None:
            values = self.keys[key] = _Values()
        self.seq += 1
        latest = values.latest
        if value not in latest or seconds >= latest[value][0]:
            latest[value] = (seconds, self.seq, self.keep(event))
            values.oldest = min(values.oldest, seconds)
        if values.oldest < cutoff:
            for gone in [name for name, (when, _, _) in latest.items() if when < cutoff]:
                del latest[gone]
            values.oldest = min((when for when, _, _ in latest.values()), default=math.inf)
        if len(latest) < self.required:
            values.over = False
            return ()
        if values.over:
            return (Match(self.rule, (event,), key, 1),)
        values.over = True
        # the evidence of a distinct count is one event per value: the latest one of each
        representatives = sorted(latest.values())
        return (Match(self.rule, _trigger_last(representatives, event), key, len(representatives)),)

    def _sweep(self) -> None:
        cutoff = self.clock.latest - self.window
        for key, values in list(self.keys.items()):
            if max(when for when, _, _ in values.latest.values()) < cutoff:
                del self.keys[key]


class SequenceState:
    """Per key and step, the sorted pending entries; a chain through every step within ``within`` matches.

    It gets every candidate event: the steps are tried first and the rule's own condition only when
    one of them holds (steps are usually the narrower, cheaper test). An engine that compiles the steps
    and the condition for a group of events (one event name) feeds that group through :meth:`feeder`.
    """

    def __init__(self, rule: CompiledRule, spec: Sequence) -> None:
        self.rule = rule
        self.keep = _keeper(rule)
        self.within = spec.within.total_seconds()
        self.clock = _Clock(self.within)
        self.keys: dict[tuple[str, ...], list[list[tuple[float, int, Event]]]] = {}
        self.seq = 0
        self._feed = self.feeder(rule.steps, rule.predicate)

    def feed(self, event: Event) -> tuple[Match, ...]:
        return self._feed(event)

    def feeder(self, steps: tuple[Predicate, ...], predicate: Predicate) -> Feed:
        """The feed of events whose step conditions and rule condition are ``steps`` and ``predicate``
        (the rule's own, or compiled for the events it will take); steps that can never hold are skipped."""
        live = tuple((index, step) for index, step in enumerate(steps) if step is not never)

        def feed(event: Event) -> tuple[Match, ...]:
            matched = [index for index, step in live if step(event)]
            if not matched or not predicate(event):
                return ()
            return self._add(event, matched)

        return feed

    def _add(self, event: Event, matched: list[int]) -> tuple[Match, ...]:
        """Put ``event`` in the ``matched`` steps of its key; the match it completes, if any."""
        seconds = _seconds(event)
        if self.clock.advance(seconds):
            self._sweep()
        cutoff = self.clock.latest - self.within
        if seconds < cutoff:
            return ()
        key = self.rule.key_of(event)
        pending = self.keys.get(key)
        if pending is None:
            pending = self.keys[key] = [[] for _ in self.rule.steps]
        self.seq += 1
        entry = (seconds, self.seq, self.keep(event))
        for index in matched:
            entries = pending[index]
            _insort(entries, entry)
            if len(entries) > MAX_PENDING:
                del entries[0 if entries[0] is not entry else 1]  # the oldest other than the newcomer
        self._evict(pending, cutoff)
        for index in reversed(matched):
            chain = self._chain(pending, index, entry)
            if chain is not None:
                for step, used in zip(pending, chain, strict=True):
                    step.remove(used)
                # the output shows the last step: the full event when it is this one, not its kept copy
                steps = [item for _, _, item in chain[:-1]]
                steps.append(event if chain[-1] is entry else chain[-1][2])
                return (Match(self.rule, tuple(steps[-MAX_MATCH_EVENTS:]), key, len(chain)),)
        return ()

    def _chain(
        self, pending: list[list[tuple[float, int, Event]]], index: int, entry: tuple[float, int, Event]
    ) -> list[tuple[float, int, Event]] | None:
        """The tightest chain through every step that puts ``entry`` at step ``index``, if any."""
        chain: list[tuple[float, int, Event]] = [entry] * len(pending)
        used = {entry[1]}
        seconds = entry[0]
        for step in range(index - 1, -1, -1):  # each earlier step: its latest entry up to then, not used yet
            entries = pending[step]
            position = bisect_right(entries, seconds, key=_time)
            while position and entries[position - 1][1] in used:
                position -= 1
            if not position:
                return None
            found = chain[step] = entries[position - 1]
            seconds = found[0]
            used.add(found[1])
        seconds = entry[0]
        for step in range(index + 1, len(pending)):  # each later step: its earliest entry from then on, not used yet
            entries = pending[step]
            position = bisect_left(entries, seconds, key=_time)
            while position < len(entries) and entries[position][1] in used:
                position += 1
            if position == len(entries):
                return None
            found = chain[step] = entries[position]
            seconds = found[0]
            used.add(found[1])
        return chain if chain[-1][0] - chain[0][0] <= self.within else None

    @staticmethod
    def _evict(pending: list[list[tuple[float, int, Event]]], cutoff: float) -> None:
        for entries in pending:
            if entries and entries[0][0] < cutoff:
                del entries[: bisect_left(entries, cutoff, key=_time)]

    def _sweep(self) -> None:
        cutoff = self.clock.latest - self.within
        for key, pending in list(self.keys.items()):
            self._evict(pending, cutoff)
            if not any(pending):
                del self.keys[key]


class _NewValueState:
    """Per key: when its learning started, and every value seen."""

    def __init__(self, rule: CompiledRule, spec: NewValue) -> None:
        self.rule = rule
        self.learning = spec.learning.total_seconds()
        self.value_of = field_reader(rule.fields, spec.field)
        self.keys: dict[tuple[str, ...], tuple[float, set[str]]] = {}

    def feed(self, event: Event) -> tuple[Match, ...]:
        value = text_of(self.value_of(event))
        if value == NA:
            return ()
        seconds = _seconds(event)
        key = self.rule.key_of(event)
        known = self.keys.get(key)
        if known is None:
            known = self.keys[key] = (seconds, set())
        elif seconds < known[0]:
            known = self.keys[key] = (seconds, known[1])
        start, seen = known
        if value in seen:
            return ()
        seen.add(value)
        if seconds < start + self.learning:
            return ()
        return (Match(self.rule, (event,), key, 1),)


@dataclass(slots=True)
class _Beats:
    """One periodic key: its latest occurrences (sorted) and the reporting state."""

    entries: list[tuple[float, int, Event]] = field(default_factory=list)
    over: bool = False
    reported: int = 0


class _PeriodicState:
    """Per key, the last ``min_count`` occurrences; regular spacing matches."""

    def __init__(self, rule: CompiledRule, spec: Periodic) -> None:
        self.rule = rule
        self.keep = _keeper(rule)
        self.spec = spec
        self.window = spec.window.total_seconds()
        self.low = spec.min_interval.total_seconds()
        self.high = spec.max_interval.total_seconds()
        self.clock = _Clock(self.window)
        self.keys: dict[tuple[str, ...], _Beats] = {}
        self.seq = 0

    def feed(self, event: Event) -> tuple[Match, ...]:
        seconds = _seconds(event)
        if self.clock.advance(seconds):
            self._sweep()
        key = self.rule.key_of(event)
        beats = self.keys.get(key)
        if beats is None:
            beats = self.keys[key] = _Beats()
        self.seq += 1
        _insort(beats.entries, (seconds, self.seq, self.keep(event)))
        if len(beats.entries) > self.spec.min_count:
            del beats.entries[0]
        if not self._regular(beats.entries):
            beats.over = False
            return ()
        if beats.over:
            beats.reported = self.seq
            return (Match(self.rule, (event,), key, 1),)
        fresh = sum(1 for _, seq, _ in beats.entries if seq > beats.reported)
        beats.over, beats.reported = True, self.seq
        return (Match(self.rule, _trigger_last(beats.entries, event), key, fresh),)

    def _regular(self, entries: list[tuple[float, int, Event]]) -> bool:
        if len(entries) < self.spec.min_count or entries[-1][0] - entries[0][0] > self.window:
            return False
        gaps = [later[0] - earlier[0] for earlier, later in pairwise(entries)]
        if not all(self.low <= gap <= self.high for gap in gaps):
            return False
        mean = statistics.fmean(gaps)
        return mean > 0 and statistics.pstdev(gaps, mean) / mean <= self.spec.max_jitter

    def _sweep(self) -> None:
        cutoff = self.clock.latest - self.window
        for key, beats in list(self.keys.items()):
            if beats.entries[-1][0] < cutoff:
                del self.keys[key]
