from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rules.ruleskit import FIELDS, REGISTRY, event

from jackwatch.model import Severity
from jackwatch.rules.condition import Node, evaluate, render
from jackwatch.rules.loader import LoadResult, builtin_rule_files, load_rules, load_texts
from jackwatch.rules.spec import NewValue, Periodic, RuleSpec, Sequence, Threshold

Load = Callable[..., LoadResult]


def rule(name: str = "Failed login", condition: str = "t.name = Login and t.error exists", **extra: str) -> str:
    """A rule item of the ``test`` source; ``extra`` adds raw YAML lines (``key="value"``)."""
    lines = [
        f"- rule: {name}",
        "  desc: a login failed",
        f"  condition: {condition}",
        "  output: login failed for %t.user",
        "  priority: WARNING",
        "  source: test",
    ]
    lines += [
        f"  {key.replace('_', '-') if key == 'skip_if_unknown_filter' else key}: {value}"
        for key, value in extra.items()
    ]
    return "\n".join(lines) + "\n"


def block(text: str) -> str:
    """Extra keys of a rule item (written flush left, indented here)."""
    return indent(dedent(text), "  ")


def only_rule(result: LoadResult) -> RuleSpec:
    assert not result.errors, [str(e) for e in result.errors]
    (found,) = result.ruleset.rules
    return found


def matches(spec: RuleSpec, name: str, **raw: Any) -> bool:
    assert spec.node is not None
    return evaluate(spec.node, event(name, **raw), FIELDS)


def has_macro_ref(node: Node) -> bool:
    return "MacroRef" in repr(node)


def error_text(result: LoadResult) -> list[str]:
    return [str(error) for error in result.errors]


# ------------------------------------------------------------------------------------------------ rules


def test_a_rule_loads_with_its_falco_keys(load: Load) -> None:
    spec = only_rule(load(rule(tags="[auth, T1110, mitre_credential_access]")))
    assert spec.name == "Failed login"
    assert spec.id == "failed_login"
    assert spec.desc == "a login failed"
    assert spec.output == "login failed for %t.user"
    assert spec.priority == "WARNING"
    assert spec.severity is Severity.MEDIUM
    assert spec.source == "test"
    assert spec.tags == ("auth", "T1110", "mitre_credential_access")
    assert spec.mitre == ("T1110", "TA0006")
    assert spec.enabled and not spec.unsupported
    assert spec.location.line == 1 and spec.location.path.endswith("rules1.yaml")
    assert matches(spec, "Login", error="Denied")
    assert not matches(spec, "Login")


def test_jackwatch_keys_id_severity_mitre_docs(load: Load) -> None:
    text = rule(
        id="auth.failed_login",
        severity="critical",
        mitre="[T1078.004, AML.T0040]",
        tags="[T1078.004]",
        docs="{why: attackers guess, false_positives: typos, response: lock the account}",
    )
    spec = only_rule(load(text))
    assert spec.id == "auth.failed_login"
    assert spec.severity is Severity.CRITICAL
    assert spec.mitre == ("T1078.004", "AML.T0040")
    assert (spec.docs.why, spec.docs.false_positives, spec.docs.response) == (
        "attackers guess",
        "typos",
        "lock the account",
    )


@pytest.mark.parametrize(
    ("priority", "severity"),
    [("EMERGENCY", Severity.CRITICAL), ("error", Severity.HIGH), ("Notice", Severity.LOW), ("DEBUG", Severity.INFO)],
)
def test_severity_follows_the_falco_priority(load: Load, priority: str, severity: Severity) -> None:
    text = rule().replace("priority: WARNING", f"priority: {priority}")
    assert only_rule(load(text)).severity is severity


def test_severity_alone_replaces_priority(load: Load) -> None:
    text = rule().replace("priority: WARNING", "severity: low")
    assert only_rule(load(text)).severity is Severity.LOW


def test_a_rule_defined_again_replaces_the_first(load: Load) -> None:
    result = load(rule(), rule(condition="t.name = Logout"))
    spec = only_rule(result)
    assert matches(spec, "Logout") and not matches(spec, "Login", error="x")
    assert spec.location.path.endswith("rules2.yaml")


def test_enabled_only_item_turns_an_existing_rule_off(load: Load) -> None:
    spec = only_rule(load(rule(), "- rule: Failed login\n  enabled: false\n"))
    assert not spec.enabled


