"""Run the inline ``tests:`` of rules: each test feeds its records to a fresh engine holding only its rule.

Records become events through the rule source's ``make_event``, exactly as real input does. A record
the source cannot read (no ``eventTime``, wrong types…) fails its test with the record's location;
it never stops the other tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from jackwatch.errors import JackwatchError, Location
from jackwatch.model import Event
from jackwatch.rules.engine import CompiledRuleSet, Engine, compile_ruleset
from jackwatch.rules.loader import LoadResult
from jackwatch.rules.sources import EventSource, SourceRegistry, not_read
from jackwatch.rules.spec import InlineTest, Match, RuleSet, RuleSpec


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """The result of one inline test; ``message`` says what went wrong (empty when it passed)."""

    __test__ = False

    rule_id: str
    name: str
    passed: bool
    message: str
    location: Location


def run_inline_tests(load_result: LoadResult, registry: SourceRegistry) -> list[TestOutcome]:
    """Run every inline test of every loaded rule (disabled rules included), in file order."""
    ruleset = load_result.ruleset
    outcomes: list[TestOutcome] = []
    for rule in ruleset.rules:
        if not rule.tests:
            continue
        source = registry.get(rule.source)
        if source is None or rule.unsupported:
            reason = rule.unsupported or not_read(rule.source)
            outcomes += [TestOutcome(rule.id, t.name, False, f"cannot run: {reason}", t.location) for t in rule.tests]
            continue
        alone = RuleSet(ruleset.lists, ruleset.macros, (replace(rule, enabled=True),))
        compiled = compile_ruleset(alone, registry)
        outcomes += [_run(compiled, source, rule, test) for test in rule.tests]
    return outcomes


def _run(compiled: CompiledRuleSet, source: EventSource, rule: RuleSpec, test: InlineTest) -> TestOutcome:
    engine = Engine(compiled)
    matches: list[Match] = []
    for item in test.records:
        try:
            event = source.make_event(item.record, str(item.location))
        except (JackwatchError, ValueError, KeyError, TypeError) as exc:
            message = f"record at {item.location} cannot be read as a {source.name} event: {exc}"
            return TestOutcome(rule.id, test.name, False, message, item.location)
        for copy in range(item.repeat):
            shifted = event if not copy else _shifted(event, copy, item.every * copy)
            matches.extend(engine.process(shifted))
    expect = test.expect
    count = len(matches)
    if not expect.accepts(count):
        return TestOutcome(rule.id, test.name, False, f"expected {expect}, got {count}", test.location)
    if expect.key is not None and matches[-1].key != expect.key:
        message = f"expected the last match's key {list(expect.key)}, got {list(matches[-1].key)}"
        return TestOutcome(rule.id, test.name, False, message, test.location)
    return TestOutcome(rule.id, test.name, True, "", test.location)


def _shifted(event: Event, copy: int, delay: timedelta) -> Event:
    """Copy number ``copy`` of a repeated test record, ``delay`` later, with its own id."""
    return replace(event, time=event.time + delay, id=f"{event.id}#{copy}", memo={})
