"""Compile a rule set once, index it by (source, event name), and run events through it.

:func:`compile_ruleset` turns every enabled rule of a source jackwatch reads into a
:class:`~jackwatch.rules.spec.CompiledRule` (conditions compiled to closures after macro expansion).
Rules are indexed by the event names their condition pins (``ct.name = X``, ``ct.name in (…)``),
else by the partition it pins (the source's ``partition_field``: ``ct.src in (bedrock.amazonaws.com)``);
the others are tried on every event of their source. An :class:`Engine` holds the state of the
stateful rules for one run: ``process(event)`` looks up the event's candidate rules (cached per name
and partition) and calls their closures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from jackwatch.model import Event
from jackwatch.rules.condition import Node, compile_condition, event_names
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.sources import SourceRegistry
from jackwatch.rules.spec import (
    NA,
    CompiledRule,
    Match,
    RuleSet,
    RuleSpec,
    Sequence,
    field_reader,
    text_of,
)
from jackwatch.rules.stateful import Feed, RuleState, make_state

_PLACEHOLDER = re.compile(r"%(?:\(([^()]+)\)|([A-Za-z_]\w*(?:\.\w+)*(?:\[[^\]]*\])?))")

Predicate = Callable[[Event], bool]


def _placeholders(template: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, field) of each ``%field``, ``%(field)`` and ``%field[arg]`` in a Falco output."""
    for found in _PLACEHOLDER.finditer(template):
        yield found.start(), found.end(), (found.group(1) or found.group(2)).strip()


def unknown_output_fields(template: str, fields: SourceFields) -> list[str]:
    """The fields an output template shows that the source does not have."""
    unknown = []
    for _, _, name in _placeholders(template):
        try:
            field_reader(fields, name)
        except ValueError:
            unknown.append(name)
    return unknown


def compile_output(template: str, fields: SourceFields) -> Callable[[Event], str]:
    """A renderer of ``template`` for one event; a field the source (or the event) lacks shows ``<NA>``."""
    parts: list[str | Callable[[Event], object]] = []
    position = 0
    for start, end, name in _placeholders(template):
        parts.append(template[position:start])
        try:
            parts.append(field_reader(fields, name))
        except ValueError:
            parts.append(NA)
        position = end
    parts.append(template[position:])
    if len(parts) == 1:
        return lambda event: template

    def render(event: Event) -> str:
        return "".join(part if isinstance(part, str) else text_of(part(event)) for part in parts)

    return render


def _key_reader(fields: SourceFields, by: tuple[str, ...]) -> Callable[[Event], tuple[str, ...]]:
    readers = tuple(field_reader(fields, name) for name in by)
    if not readers:
        return lambda event: ()
    if len(readers) == 1:
        (read,) = readers
        return lambda event: (text_of(read(event)),)
    if len(readers) == 2:  # the common (principal, something) key, without a generator per event
        first, second = readers
        return lambda event: (text_of(first(event)), text_of(second(event)))
    return lambda event: tuple([text_of(read(event)) for read in readers])


def _always(event: Event) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Trigger:
    """The events a condition can match at all: those whose name is in ``names`` or whose partition
    (the source's ``partition_field``, e.g. CloudTrail's ``eventSource``) is in ``partitions``.

    ``names`` is ``None`` when nothing narrows the condition down: it meets every event of its source.
    """

    names: frozenset[str] | None
    partitions: frozenset[str] = frozenset()

    @classmethod
    def of(cls, node: Node | None, fields: SourceFields) -> Trigger:
        """The tightest sound trigger of ``node``: by event name, else by partition, else every event."""
        if node is None:
            return ANY
        names = event_names(node, fields.name_field)
        if names is not None or fields.partition_field is None:
            return cls(names)
        partitions = event_names(node, fields.partition_field)
        return ANY if partitions is None else cls(frozenset(), partitions)

    def meets(self, name: str, partition: object) -> bool:
        """Whether an event with this name and partition can match."""
        return self.names is None or name in self.names or partition in self.partitions


ANY = Trigger(None)


def _union(triggers: list[Trigger]) -> Trigger:
    if any(trigger.names is None for trigger in triggers):
        return ANY
    return Trigger(
        frozenset[str]().union(*(t.names or () for t in triggers)),
        frozenset[str]().union(*(t.partitions for t in triggers)),
    )