def test_legacy_append_adds_to_the_condition(load: Load) -> None:
    spec = only_rule(load(rule(), "- rule: Failed login\n  append: true\n  condition: and t.user != admin\n"))
    assert spec.condition == "t.name = Login and t.error exists and t.user != admin"
    assert not matches(spec, "Login", error="x", user="admin")
    assert matches(spec, "Login", error="x", user="bob")


def test_override_appends_and_replaces(load: Load) -> None:
    change = dedent(
        """\
        - rule: Failed login
          condition: and t.user != admin
          output: (region %t.region)
          priority: CRITICAL
          tags: [extra]
          override:
            condition: append
            output: append
            priority: replace
            tags: append
        """
    )
    spec = only_rule(load(rule(tags="[auth]"), change))
    assert spec.output == "login failed for %t.user (region %t.region)"
    assert spec.severity is Severity.CRITICAL
    assert spec.tags == ("auth", "extra")
    assert not matches(spec, "Login", error="x", user="admin")
    replaced = dedent(
        """\
        - rule: Failed login
          condition: t.name = Logout
          override: {condition: replace}
        """
    )
    spec = only_rule(load(rule(), replaced))
    assert matches(spec, "Logout")


def test_stateful_block_can_be_replaced_by_override(load: Load) -> None:
    base = rule(threshold="{by: [t.user], window: 10m, count: 5}")
    change = (
        "- rule: Failed login\n  threshold: {by: [t.user], window: 1h, count: 50}\n  override: {threshold: replace}\n"
    )
    spec = only_rule(load(base, change))
    assert isinstance(spec.stateful, Threshold)
    assert spec.stateful.count == 50 and spec.stateful.window.total_seconds() == 3600


def test_unsupported_source_loads_resolved_with_one_warning(load: Load) -> None:
    text = dedent(
        """\
        - list: shells
          items: [bash, sh]
        - macro: spawned_shell
          condition: proc.name in (shells)
        - rule: Shell one
          desc: a shell
          condition: spawned_shell and evt.type = execve
          output: shell %proc.name
          priority: WARNING
        - rule: Shell two
          desc: a shell
          condition: spawned_shell
          output: shell %proc.name
          priority: WARNING
        """
    )
    result = load(text)
    assert not result.errors
    assert [rule.source for rule in result.ruleset.rules] == ["syscall", "syscall"]
    assert all(rule.unsupported for rule in result.ruleset.rules)
    first = result.ruleset.rules[0].node
    assert first is not None and not has_macro_ref(first)
    assert render(first) == 'proc.name in ("bash", "sh") and evt.type = execve'
    assert [str(w) for w in result.warnings] == [
        f"{result.ruleset.rules[0].location}: source 'syscall' is not read by jackwatch yet; "
        "2 rules loaded but not evaluated"
    ]


def test_skip_if_unknown_filter_turns_an_unknown_field_into_a_warning(load: Load) -> None:
    spec = only_rule(load(rule(condition="t.nope = 1", skip_if_unknown_filter="true")))
    assert spec.unsupported.startswith("rule 'Failed login' skipped (skip-if-unknown-filter)")


def test_unknown_output_field_is_a_warning(load: Load) -> None:
    result = load(rule().replace("%t.user", "%t.user %t.missing"))
    assert not result.errors
    assert any("output field(s) t.missing unknown" in str(w) for w in result.warnings)


def test_unknown_keys_and_items_are_warnings(load: Load) -> None:
    result = load(rule(colour="blue") + "- something: else\n")
    assert not result.errors
    texts = [str(w) for w in result.warnings]
    assert any("rules1.yaml:7: unknown key 'colour' ignored" in t for t in texts)
    assert any("rules1.yaml:8: unknown item ignored (keys: something)" in t for t in texts)


def test_falco_only_keys_are_accepted(load: Load) -> None:
    result = load(rule(warn_evttypes="false", capture="true", capture_duration="1000"))
    assert not result.errors and not result.warnings


def test_engine_version_is_recorded(load: Load, tmp_path: Path) -> None:
    result = load("- required_engine_version: 0.57.0\n- required_plugin_versions: []\n" + rule())
    assert result.ruleset.engine_versions == {str(tmp_path / "rules1.yaml"): "0.57.0"}


