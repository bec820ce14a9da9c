from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from jackwatch.errors import ConfigError, Location
from jackwatch.model import Severity
from jackwatch.rules.loader import LoadResult
from jackwatch.rules.settings import RuleSetting, apply_settings, load_settings, parse_settings
from jackwatch.rules.spec import RuleSet, Sequence, Threshold

Load = Callable[..., LoadResult]

RULES = """\
- rule: Volume
  id: test.volume
  desc: d
  condition: t.name = Call
  output: o
  priority: WARNING
  source: test
  threshold: {by: [t.user], window: 60m, count: 500}
- rule: Chain
  id: test.chain
  desc: d
  output: o
  priority: INFO
  source: test
  sequence: {within: 15m, steps: [{condition: t.name = A}, {condition: t.name = B}]}
"""


@pytest.fixture
def ruleset(load: Load) -> RuleSet:
    result = load(RULES)
    assert not result.errors
    return result.ruleset


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jackwatch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_change_a_copy_of_the_rules(ruleset: RuleSet, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n"
        "  test.volume: {threshold: {count: 2000, window: 30m}, severity: Critical}\n"
        "  test.chain: {enabled: false, sequence: {within: 1h}}\n",
    )
    changed = apply_settings(ruleset, load_settings(path))
    volume, chain = changed.rules
    assert isinstance(volume.stateful, Threshold)
    assert (volume.stateful.count, volume.stateful.window) == (2000, timedelta(minutes=30))
    assert volume.severity is Severity.CRITICAL and volume.enabled
    assert isinstance(chain.stateful, Sequence) and chain.stateful.within == timedelta(hours=1)
    assert not chain.enabled
    original = ruleset.rule("test.volume")
    assert isinstance(original.stateful, Threshold) and original.stateful.count == 500


def test_empty_settings_change_nothing(ruleset: RuleSet, tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")) == {}
    assert load_settings(write(tmp_path, "rules:\n")) == {}
    assert apply_settings(ruleset, {}).rules == ruleset.rules


def test_every_problem_is_reported_with_its_place(ruleset: RuleSet, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n"
        "  test.volum: {enabled: false}\n"
        "  test.chain: {threshold: {count: 3}}\n"
        "  test.volume: {threshold: {count: 0}}\n",
    )
    with pytest.raises(ConfigError) as raised:
        apply_settings(ruleset, load_settings(path))
    assert str(raised.value).splitlines() == [
        "invalid rule settings:",
        f"{path}:2: unknown rule id 'test.volum' (did you mean 'test.volume'?)",
        f"{path}:3: rule 'test.chain': the rule has no threshold block",
        f"{path}:4: rule 'test.volume': threshold.count: must be a whole number ≥ 1, not 0",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  test.volume: {enable: false}\n", ":2: rule 'test.volume': unknown key(s) ['enable']"),
        ("rules:\n  test.volume: {enabled: sometimes}\n", "enabled must be true or false"),
        ("rules:\n  test.volume: {severity: dire}\n", "bad severity 'dire'"),
        ("rules:\n  test.volume: off\n", "settings must be a mapping"),
        ("rules:\n  test.volume: {threshold: {count: 1}, periodic: {window: 1h}}\n", "use one of threshold, periodic"),
        ("rules:\n  test.volume: {threshold: 5}\n", "threshold must be a mapping"),
        ("rules: [a]\n", "rules must map rule ids to their settings"),
        ("detect: {}\n", "unknown setting section(s) ['detect'] (expected rules)"),
        ("- a\n", "settings must be a mapping with a rules: section"),
        ("rules: {a: [}\n", "YAML syntax error"),
        ("rules: {}\n---\nrules: {}\n", "holds one YAML document"),
    ],
)
def test_bad_settings_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as raised:
        load_settings(write(tmp_path, text))
    assert message in str(raised.value)


def test_unreadable_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read settings file"):
        load_settings(tmp_path / "absent.yaml")


def test_parse_settings_of_plain_data(ruleset: RuleSet) -> None:
    settings = parse_settings({"test.volume": {"severity": "low"}}, Location("<config>"))
    assert settings == {"test.volume": RuleSetting(severity=Severity.LOW, location=Location("<config>"))}
    assert apply_settings(ruleset, settings).rule("test.volume").severity is Severity.LOW