def compile_rule(spec: RuleSpec, fields: SourceFields) -> CompiledRule:
    """Compile one rule of a source jackwatch reads (its condition, steps, output and key)."""
    predicate = compile_condition(spec.node, fields) if spec.node is not None else _always
    trigger = Trigger.of(spec.node, fields)
    steps: tuple[Predicate, ...] = ()
    stateful = spec.stateful
    if isinstance(stateful, Sequence):
        steps = tuple(compile_condition(step.node, fields) for step in stateful.steps)
        # a step needs both its own condition and the rule's: either narrows it down soundly
        per_step = [Trigger.of(step.node, fields) for step in stateful.steps]
        trigger = _union([own if own.names is not None else trigger for own in per_step])
    return CompiledRule(
        spec=spec,
        fields=fields,
        predicate=predicate,
        steps=steps,
        event_names=trigger.names,
        partitions=trigger.partitions,
        render_output=compile_output(spec.output, fields),
        key_of=_key_reader(fields, stateful.by if stateful is not None else ()),
    )


@dataclass(frozen=True, slots=True)
class SourceIndex:
    """For one source: its rules in order, and how to read an event's partition (if it has one)."""

    rules: tuple[CompiledRule, ...]
    partition_of: Callable[[Event], object]

    def candidates(self, name: str, partition: object) -> tuple[CompiledRule, ...]:
        """The rules an event with this name and partition is tried against, in rule order."""
        return tuple(rule for rule in self.rules if Trigger(rule.event_names, rule.partitions).meets(name, partition))


@dataclass(frozen=True, slots=True)
class CompiledRuleSet:
    """Every evaluated rule, compiled once, and the per-source index."""

    rules: tuple[CompiledRule, ...]
    index: Mapping[str, SourceIndex]

    def candidates(self, source: str, name: str, partition: object = None) -> tuple[CompiledRule, ...]:
        """The rules an event of ``source`` called ``name`` (in ``partition``) is tried against, in rule order."""
        found = self.index.get(source)
        return () if found is None else found.candidates(name, partition)


def _partition_reader(fields: SourceFields) -> Callable[[Event], object]:
    if fields.partition_field is None:
        return lambda event: None
    extract = fields.fields[fields.partition_field].extract
    return lambda event: extract(event, None)


def compile_ruleset(ruleset: RuleSet, registry: SourceRegistry) -> CompiledRuleSet:
    """Compile every enabled rule of a registered source; the others are left out."""
    compiled: list[CompiledRule] = []
    for spec in ruleset.rules:
        source = registry.get(spec.source)
        if spec.enabled and not spec.unsupported and source is not None:
            compiled.append(compile_rule(spec, source.fields))
    index = {
        name: SourceIndex(
            tuple(rule for rule in compiled if rule.spec.source == name), _partition_reader(source.fields)
        )
        for name, source in registry.sources.items()
        if any(rule.spec.source == name for rule in compiled)
    }
    return CompiledRuleSet(tuple(compiled), index)


_Runner = tuple[Predicate, Feed]


def _plain_feed(rule: CompiledRule) -> Feed:
    return lambda event: (Match(rule, (event,), ()),)


class Engine:
    """Runs events through a compiled rule set; holds the stateful rules' state for one run.

    The candidate rules of each (source, event name, partition) are worked out the first time such an
    event comes and cached: a later event costs two dict lookups before its rules' closures.
    """

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
        self._states: list[RuleState] = []
        self._runners: dict[int, _Runner] = {}
        for rule in compiled.rules:
            if rule.spec.stateful is None:
                self._runners[id(rule)] = (rule.predicate, _plain_feed(rule))
            else:
                state = make_state(rule)
                self._states.append(state)
                sequence = isinstance(rule.spec.stateful, Sequence)
                self._runners[id(rule)] = (_always if sequence else rule.predicate, state.feed)
        self._tables: dict[str, tuple[SourceIndex, dict[tuple[str, object], tuple[_Runner, ...]]]] = {
            source: (found, {}) for source, found in compiled.index.items()
        }

    def process(self, event: Event) -> list[Match]:
        """The matches ``event`` makes, in rule order (stateful rules update their state)."""
        table = self._tables.get(event.source)
        if table is None:
            return []
        found, cache = table
        slot = (event.name, found.partition_of(event))
        runners = cache.get(slot)
        if runners is None:
            runners = cache[slot] = tuple(self._runners[id(rule)] for rule in found.candidates(*slot))
        matches: list[Match] = []
        for predicate, feed in runners:
            if predicate(event):
                matches.extend(feed(event))
        return matches

    def tracked_keys(self) -> int:
        """How many ``by`` keys the stateful rules hold right now (idle ones are dropped as time passes)."""
        return sum(len(state.keys) for state in self._states)