# ------------------------------------------------------------------------------------------- lists/macros


def test_lists_append_override_and_nest(load: Load) -> None:
    first = "- list: admins\n  items: [root]\n- list: people\n  items: [admins, bob]\n"
    later = dedent(
        """\
        - list: admins
          append: true
          items: [toor]
        - list: people
          items: [carol]
          override: {items: append}
        """
    )
    result = load(first, later)
    assert result.ruleset.lists["people"].items == ("root", "toor", "bob", "carol")
    replaced = load(first, "- list: admins\n  items: [ops]\n  override: {items: replace}\n")
    assert replaced.ruleset.lists["people"].items == ("ops", "bob")


def test_a_later_list_override_changes_the_rules_that_use_it(load: Load) -> None:
    allow = "- list: allowed\n  items: [alice]\n"
    text = allow + rule(condition="t.name = Login and not t.user in (allowed)")
    spec = only_rule(load(text, "- list: allowed\n  items: [alice, bob]\n  override: {items: replace}\n"))
    assert not matches(spec, "Login", user="bob")
    assert matches(spec, "Login", user="eve")


def test_macros_append_and_nest(load: Load) -> None:
    text = "- macro: login\n  condition: t.name = Login\n- macro: failed\n  condition: login and t.error exists\n"
    later = "- macro: login\n  append: true\n  condition: or t.name = SignIn\n"
    spec = only_rule(load(text, later, rule(condition="failed")))
    assert spec.node is not None and not has_macro_ref(spec.node)
    assert matches(spec, "SignIn", error="x")
    assert not matches(spec, "SignIn")
    assert load(text, later, rule(condition="failed")).ruleset.macros["login"].condition == (
        "t.name = Login or t.name = SignIn"
    )


def test_macro_override_replace(load: Load) -> None:
    text = "- macro: login\n  condition: t.name = Login\n"
    later = "- macro: login\n  condition: t.name = Enter\n  override: {condition: replace}\n"
    spec = only_rule(load(text, later, rule(condition="login")))
    assert matches(spec, "Enter") and not matches(spec, "Login")


# -------------------------------------------------------------------------------------------- exceptions


def test_exceptions_tuple_form_with_default_and_list_comps(load: Load) -> None:
    text = (
        "- list: lab_regions\n  items: [eu-west-3]\n"
        + rule(condition="t.name = Login")
        + block(
            """\
        exceptions:
          - name: known
            fields: [t.user, t.region]
            comps: [=, in]
            values:
              - [alice, [us-east-1, us-west-2]]
              - [bob, lab_regions]
          - name: defaults
            fields: [t.user, t.ip]
            values: [[carol, 10.0.0.1]]
        """
        )
    )
    spec = only_rule(load(text))
    assert [e.name for e in spec.exceptions] == ["known", "defaults"]
    assert spec.exceptions[1].comps == ("=", "=")
    assert not matches(spec, "Login", user="alice", region="us-west-2")
    assert matches(spec, "Login", user="alice", region="eu-west-1")
    assert not matches(spec, "Login", user="bob", region="eu-west-3")
    assert not matches(spec, "Login", user="carol", ip="10.0.0.1")
    assert matches(spec, "Login", user="carol", ip="10.0.0.2")


def test_exceptions_single_field_form_and_values_appended_later(load: Load) -> None:
    text = (
        rule(condition="t.name = Login")
        + "  exceptions:\n    - name: users\n      fields: t.user\n      values: [alice]\n"
    )
    later = dedent(
        """\
        - rule: Failed login
          exceptions:
            - name: users
              values: [bob]
            - name: networks
              fields: t.ip
              comps: startswith
              values: ["10."]
          override: {exceptions: append}
        """
    )
    spec = only_rule(load(text, later))
    assert spec.exceptions[0].values == (("alice",), ("bob",))
    for user in ("alice", "bob"):
        assert not matches(spec, "Login", user=user)
    assert not matches(spec, "Login", user="eve", ip="10.1.2.3")
    assert matches(spec, "Login", user="eve", ip="192.0.2.1")


def test_an_exception_without_values_adds_nothing(load: Load) -> None:
    spec = only_rule(load(rule() + "  exceptions:\n    - name: later\n      fields: [t.user]\n"))
    assert matches(spec, "Login", error="x", user="anyone")


# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("- rule: X\n  desc: d\n  output: o\n  priority: INFO\n  source: test\n", "missing condition", 1),
        ("- rule: X\n  condition: t.name = A\n  source: test\n", "missing output, desc, priority", 1),
        (rule().replace("priority: WARNING", "priority: LOUD"), "bad priority 'LOUD'", 5),
        (rule(severity="urgent"), "bad severity 'urgent'", 7),
        (rule(id="Bad Id"), "bad id 'Bad Id'", 7),
        (rule(mitre="[T99]"), "bad MITRE id(s) T99", 7),
        (rule(docs="{why: x, how: y}"), "unknown docs key 'how'", 7),
        (rule(tags="auth"), "tags must be a list of strings", 7),
        (rule(enabled="maybe"), "enabled must be true or false", 7),
        (rule(condition="t.name = A and"), "rule 'Failed login'", 3),
        (rule(condition="t.name = A and ghost and phantom"), "unknown macros 'ghost', 'phantom'", 3),
        (rule(condition="t.nope = A"), "unknown field 't.nope' for source 'test'", 3),
        (rule(condition="t.arg = A"), "field 't.arg' needs an argument", 3),
        ("- macro: m\n  condition: (a = b\n", "macro 'm'", 2),
        ("- list: l\n  items: [a, [b]]\n", "items must be a list of values", 2),
        ("- list: l\n  append: true\n  items: [a]\n", "list 'l' is appended to or overridden but not defined", 1),
        ("- macro: m\n  append: true\n  condition: a = b\n", "macro 'm' is appended to or overridden", 1),
        ("- rule: Nope\n  append: true\n  condition: and t.user = x\n", "rule 'Nope' is appended to or overridden", 1),
        ("- rule: Nope\n  enabled: false\n", "rule 'Nope' is enabled/disabled but not defined before", 1),
        ("- rule: 5\n", "rule name must be a non-empty string", 1),
        ("- rule: X\n  list: y\n", "an item has one of the keys rule, list, not several", 1),
        ("- 42\n", "an item must be a mapping", None),
        ("rule: X\n", "a rule file must be a list of items", 1),
        ("- rule: X\n  condition: [a\n", "YAML syntax error", 3),
        ("- required_plugin_versions: yes\n", "required_plugin_versions must be a list", 1),
        (rule() + "  exceptions: {name: x}\n", "exceptions must be a list", 7),
        (rule() + "  exceptions: [{fields: [t.user]}]\n", "an exception needs a name", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.user], comps: [=, =]}]\n", "one operator per field", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.user], comps: [[in]]}]\n", "unknown operator ['in']", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.user], comps: [near]}]\n", "unknown operator 'near'", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.user, t.ip], values: [[a]]}]\n", "needs 2 entries", 7),
        (
            rule() + "  exceptions: [{name: x, fields: [t.user], values: [[[a]]]}]\n",
            "bad value ['a'] for operator '='",
            7,
        ),
        (rule() + "  exceptions: [{name: x, fields: [t.user], values: 3}]\n", "values must be a list", 7),
        (rule() + "  exceptions: [{name: x, fields: 3}]\n", "fields must be a field or a list of fields", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.user], when: 1}]\n", "unknown key(s) ['when']", 7),
        (rule() + "  exceptions: [{name: x, fields: [t.nope], values: [[a]]}]\n", "unknown field 't.nope'", 3),
    ],
)
def test_each_error_has_its_message_and_line(load: Load, text: str, message: str, line: int | None) -> None:
    result = load(text)
    assert len(result.errors) == 1, error_text(result)
    (error,) = result.errors
    assert message in error.message
    assert error.location is not None and error.location.path.endswith("rules1.yaml")
    assert error.location.line == line


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  condition: and x = y\n  append: true\n  override: {condition: append}\n", "cannot be used together"),
        ("  condition: t.name = B\n  override: {condition: merge}\n", "must be append or replace"),
        ("  priority: INFO\n  override: {priority: append}\n", "'priority' cannot be appended"),
        ("  override: {condition: append}\n", "'condition' is given but the item has no 'condition'"),
        ("  condition: and x = y\n  output: more\n  override: {condition: append}\n", "key(s) output have no override"),
        ("  output: more\n  append: true\n", "append: true only appends condition and exceptions"),
    ],
)
def test_bad_overrides_are_errors(load: Load, change: str, message: str) -> None:
    result = load(rule(), "- rule: Failed login\n" + change)
    assert any(message in e.message for e in result.errors), error_text(result)
    assert all(e.location is not None and e.location.path.endswith("rules2.yaml") for e in result.errors)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("  threshold: {by: [t.user], count: 5}\n", "threshold.window: is required"),
        ("  threshold: {window: 1h, count: 0}\n", "threshold.count: must be a whole number ≥ 1"),
        ("  threshold: {window: 1h, count: 40%}\n", "a percentage needs both distinct: and universe:"),
        ("  threshold: {window: 1h, count: 3, distinct: t.ip, universe: nowhere}\n", "names no list: 'nowhere'"),
        ("  threshold: {window: soon, count: 3}\n", "threshold.window: 'soon' is not a duration"),
        ("  threshold: {window: 1h, count: 3, per: x}\n", "threshold.per: unknown key"),
        ("  threshold: {window: 1h, count: 3, by: [t.nope]}\n", "source 'test' has no field 't.nope'"),
        ("  threshold: {window: 1h, count: 3, distinct: t.arg}\n", "field 't.arg' needs an argument"),
        ("  threshold: 5\n", "threshold must be a mapping"),
        ("  threshold: {window: 1h, count: 3}\n  periodic: {window: 1h}\n", "use one of threshold, periodic"),
        ("  new_value: {field: t.ip}\n", "new_value.learning: is required"),
        ("  periodic: {window: 1h, min_count: 2}\n", "periodic.min_count: must be a whole number ≥ 3"),
        ("  periodic: {window: 1h, min_interval: 10m, max_interval: 5m}\n", "must not exceed max_interval"),
        ("  periodic: {window: 10m, max_interval: 1h}\n", "max_interval: must not exceed window"),
        ("  sequence: {within: 5m, steps: [{condition: t.name = A}]}\n", "at least 2 steps"),
        ("  sequence: {within: 5m, steps: [{condition: t.name = A}, {when: x}]}\n", "step 2 must be a mapping"),
    ],
)
def test_bad_stateful_blocks_are_errors(load: Load, block: str, message: str) -> None:
    result = load(rule() + block)
    assert len(result.errors) == 1, error_text(result)
    assert message in result.errors[0].message
    assert result.errors[0].location is not None and result.errors[0].location.line is not None


