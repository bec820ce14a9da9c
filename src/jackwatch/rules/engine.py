"""Compile a rule set once, index it by (source, event name), and run events through it.

:func:`compile_ruleset` turns every enabled rule of a source jackwatch reads into a
:class:`~jackwatch.rules.spec.CompiledRule` (conditions compiled to closures after macro expansion).
Rules are indexed by the event names their condition pins (``ct.name = X``, ``ct.name in (…)``);
the others are tried on every event of their source. An :class:`Engine` holds the state of the
stateful rules for one run: ``process(event)`` looks up the event's candidate rules with one dict
access and calls their closures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from jackwatch.model import Event
from jackwatch.rules.condition import compile_condition, event_names
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
    return lambda event: tuple(text_of(read(event)) for read in readers)


def _always(event: Event) -> bool:
    return True


def _names(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    """Event names both conditions allow (``None`` = any name)."""
    if first is None:
        return second
    return first if second is None else first & second


def compile_rule(spec: RuleSpec, fields: SourceFields) -> CompiledRule:
    """Compile one rule of a source jackwatch reads (its condition, steps, output and key)."""
    predicate = compile_condition(spec.node, fields) if spec.node is not None else _always
    names = event_names(spec.node, fields.name_field) if spec.node is not None else None
    steps: tuple[Predicate, ...] = ()
    stateful = spec.stateful
    if isinstance(stateful, Sequence):
        steps = tuple(compile_condition(step.node, fields) for step in stateful.steps)
        per_step = [_names(names, event_names(step.node, fields.name_field)) for step in stateful.steps]
        known = [n for n in per_step if n is not None]
        names = frozenset[str]().union(*known) if len(known) == len(per_step) else None
    return CompiledRule(
        spec=spec,
        fields=fields,
        predicate=predicate,
        steps=steps,
        event_names=names,
        render_output=compile_output(spec.output, fields),
        key_of=_key_reader(fields, stateful.by if stateful is not None else ()),
    )


@dataclass(frozen=True, slots=True)
class SourceIndex:
    """For one source: the rules per event name (name-less rules merged in, rule order kept)."""

    by_name: Mapping[str, tuple[CompiledRule, ...]]
    any_name: tuple[CompiledRule, ...]


@dataclass(frozen=True, slots=True)
class CompiledRuleSet:
    """Every evaluated rule, compiled once, and the (source, event name) index."""

    rules: tuple[CompiledRule, ...]
    index: Mapping[str, SourceIndex]

    def candidates(self, source: str, name: str) -> tuple[CompiledRule, ...]:
        """The rules an event of ``source`` called ``name`` is tried against, in rule order."""
        found = self.index.get(source)
        if found is None:
            return ()
        return found.by_name.get(name, found.any_name)


def compile_ruleset(ruleset: RuleSet, registry: SourceRegistry) -> CompiledRuleSet:
    """Compile every enabled rule of a registered source; the others are left out."""
    compiled: list[CompiledRule] = []
    for spec in ruleset.rules:
        source = registry.get(spec.source)
        if spec.enabled and not spec.unsupported and source is not None:
            compiled.append(compile_rule(spec, source.fields))
    index: dict[str, SourceIndex] = {}
    for source_name in dict.fromkeys(rule.spec.source for rule in compiled):
        rules = [rule for rule in compiled if rule.spec.source == source_name]
        names = {name for rule in rules for name in rule.event_names or ()}
        by_name = {
            name: tuple(r for r in rules if r.event_names is None or name in r.event_names) for name in sorted(names)
        }
        index[source_name] = SourceIndex(by_name, tuple(r for r in rules if r.event_names is None))
    return CompiledRuleSet(tuple(compiled), index)


_Runner = tuple[Predicate, Feed]


def _plain_feed(rule: CompiledRule) -> Feed:
    render = rule.render_output
    return lambda event: (Match(rule, (event,), (), render(event)),)


class Engine:
    """Runs events through a compiled rule set; holds the stateful rules' state for one run."""

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
        self._states: list[RuleState] = []
        runners: dict[int, _Runner] = {}
        for rule in compiled.rules:
            if rule.spec.stateful is None:
                runners[id(rule)] = (rule.predicate, _plain_feed(rule))
            else:
                state = make_state(rule)
                self._states.append(state)
                sequence = isinstance(rule.spec.stateful, Sequence)
                runners[id(rule)] = (_always if sequence else rule.predicate, state.feed)
        self._tables: dict[str, tuple[dict[str, tuple[_Runner, ...]], tuple[_Runner, ...]]] = {
            source: (
                {name: tuple(runners[id(rule)] for rule in rules) for name, rules in found.by_name.items()},
                tuple(runners[id(rule)] for rule in found.any_name),
            )
            for source, found in compiled.index.items()
        }

    def process(self, event: Event) -> Iterator[Match]:
        """The matches ``event`` makes, in rule order (stateful rules update their state)."""
        table = self._tables.get(event.source)
        if table is None:
            return
        by_name, any_name = table
        for predicate, feed in by_name.get(event.name, any_name):
            if predicate(event):
                yield from feed(event)

    def tracked_keys(self) -> int:
        """How many ``by`` keys the stateful rules hold right now (idle ones are dropped as time passes)."""
        return sum(len(state.keys) for state in self._states)
