"""The parsed content of rule files (lists, macros, rules) and what a compiled rule produces.

Everything here is frozen: a :class:`RuleSet` is built once by the loader, adjusted by settings into a
new object, and compiled by the engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TypeAlias

from jackwatch.errors import Location
from jackwatch.model import Event, Severity
from jackwatch.model.finding import MAX_EVENT_IDS
from jackwatch.rules.condition import Node
from jackwatch.rules.fields import ArgMode, Extractor, SourceFields

MAX_MATCH_EVENTS = MAX_EVENT_IDS
"""Most events one match carries (as many as a finding keeps ids of)."""

NA = "<NA>"
"""How a missing field value is rendered in outputs and stateful keys (as Falco does)."""

_FIELD_REF = re.compile(r"([A-Za-z_][\w.]*)(?:\[(.*)\])?", re.DOTALL)


def split_field(text: str) -> tuple[str, str | None]:
    """Split ``proc.aname[2]`` into ``("proc.aname", "2")``; raise ``ValueError`` if it is not a field."""
    found = _FIELD_REF.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a field name")
    return found.group(1), found.group(2)


def field_reader(fields: SourceFields, text: str) -> Callable[[Event], object]:
    """A function reading the field ``text`` (``ct.user``, ``json.value[/a/b]``) from an event.

    Raises ``ValueError`` when the source has no such field.
    """
    extract, arg = field_extractor(fields, text)
    return lambda event: extract(event, arg)


def field_extractor(fields: SourceFields, text: str) -> tuple[Extractor, str | None]:
    """The extractor of the field ``text`` and its argument: ``extract(event, arg)`` reads it (one call fewer than
    :func:`field_reader`'s function, for readers of every event). Raises ``ValueError`` as :func:`field_reader`."""
    name, arg = split_field(text)
    found = fields.fields.get(name)
    if found is None:
        raise ValueError(f"source {fields.source!r} has no field {name!r}")
    if arg is None and found.arg is ArgMode.REQUIRED:
        raise ValueError(f"field {name!r} needs an argument in brackets")
    if arg is not None and found.arg is ArgMode.NONE:
        raise ValueError(f"field {name!r} takes no argument")
    return found.extract, arg


def text_of(value: object) -> str:
    """Render an extracted field value as text: ``<NA>`` when missing, ``(a,b)`` for lists."""
    if value is None:
        return NA
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "(" + ",".join(text_of(item) for item in value) + ")"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class ListItem:
    """A Falco ``list``: named values, other lists' names already expanded."""

    name: str
    items: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class MacroItem:
    """A Falco ``macro``: a named condition fragment (``node`` is parsed, not expanded)."""

    name: str
    condition: str
    node: Node
    location: Location


@dataclass(frozen=True, slots=True)
class ExceptionSpec:
    """A Falco rule exception: ``fields`` compared with ``comps`` to each tuple of ``values``.

    ``single`` is the one-field form (``fields: proc.name``, ``values: [a, b]``), where each value is
    one alternative; otherwise each value is a tuple with one entry per field.
    """

    name: str
    fields: tuple[str, ...]
    comps: tuple[str, ...]
    values: tuple[tuple[object, ...], ...]
    single: bool
    location: Location


@dataclass(frozen=True, slots=True)
class RuleDocs:
    """Reference text of a rule: why it matters, known false positives, what to do."""

    why: str = ""
    false_positives: str = ""
    response: str = ""


@dataclass(frozen=True, slots=True)
class Expectation:
    """What an inline test expects: exactly ``matches`` matches, or (when ``None``) whether any
    ``match``; ``key``, when given, is the key the last match must have."""

    matches: int | None
    match: bool
    key: tuple[str, ...] | None = None

    def accepts(self, count: int) -> bool:
        """Whether ``count`` matches meet the expectation (the key is checked apart)."""
        return count == self.matches if self.matches is not None else (count > 0) == self.match

    def __str__(self) -> str:
        if self.matches is not None:
            return f"{self.matches} match{'es' if self.matches != 1 else ''}"
        return "a match" if self.match else "no match"


@dataclass(frozen=True, slots=True)
class InlineRecord:
    """One raw record of an inline test, fed ``repeat`` times, ``every`` apart (event time shifted)."""

    record: Mapping[str, object]
    location: Location
    repeat: int = 1
    every: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class InlineTest:
    """A rule's inline test: raw records fed in order, and the expected result."""

    name: str
    records: tuple[InlineRecord, ...]
    expect: Expectation
    location: Location


@dataclass(frozen=True, slots=True)
class Threshold:
    """``count`` matching events (or distinct values of ``distinct``) per ``by`` key within ``window``.

    ``count`` is a number, or a fraction of ``universe`` (the values of the list ``universe_name``)
    when written as a percentage; :attr:`required` is the resulting number.
    """

    by: tuple[str, ...]
    window: timedelta
    count: int | Fraction
    distinct: str | None = None
    universe_name: str | None = None
    universe: frozenset[str] = frozenset()

    @property
    def required(self) -> int:
        """How many events (or distinct values) make the threshold."""
        if isinstance(self.count, int):
            return self.count
        return max(1, math.ceil(self.count * len(self.universe)))


@dataclass(frozen=True, slots=True)
class SequenceStep:
    """One step of a sequence; ``node`` is expanded."""

    condition: str
    node: Node
    location: Location
    name: str = ""


@dataclass(frozen=True, slots=True)
class Sequence:
    """Ordered ``steps`` by the same ``by`` key, first to last within ``within``."""

    by: tuple[str, ...]
    within: timedelta
    steps: tuple[SequenceStep, ...]


@dataclass(frozen=True, slots=True)
class NewValue:
    """A value of ``field`` never seen for a ``by`` key, once the key's ``learning`` period is over."""

    by: tuple[str, ...]
    field: str
    learning: timedelta


@dataclass(frozen=True, slots=True)
class Periodic:
    """The last ``min_count`` occurrences per key are regularly spaced within ``window``.

    Regular: every interval is within [``min_interval``, ``max_interval``] and the intervals'
    coefficient of variation (standard deviation / mean) is at most ``max_jitter``.
    """

    by: tuple[str, ...]
    min_count: int
    window: timedelta
    min_interval: timedelta
    max_interval: timedelta
    max_jitter: float


@dataclass(frozen=True, slots=True)
class Spike:
    """Per ``by`` key, the total of ``value`` (``None``: the number of events) in each ``bucket`` of time, against
    the key's own baseline.

    The baseline is the median of the key's previous ``history`` buckets — of the same phase of ``season`` when
    one is given (``1d``: the same hour of the previous days), else the buckets just before. Buckets since the key
    was first seen count, empty ones as 0; a seasonal key without a bucket of the same phase yet uses the buckets
    just before. A bucket spikes once its total reaches the limit:
    ``max(floor, factor × median, median + deviations × MAD)`` (MAD: the median absolute deviation of the
    history); a key without history is held to the ``floor`` alone.
    """

    by: tuple[str, ...]
    bucket: timedelta
    floor: float
    value: str | None = None
    history: int = 24
    factor: float = 3.0
    deviations: float = 5.0
    season: timedelta | None = None


StatefulSpec: TypeAlias = Threshold | Sequence | NewValue | Periodic | Spike


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule as loaded: Falco keys plus jackwatch's ``id``, severity, MITRE, docs, state and tests.

    ``condition`` is the rule's own condition text (after appends); ``node`` is that condition with its
    exceptions, macros and lists expanded (``None`` for a sequence without a top-level condition and
    without exceptions). ``unsupported`` says why the rule is not evaluated (empty when it is).
    """

    name: str
    id: str
    desc: str
    condition: str
    node: Node | None
    output: str
    priority: str
    severity: Severity
    source: str
    location: Location
    tags: tuple[str, ...] = ()
    enabled: bool = True
    exceptions: tuple[ExceptionSpec, ...] = ()
    mitre: tuple[str, ...] = ()
    docs: RuleDocs = field(default_factory=RuleDocs)
    stateful: StatefulSpec | None = None
    tests: tuple[InlineTest, ...] = ()
    unsupported: str = ""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Lists, macros and rules after every file was merged in order (lists fully expanded)."""

    lists: Mapping[str, ListItem]
    macros: Mapping[str, MacroItem]
    rules: tuple[RuleSpec, ...]
    engine_versions: Mapping[str, str] = field(default_factory=dict)

    def rule(self, rule_id: str) -> RuleSpec:
        """The rule with this id; ``KeyError`` if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    """A rule ready to run: its predicate, index keys, output renderer and stateful key.

    ``predicate`` is the rule's condition with its exceptions (always true for a sequence without
    one); ``steps`` are a sequence's step conditions; ``event_names`` are the names the rule is indexed
    by (``None``: every event of its source).
    """

    spec: RuleSpec
    fields: SourceFields
    predicate: Callable[[Event], bool]
    steps: tuple[Callable[[Event], bool], ...]
    event_names: frozenset[str] | None
    render_output: Callable[[Event], str]
    key_of: Callable[[Event], tuple[str, ...]]
    partitions: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        """The rule's stable id."""
        return self.spec.id


@dataclass(frozen=True, slots=True, eq=False)
class Match:
    """A rule matched.

    ``events`` make the match, the triggering event last (capped at :data:`MAX_MATCH_EVENTS`);
    ``count`` is how many new events this match accounts for (more than ``len(events)`` when capped,
    and it never counts an event twice across a run); ``key`` holds the stateful ``by`` values (empty
    for plain rules); ``facts`` are figures the state computed (a spike's total, baseline and excess), if any;
    ``start`` is the time of the earliest event the match accounts for, when it does not list that event.
    :attr:`output` renders the rule's output from the triggering event, only when asked for: most
    matches of a busy finding are never shown.
    """

    rule: CompiledRule
    events: tuple[Event, ...]
    key: tuple[str, ...]
    count: int = 1
    facts: Mapping[str, float] | None = None
    start: datetime | None = None

    @property
    def output(self) -> str:
        """The rule's output, rendered from the triggering (last) event."""
        return self.rule.render_output(self.events[-1])