def test_a_bad_sequence_step_points_at_its_condition(load: Load) -> None:
    text = (
        rule()
        + "  sequence:\n    within: 5m\n    steps:\n      - condition: t.name = A\n      - condition: t.name = (\n"
    )
    (error,) = load(text).errors
    assert "step 2" in error.message
    assert error.location is not None and error.location.line == 11


def test_every_error_is_reported_and_good_items_still_load(load: Load) -> None:
    text = (
        rule("Good one")
        + rule("Bad field", condition="t.nope = 1")
        + rule("Bad macro", condition="ghost")
        + "- rule: No condition\n  desc: d\n  output: o\n  priority: INFO\n"
        + rule("Good two", condition="t.name = Two")
    )
    result = load(text, "- rule: [broken\n", rule("Good three", condition="t.name = Three"))
    assert [spec.name for spec in result.ruleset.rules] == ["Good one", "Good two", "Good three"]
    assert [(Path(e.location.path).name, e.location.line) for e in result.errors if e.location] == [
        ("rules1.yaml", 9),
        ("rules1.yaml", 15),
        ("rules1.yaml", 19),
        ("rules2.yaml", 2),
    ]
    assert not result.ok


def test_duplicate_ids_are_errors_with_both_places(load: Load) -> None:
    result = load(rule("First", id="auth.login"), rule("Second", id="auth.login"))
    (error,) = result.errors
    assert error.message.startswith("duplicate rule id 'auth.login': rule 'Second' and rule 'First'")
    assert error.location is not None and error.location.path.endswith("rules2.yaml")
    slugs = load(rule("Failed login!"), rule("failed  LOGIN"))
    assert [e.message.split(":")[0] for e in slugs.errors] == ["duplicate rule id 'failed_login'"]


