"""Compile a rule set once, index it by (source, event name), and run events through it.

:func:`compile_ruleset` turns every enabled rule of a source jackwatch reads into a
:class:`~jackwatch.rules.spec.CompiledRule` (conditions compiled to Python functions after macro expansion).
Rules are indexed by the event names their condition pins (``ct.name = X``, ``ct.name in (…)``),
else by the partition it pins (the source's ``partition_field``: ``ct.src in (bedrock.amazonaws.com)``);
the others are tried on every event of their source. An :class:`Engine` holds the state of the
stateful rules for one run. The first time it meets an event name in a partition, it compiles the
candidate rules again for that name and partition: their tests of the name and partition are decided
then, the rules that cannot match are dropped, the others keep only the rest of their condition, and those
are compiled together into one function that reads each field and evaluates each shared subexpression (Falco's
macros) once per event. A later event costs three dict lookups before that function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from jackwatch.model import Event
from jackwatch.rules.condition import Node, compile_condition, event_names
from jackwatch.rules.condition.compiler import Folded, always, compile_conditions, fold, never, tests_of
from jackwatch.rules.fields import Extractor, SourceFields
from jackwatch.rules.sources import SourceRegistry
from jackwatch.rules.spec import (
    NA,
    CompiledRule,
    Match,
    RuleSet,
    RuleSpec,
    Sequence,
    SequenceStep,
    field_extractor,
    field_reader,
    text_of,
)
from jackwatch.rules.stateful import Feed, RuleState, SequenceState, make_state

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
    """A renderer of ``template`` for one event; a field the source (or the event) lacks shows ``<NA>``; the
    source's ``scrub`` (if any) rewrites the line (redacts secrets)."""
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
    scrub = fields.scrub

    def render(event: Event) -> str:
        line = "".join(part if isinstance(part, str) else text_of(part(event)) for part in parts)
        return line if scrub is None else scrub(line)

    return render


def _key_reader(fields: SourceFields, by: tuple[str, ...]) -> Callable[[Event], tuple[str, ...]]:
    """How a stateful rule reads its ``by`` key. The key is kept in the event's memo under a name made of
    ``by``: the rules that share a ``by`` read it once per event."""
    read = tuple(field_extractor(fields, name) for name in by)
    if not read:
        return lambda event: ()
    slot = f"key({', '.join(by)})"
    if len(read) == 1:  # most rules key by one field (the principal): no loop
        ((extract_one, one_arg),) = read

        def key_of_one(event: Event) -> tuple[str, ...]:
            memo = event.memo
            key: tuple[str, ...] | None = memo.get(slot)
            if key is None:
                value = extract_one(event, one_arg)
                key = memo[slot] = (value if type(value) is str else text_of(value),)
            return key

        return key_of_one

    def key_of(event: Event) -> tuple[str, ...]:
        memo = event.memo
        key: tuple[str, ...] | None = memo.get(slot)
        if key is None:
            key = memo[slot] = tuple([text_of(extract(event, arg)) for extract, arg in read])
        return key

    return key_of


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
    predicate = compile_condition(spec.node, fields) if spec.node is not None else always
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
    """For one source: its rules in order, its fields, and how to read an event's partition (if it has one)."""

    rules: tuple[CompiledRule, ...]
    fields: SourceFields
    partition_of: Extractor

    def candidates(self, name: str, partition: object) -> tuple[CompiledRule, ...]:
        """The rules an event with this name and partition is tried against, in rule order."""
        return tuple(rule for rule in self.rules if Trigger(rule.event_names, rule.partitions).meets(name, partition))

    def meets_any(self, name: str) -> bool:
        """Whether an event with this name is tried against rules, in some partition."""
        return any(rule.event_names is None or name in rule.event_names or rule.partitions for rule in self.rules)

    def known(self, name: str, partition: object) -> dict[str, object]:
        """The field values every event with this name and partition has: its name, and its partition
        when that is text (or missing), a value no other kind of value is equal to."""
        known: dict[str, object] = {self.fields.name_field: name}
        if self.fields.partition_field is not None and (partition is None or type(partition) is str):
            known[self.fields.partition_field] = partition
        return known


@dataclass(frozen=True, slots=True)
class CompiledRuleSet:
    """Every evaluated rule, compiled once, and the per-source index."""

    rules: tuple[CompiledRule, ...]
    index: Mapping[str, SourceIndex]

    def candidates(self, source: str, name: str, partition: object = None) -> tuple[CompiledRule, ...]:
        """The rules an event of ``source`` called ``name`` (in ``partition``) is tried against, in rule order."""
        found = self.index.get(source)
        return () if found is None else found.candidates(name, partition)


def _partition_reader(fields: SourceFields) -> Extractor:
    if fields.partition_field is None:
        return lambda event, arg: None
    return fields.fields[fields.partition_field].extract


def compile_ruleset(ruleset: RuleSet, registry: SourceRegistry) -> CompiledRuleSet:
    """Compile every enabled rule of a registered source; the others are left out."""
    compiled: list[CompiledRule] = []
    for spec in ruleset.rules:
        source = registry.get(spec.source)
        if spec.enabled and not spec.unsupported and source is not None:
            compiled.append(compile_rule(spec, source.fields))
    index = {
        name: SourceIndex(
            tuple(rule for rule in compiled if rule.spec.source == name),
            source.fields,
            _partition_reader(source.fields),
        )
        for name, source in registry.sources.items()
        if any(rule.spec.source == name for rule in compiled)
    }
    return CompiledRuleSet(tuple(compiled), index)


def _plain_feed(rule: CompiledRule) -> Feed:
    return lambda event: (Match(rule, (event,), ()),)


