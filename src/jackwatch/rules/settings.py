"""User settings for rules: enable or disable, change the severity, tune thresholds and windows.

A settings file (``jackwatch.yaml``) holds a ``rules:`` mapping from rule id to its changes::

    rules:
      aws.bedrock.invocation_volume: {threshold: {count: 2000, window: 30m}, severity: critical}
      aws.bedrock.new_source: {enabled: false}
      aws.bedrock.recon_then_invoke: {sequence: {within: 30m}}
      aws.bedrock.logging_recon: {new_value: {learning: 14d}}
      aws.bedrock.logging_heartbeat: {periodic: {min_count: 4, max_jitter: 0.3}}

Allowlists are not settings: they are Falco lists in the rule files, replaced from a later rule file
with ``override: {items: replace}``. Every problem is reported at once, with its location.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from jackwatch.errors import ConfigError, Location, YamlError
from jackwatch.model import Severity
from jackwatch.rules.spec import NewValue, Periodic, RuleSet, RuleSpec, Sequence, Spike, StatefulSpec, Threshold
from jackwatch.rules.stateful import SpecError, override_stateful
from jackwatch.yamlsource import YamlMap, read_yaml

_STATEFUL: dict[str, type] = {
    "threshold": Threshold,
    "sequence": Sequence,
    "new_value": NewValue,
    "periodic": Periodic,
    "spike": Spike,
}
_KEYS = frozenset({"enabled", "severity", *_STATEFUL})


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """The changes asked for one rule; ``None`` leaves a value as the rule file has it."""

    enabled: bool | None = None
    severity: Severity | None = None
    stateful_kind: str | None = None
    stateful: Mapping[str, object] | None = None
    location: Location | None = None


def load_settings(path: str | Path) -> dict[str, RuleSetting]:
    """Read the ``rules:`` section of a settings file; raise :class:`ConfigError` listing every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        documents = read_yaml(text, str(path)).values
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc}") from None
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    if len(documents) > 1:
        raise ConfigError(f"{path}: a settings file holds one YAML document")
    data = documents[0] if documents else None
    if data is None:
        return {}
    if not isinstance(data, YamlMap):
        raise ConfigError(f"{path}:1: settings must be a mapping with a rules: section")
    unknown = [str(key) for key in data if key != "rules"]
    if unknown:
        raise ConfigError(f"{data.location(unknown[0])}: unknown setting section(s) {unknown} (expected rules)")
    return parse_settings(data.get("rules"), data.location("rules"))


def parse_settings(data: object, location: Location) -> dict[str, RuleSetting]:
    """Read a rule-id → changes mapping (``location`` is where it starts); raise :class:`ConfigError`."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{location}: rules must map rule ids to their settings")
    problems: list[str] = []
    settings: dict[str, RuleSetting] = {}
    for rule_id, changes in data.items():
        where = data.location(str(rule_id)) if isinstance(data, YamlMap) else location
        if not isinstance(changes, Mapping):
            problems.append(f"{where}: rule {rule_id!r}: settings must be a mapping")
            continue
        try:
            settings[str(rule_id)] = _setting(changes, where)
        except ValueError as exc:
            problems.append(f"{where}: rule {rule_id!r}: {exc}")
    if problems:
        raise ConfigError("invalid rule settings:\n" + "\n".join(problems))
    return settings


def _setting(changes: Mapping[object, object], where: Location) -> RuleSetting:
    unknown = sorted(str(key) for key in changes if key not in _KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} (expected {', '.join(sorted(_KEYS))})")
    enabled = changes.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ValueError(f"enabled must be true or false, not {enabled!r}")
    severity = changes.get("severity")
    try:
        level = Severity(str(severity).strip().lower()) if severity is not None else None
    except ValueError:
        raise ValueError(f"bad severity {severity!r} (one of {', '.join(s.value for s in Severity)})") from None
    kinds = [str(key) for key in changes if key in _STATEFUL]
    if len(kinds) > 1:
        raise ValueError(f"use one of {', '.join(kinds)}, not several")
    block = changes[kinds[0]] if kinds else None
    if block is not None and not isinstance(block, Mapping):
        raise ValueError(f"{kinds[0]} must be a mapping")
    stateful = {str(key): value for key, value in block.items()} if block is not None else None
    return RuleSetting(enabled, level, kinds[0] if kinds else None, stateful, where)


def apply_settings(ruleset: RuleSet, settings: Mapping[str, RuleSetting]) -> RuleSet:
    """A new rule set with ``settings`` applied; raise :class:`ConfigError` listing every problem."""
    by_id = {rule.id: rule for rule in ruleset.rules}
    problems: list[str] = []
    changed: dict[str, RuleSpec] = {}
    for rule_id, setting in settings.items():
        where = f"{setting.location}: " if setting.location else ""
        rule = by_id.get(rule_id)
        if rule is None:
            close = difflib.get_close_matches(rule_id, list(by_id), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}unknown rule id {rule_id!r}{hint}")
            continue
        try:
            changed[rule_id] = _apply(rule, setting)
        except ValueError as exc:
            problems.append(f"{where}rule {rule_id!r}: {exc}")
    if problems:
        raise ConfigError("invalid rule settings:\n" + "\n".join(problems))
    return replace(ruleset, rules=tuple(changed.get(rule.id, rule) for rule in ruleset.rules))


def _apply(rule: RuleSpec, setting: RuleSetting) -> RuleSpec:
    stateful: StatefulSpec | None = rule.stateful
    if setting.stateful_kind is not None and setting.stateful is not None:
        if not isinstance(stateful, _STATEFUL[setting.stateful_kind]):
            raise ValueError(f"the rule has no {setting.stateful_kind} block")
        assert stateful is not None
        try:
            stateful = override_stateful(stateful, setting.stateful)
        except SpecError as exc:
            raise ValueError(f"{setting.stateful_kind}.{exc}") from None
    return replace(
        rule,
        enabled=rule.enabled if setting.enabled is None else setting.enabled,
        severity=setting.severity or rule.severity,
        stateful=stateful,
    )