def test_a_condition_error_points_at_the_line_and_column_in_the_file(load: Load) -> None:
    text = rule(condition=">\n    t.name = Login\n    and t.user = (bob\n    and t.ip exists")
    (error,) = load(text).errors
    assert error.location is not None
    assert (error.location.line, error.location.col) == (5, 18)
    assert str(error).startswith(f"{error.location.path}:5:18: rule 'Failed login': ")
    (error,) = load(rule(condition="t.name = Login and t.user = bob )")).errors
    assert error.location is not None and (error.location.line, error.location.col) == (3, 46)


def test_an_appended_condition_error_points_at_the_append(load: Load) -> None:
    result = load(rule(), "- rule: Failed login\n  append: true\n  condition: and (t.user = x\n")
    (error,) = result.errors
    assert error.location is not None and error.location.path.endswith("rules2.yaml")
    assert (error.location.line, error.location.col) == (3, 29)


def test_duplicate_yaml_keys_are_warnings_but_merge_keys_may_override(load: Load) -> None:
    text = rule(desc="again") + block(
        """\
        tests:
          - name: merged
            events:
              - &base {name: Login, time: "2026-01-01T00:00:00+00:00"}
              - <<: *base
                name: Logout
            expect: {matches: 0}
        """
    )
    result = load(text)
    assert [str(w) for w in result.warnings] == [
        f"{result.ruleset.rules[0].location.path}:7: duplicate key 'desc': the last one wins"
    ]


