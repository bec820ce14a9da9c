from __future__ import annotations

from collections.abc import Callable
from textwrap import dedent, indent

from tests.unit.rules.ruleskit import REGISTRY

from jackwatch.rules.inline_tests import TestOutcome, run_inline_tests
from jackwatch.rules.loader import LoadResult
from jackwatch.rules.sources import SourceRegistry

Load = Callable[..., LoadResult]

HEAD = """\
- rule: Denied call
  id: test.denied
  desc: d
  condition: t.name = Call and t.error = Denied
  output: denied for %t.user
  priority: WARNING
  source: test
"""


def with_tests(tests: str, head: str = HEAD, **extra: str) -> str:
    lines = "".join(f"  {key}: {value}\n" for key, value in extra.items())
    return head + lines + "  tests:\n" + indent(dedent(tests), "    ")


def outcomes(load: Load, text: str, registry: SourceRegistry = REGISTRY) -> list[TestOutcome]:
    result = load(text)
    assert not result.errors, [str(e) for e in result.errors]
    return run_inline_tests(result, registry)


def test_passing_and_failing_tests(load: Load) -> None:
    text = with_tests(
        """\
        - name: denied
          events:
            - {name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied, user: bob}
          expect: {matches: 1}
        - name: allowed
          events:
            - {name: Call, time: "2026-01-01T00:00:00+00:00", user: bob}
          expect: {match: false}
        - name: wrong expectation
          events:
            - {name: Call, time: "2026-01-01T00:00:00+00:00", user: bob}
          expect: {match: true}
        """
    )
    found = outcomes(load, text)
    assert [(o.rule_id, o.name, o.passed) for o in found] == [
        ("test.denied", "denied", True),
        ("test.denied", "allowed", True),
        ("test.denied", "wrong expectation", False),
    ]
    assert found[2].message == "expected a match, got 0"
    assert found[2].location.line == 17 and found[2].location.path.endswith("rules1.yaml")
    assert found[0].message == ""


def test_a_record_the_source_cannot_read_fails_only_its_test(load: Load) -> None:
    text = with_tests(
        """\
        - name: no time
          events:
            - {name: Call, error: Denied}
          expect: {matches: 1}
        - name: fine
          events: [{name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied}]
          expect: {matches: 1}
        """
    )
    broken, fine = outcomes(load, text)
    assert not broken.passed and fine.passed
    assert broken.message.startswith(f"record at {broken.location} cannot be read as a test event: missing time")
    assert broken.location.line == 11


def test_repeated_records_and_the_key_of_the_last_match(load: Load) -> None:
    text = with_tests(
        """\
        - name: burst
          events:
            - repeat: 5
              every: 10s
              record: {name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied, user: bob}
          expect: {matches: 3, key: [bob]}
        - name: slow
          events:
            - repeat: 5
              every: 2m
              record: {name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied, user: bob}
          expect: {matches: 0}
        - name: wrong key
          events:
            - repeat: 3
              record: {name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied, user: bob}
          expect: {match: true, key: [alice]}
        """,
        threshold="{by: [t.user], window: 1m, count: 3}",
    )
    burst, slow, wrong = outcomes(load, text)
    assert burst.passed and slow.passed
    assert not wrong.passed and wrong.message == "expected the last match's key ['alice'], got ['bob']"


def test_each_test_starts_from_fresh_state(load: Load) -> None:
    record = '{name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied}'
    tests = "".join(
        f"- name: {name}\n  events: [{{repeat: 2, record: {record}}}]\n  expect: {{matches: 0}}\n"
        for name in ("first", "second")
    )
    text = with_tests(tests, threshold="{window: 1m, count: 3}")
    assert [o.passed for o in outcomes(load, text)] == [True, True]


def test_disabled_rules_are_tested_and_unsupported_ones_fail(load: Load) -> None:
    test = """\
        - name: t
          events: [{name: Call, time: "2026-01-01T00:00:00+00:00", error: Denied}]
          expect: {matches: 1}
        """
    disabled = with_tests(test, enabled="false")
    assert [o.passed for o in outcomes(load, disabled)] == [True]
    (outcome,) = outcomes(load, disabled, SourceRegistry())
    assert not outcome.passed and outcome.message == "cannot run: source 'test' is not read by jackwatch yet"


def test_rules_without_tests_give_no_outcome(load: Load) -> None:
    assert outcomes(load, HEAD) == []