@dataclass(frozen=True, slots=True)
class _Variant:
    """A rule compiled for the events with given values of its source's name and partition fields: its
    condition with the tests of those fields decided (:func:`fold`), and its sequence steps."""

    condition: Folded
    steps: tuple[Predicate, ...]


class _Variants:
    """The variants of a rule. One is compiled per distinct outcome of the tests the rule makes on its source's
    name and partition fields: the outcome is all the variant depends on, and a rule has few (the names and
    services it lists, or others).
    """

    def __init__(self, rule: CompiledRule) -> None:
        self.rule = rule
        fields = rule.fields
        indexed = [name for name in (fields.name_field, fields.partition_field) if name is not None]
        nodes = [rule.spec.node, *(step.node for step in _steps(rule))]
        tests = [test for node in nodes if node is not None for test in tests_of(node, indexed)]
        self.tests = tuple(compile_condition(test, fields) for test in dict.fromkeys(tests))
        self.compiled: dict[tuple[object, ...], _Variant] = {}

    def of(self, event: Event, known: Mapping[str, object]) -> _Variant:
        """The variant of the events with the ``known`` values (those of ``event``)."""
        outcome = (tuple(known), *(test(event) for test in self.tests))
        found = self.compiled.get(outcome)
        if found is None:
            spec, fields = self.rule.spec, self.rule.fields
            condition = True if spec.node is None else fold(spec.node, fields, known)
            steps = tuple(compile_condition(step.node, fields, known) for step in _steps(self.rule))
            found = self.compiled[outcome] = _Variant(condition, steps)
        return found


def _steps(rule: CompiledRule) -> tuple[SequenceStep, ...]:
    stateful = rule.spec.stateful
    return stateful.steps if isinstance(stateful, Sequence) else ()


_Batch = tuple[Callable[[Event], list[int]], tuple[Feed, ...]]
"""The rules an event of one name and partition is tried against: the function telling which of their conditions
hold (see :func:`compile_conditions`), and what takes the event for each."""


MAX_PARTITIONS = 4096
"""Partitions (containers, services) an engine remembers the batch of, per event name: beyond, it forgets them
all (finding a partition's batch again costs its rules' tests on the partition, and dict lookups)."""


class Engine:
    """Runs events through a compiled rule set; holds the stateful rules' state for one run.

    The candidate rules of each (source, event name, partition) are compiled for them the first time
    such an event comes, into one batch shared by the partitions where their tests have the same outcomes:
    a later event costs three dict lookups before the batch's function (the partition is not even read when no
    rule can meet the event's name).
    """

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
        self._states: dict[int, RuleState] = {
            id(rule): make_state(rule) for rule in compiled.rules if rule.spec.stateful is not None
        }
        self._variants: dict[int, _Variants] = {}
        self._batches: dict[tuple[int, ...], _Batch] = {}
        self._tables: dict[str, tuple[SourceIndex, dict[str, dict[object, _Batch] | None]]] = {
            source: (found, {}) for source, found in compiled.index.items()
        }

    def process(self, event: Event) -> list[Match]:
        """The matches ``event`` makes, in rule order (stateful rules update their state)."""
        table = self._tables.get(event.source)
        if table is None:
            return []
        found, by_name = table
        try:
            by_partition = by_name[event.name]
        except KeyError:
            by_partition = by_name[event.name] = {} if found.meets_any(event.name) else None
        if by_partition is None:
            return []
        partition = found.partition_of(event, None)
        try:
            matching, feeds = by_partition[partition]
        except KeyError:
            if len(by_partition) >= MAX_PARTITIONS:
                by_partition.clear()
            matching, feeds = by_partition[partition] = self._batch(found, event, partition)
        hits = matching(event)
        if not hits:
            return []
        matches: list[Match] = []
        for index in hits:
            matches.extend(feeds[index](event))
        return matches

    def _batch(self, found: SourceIndex, event: Event, partition: object) -> _Batch:
        """The batch of the events with the name and partition of ``event``."""
        known = found.known(event.name, partition)
        candidates = found.candidates(event.name, partition)
        variants = [(rule, self._variants_of(rule).of(event, known)) for rule in candidates]
        key = tuple(id(variant) for _, variant in variants)
        batch = self._batches.get(key)
        if batch is None:
            runners = [runner for rule, variant in variants if (runner := self._runner(rule, variant)) is not None]
            matching = compile_conditions([condition for condition, _ in runners], found.fields)
            batch = self._batches[key] = (matching, tuple(feed for _, feed in runners))
        return batch

    def _variants_of(self, rule: CompiledRule) -> _Variants:
        found = self._variants.get(id(rule))
        if found is None:
            found = self._variants[id(rule)] = _Variants(rule)
        return found

    def _runner(self, rule: CompiledRule, variant: _Variant) -> tuple[Folded, Feed] | None:
        """The condition of ``rule``'s variant and what takes the events that meet it; ``None`` if none can."""
        condition, steps = variant.condition, variant.steps
        if condition is False or (steps and all(step is never for step in steps)):
            return None
        state = self._states.get(id(rule))
        if state is None:
            return condition, _plain_feed(rule)
        if isinstance(state, SequenceState):
            predicate = _predicate(condition, rule.fields)
            return True, state.feeder(steps, predicate)
        return condition, state.feed

    def tracked_keys(self) -> int:
        """How many ``by`` keys the stateful rules hold right now (idle ones are dropped as time passes)."""
        return sum(len(state.keys) for state in self._states.values())


def _predicate(condition: Folded, fields: SourceFields) -> Predicate:
    if isinstance(condition, bool):
        return always if condition else never
    return compile_condition(condition, fields)