def test_unreadable_files_are_errors_and_the_rest_loads(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(rule(), encoding="utf-8")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe- rule: x")
    result = load_rules([tmp_path / "missing.yaml", binary, good], REGISTRY)
    assert [spec.name for spec in result.ruleset.rules] == ["Failed login"]
    assert [Path(e.location.path).name for e in result.errors if e.location] == ["missing.yaml", "binary.yaml"]
    assert all(e.message.startswith("cannot read rule file") for e in result.errors)


def test_load_texts_names_documents_by_the_given_path() -> None:
    result = load_texts([("<stdin>", rule(condition="t.name ="))], REGISTRY)
    (error,) = result.errors
    assert error.location is not None and error.location.path == "<stdin>"


def test_timestamps_in_rule_files_stay_text(load: Load) -> None:
    text = (
        rule()
        + "  tests:\n    - name: t\n      events: [{name: Login, time: 2026-01-01T00:00:00Z}]\n"
        + "      expect: {match: false}\n"
    )
    (test,) = only_rule(load(text)).tests
    assert test.records[0].record["time"] == "2026-01-01T00:00:00Z"


# ---------------------------------------------------------------------------------------- stateful/tests


def test_stateful_blocks_are_parsed(load: Load) -> None:
    text = (
        "- list: actions\n  items: [A, B, C, D, E]\n"
        + rule("Volume", threshold="{by: [t.user, t.model], window: 60m, count: 500}")
        + rule("Diverse", threshold="{by: t.user, window: 24h, distinct: t.name, universe: actions, count: 40%}")
        + rule("Learn", new_value="{by: [t.user], field: t.ip, learning: 7d}")
        + rule("Beat", periodic="{by: [t.user], window: 2h, min_interval: 30s, max_interval: 30m}")
    )
    volume, diverse, learn, beat = load(text).ruleset.rules
    assert volume.stateful == Threshold(("t.user", "t.model"), volume.stateful.window, 500)  # type: ignore[union-attr]
    assert isinstance(diverse.stateful, Threshold)
    assert diverse.stateful.universe == frozenset("ABCDE") and diverse.stateful.required == 2
    assert isinstance(learn.stateful, NewValue) and learn.stateful.learning.days == 7
    assert isinstance(beat.stateful, Periodic)
    assert (beat.stateful.min_count, beat.stateful.max_jitter) == (5, 0.25)


def test_a_sequence_needs_no_top_level_condition(load: Load) -> None:
    text = dedent(
        """\
        - macro: recon
          condition: t.name in (List, Describe)
        - rule: Recon then act
          desc: d
          output: o
          priority: INFO
          source: test
          sequence:
            by: [t.user]
            within: 15m
            steps:
              - name: recon
                condition: recon
              - condition: t.name = Act
        """
    )
    spec = only_rule(load(text))
    assert spec.node is None and spec.condition == ""
    assert isinstance(spec.stateful, Sequence)
    assert [step.name for step in spec.stateful.steps] == ["recon", ""]
    assert not has_macro_ref(spec.stateful.steps[0].node)
    assert spec.stateful.steps[1].location.line == 14


def test_inline_tests_are_parsed(load: Load) -> None:
    text = rule() + block(
        """\
        tests:
          - name: one
            events:
              - {name: Login, time: "2026-01-01T00:00:00+00:00", error: x}
              - repeat: 3
                every: 90s
                record: {name: Login, time: "2026-01-01T00:01:00+00:00"}
            expect: {matches: 1, key: []}
          - name: two
            events: []
            expect: {match: false}
        """
    )
    one, two = only_rule(load(text)).tests
    assert [r.repeat for r in one.records] == [1, 3]
    assert one.records[1].every.total_seconds() == 90
    assert one.records[0].location.line == 10 and one.records[1].location.line == 13
    assert one.expect.matches == 1 and one.expect.key == ()
    assert two.expect.matches is None and not two.expect.match


@pytest.mark.parametrize(
    ("tests", "message"),
    [
        ("[{name: t, events: [], expect: {}}]", "exactly one of matches or match"),
        ("[{name: t, events: [], expect: {matches: -1}}]", "expect.matches must be a whole number"),
        ("[{name: t, events: [], expect: {match: 1}}]", "expect.match must be true or false"),
        ("[{name: t, events: [], expect: {match: false, key: [a]}}]", "expect.key needs a match"),
        ("[{name: t, events: [1], expect: {match: true}}]", "events must be a list of records"),
        ("[{name: t, events: [], expect: {match: true}, when: now}]", "unknown key(s) ['when']"),
        ("[{events: [], expect: {match: true}}]", "a test needs a name"),
        ("[{name: t, events: [{repeat: 0, record: {}}], expect: {match: true}}]", "repeat must be a whole number"),
        ("[{name: t, events: [{repeat: 2, record: {}, every: x}], expect: {match: true}}]", "every: 'x' is not"),
        ("[{name: t, events: [{repeat: 2}], expect: {match: true}}]", "a repeated record needs repeat, record"),
        ("{name: t}", "tests must be a list"),
    ],
)
def test_bad_inline_tests_are_load_errors(load: Load, tests: str, message: str) -> None:
    result = load(rule(tests=tests))
    assert len(result.errors) == 1 and message in result.errors[0].message, error_text(result)


def test_builtin_rule_files_are_sorted_yaml_package_data() -> None:
    files = builtin_rule_files()
    assert files == sorted(files)
    assert all(path.suffix == ".yaml" and "content" in path.parts and path.is_file() for path in files)


@pytest.mark.parametrize(
    ("condition", "place"),
    [
        ('"t.name = Login and t.user = (bob"', (3, 43)),
        ("'t.name = Login and t.user = (bob'", (3, 43)),
        ("|\n    t.name = Login\n    and t.user = (bob", (5, 18)),
        ("t.name = Login\n    and t.user = (bob", (4, 18)),
    ],
    ids=["double-quoted", "single-quoted", "literal-block", "plain-multiline"],
)
def test_condition_columns_follow_each_yaml_style(load: Load, condition: str, place: tuple[int, int]) -> None:
    (error,) = load(rule(condition=condition)).errors
    assert error.location is not None and (error.location.line, error.location.col) == place


_KEYS = st.sampled_from(
    [
        "rule", "macro", "list", "items", "condition", "output", "desc", "priority", "severity", "source",
        "tags", "enabled", "append", "override", "exceptions", "name", "fields", "comps", "values", "id",
        "mitre", "docs", "threshold", "sequence", "new_value", "periodic", "tests", "by", "window", "count",
        "steps", "events", "expect", "matches", "repeat", "record", "within", "field", "learning", 1, None,
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.sampled_from(["t.name = A", "test", "INFO", "1h", "40%", "t.user", "append", "replace", "=", "in", "("]),
    st.integers(-2, 3),
    st.booleans(),
    st.none(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=6), max_size=4))
def test_any_item_structure_gives_errors_not_crashes(items: list[dict[object, object]]) -> None:
    result = load_texts([("<fuzz>", yaml.safe_dump(items))], REGISTRY)
    assert all(error.location is not None and error.location.path == "<fuzz>" for error in result.errors)
