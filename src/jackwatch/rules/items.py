"""Read and check the values of one rule-file item (names, strings, priority, ids, MITRE, docs, tests).

Every reader raises :class:`ItemError` with the location of the offending value; the loader records
it and drops the item.
"""

from __future__ import annotations

import re

from jackwatch.errors import Location, RuleLoadError
from jackwatch.model import Severity
from jackwatch.rules.spec import Expectation, InlineRecord, InlineTest, RuleDocs
from jackwatch.rules.stateful import parse_duration
from jackwatch.yamlsource import Scalar, YamlMap

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_MITRE_ID = re.compile(r"(?:T\d{4}(?:\.\d{3})?|TA\d{4}|AML\.T\d{4}(?:\.\d{3})?)")
_TACTICS = {
    "mitre_reconnaissance": "TA0043",
    "mitre_resource_development": "TA0042",
    "mitre_initial_access": "TA0001",
    "mitre_execution": "TA0002",
    "mitre_persistence": "TA0003",
    "mitre_privilege_escalation": "TA0004",
    "mitre_defense_evasion": "TA0005",
    "mitre_credential_access": "TA0006",
    "mitre_discovery": "TA0007",
    "mitre_lateral_movement": "TA0008",
    "mitre_collection": "TA0009",
    "mitre_command_and_control": "TA0011",
    "mitre_exfiltration": "TA0010",
    "mitre_impact": "TA0040",
}
"""Falco's ``mitre_<tactic>`` tags and the ATT&CK tactic ids they stand for."""

_DOCS_KEYS = frozenset({"why", "false_positives", "response"})
_TEST_KEYS = frozenset({"name", "events", "expect"})
_EXPECT_KEYS = frozenset({"matches", "match", "key"})
_REPEAT_KEYS = frozenset({"repeat", "every", "record"})

MAX_REPEAT = 100_000
"""Most copies one repeated test record may ask for."""


class ItemError(Exception):
    """One item is invalid; ``error`` carries the message and location to report."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.error = RuleLoadError(message, location)


def name_of(item: YamlMap, kind: str) -> str:
    """The name given by the item's ``list``/``macro``/``rule`` key."""
    name = item[kind]
    if not isinstance(name, str) or not name.strip():
        raise ItemError(f"{kind} name must be a non-empty string, not {name!r}", item.location(kind))
    return name


def string(item: YamlMap, key: str, where: str) -> str:
    """A string value, stripped."""
    value = item[key]
    if not isinstance(value, str):
        raise ItemError(f"{where}: {key} must be a string, not {value!r}", item.location(key))
    return value.strip()


def boolean(item: YamlMap, key: str, default: bool) -> bool:
    """A ``true``/``false`` value (``default`` when absent)."""
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise ItemError(f"{key} must be true or false, not {value!r}", item.location(key))
    return value


def strings(item: YamlMap, key: str, where: str) -> list[str]:
    """A list of strings (empty when absent or null)."""
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ItemError(f"{where}: {key} must be a list of strings", item.location(key))
    return list(value)


def condition(item: YamlMap, where: str) -> Scalar:
    """The ``condition`` text with its place in the file."""
    if "condition" not in item:
        raise ItemError(f"{where}: missing condition", item.location())
    scalar = item.scalar("condition")
    if scalar is None:
        raise ItemError(f"{where}: condition must be a string", item.location("condition"))
    return scalar


def priority(item: YamlMap, where: str) -> str:
    """A Falco priority (``WARNING``, ``critical``, ``informational``…)."""
    value = item["priority"]
    try:
        Severity.from_priority(str(value))
    except ValueError:
        raise ItemError(f"{where}: bad priority {value!r}", item.location("priority")) from None
    return str(value)


def severity(item: YamlMap, where: str) -> Severity:
    """A jackwatch severity (``critical`` … ``info``)."""
    value = item["severity"]
    try:
        return Severity(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise ItemError(f"{where}: bad severity {value!r} (one of {allowed})", item.location("severity")) from None


def rule_id(item: YamlMap, where: str) -> str:
    """An explicit rule ``id``: lowercase letters, digits, ``.``, ``_`` and ``-``."""
    value = item["id"]
    if not isinstance(value, str) or not _ID.fullmatch(value):
        message = f"{where}: bad id {value!r} (lowercase letters, digits, '.', '_', '-')"
        raise ItemError(message, item.location("id"))
    return value


def slug(name: str, location: Location) -> str:
    """The id of a rule without ``id:``: its name in lowercase, other characters turned into ``_``."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not text:
        raise ItemError(f"rule {name!r}: no id can be made from its name; add id:", location)
    return text


def mitre(item: YamlMap, where: str) -> list[str]:
    """The explicit ``mitre:`` ids (ATT&CK techniques ``T1496.004``, tactics ``TA0040``, ATLAS ``AML.T…``)."""
    values = strings(item, "mitre", where)
    bad = [v for v in values if not _MITRE_ID.fullmatch(v)]
    if bad:
        raise ItemError(f"{where}: bad MITRE id(s) {', '.join(bad)}", item.location("mitre"))
    return values


def all_mitre(explicit: list[str], tags: list[str]) -> tuple[str, ...]:
    """Explicit MITRE ids, then those found in tags (``T1059``, ``mitre_execution`` → ``TA0002``)."""
    found = [*explicit]
    for tag in tags:
        mitre_id = tag if _MITRE_ID.fullmatch(tag) else _TACTICS.get(tag)
        if mitre_id is not None:
            found.append(mitre_id)
    return tuple(dict.fromkeys(found))


def docs(item: YamlMap, where: str) -> RuleDocs:
    """The ``docs:`` mapping (``why``, ``false_positives``, ``response``)."""
    value = item.get("docs")
    if value is None:
        return RuleDocs()
    if not isinstance(value, YamlMap):
        raise ItemError(f"{where}: docs must be a mapping", item.location("docs"))
    for key, text in value.items():
        if key not in _DOCS_KEYS:
            allowed = ", ".join(sorted(_DOCS_KEYS))
            raise ItemError(f"{where}: unknown docs key {key!r} (one of {allowed})", value.location(str(key)))
        if not isinstance(text, str):
            raise ItemError(f"{where}: docs.{key} must be a string", value.location(str(key)))
    return RuleDocs(**{str(key): str(text).strip() for key, text in value.items()})


def tests(item: YamlMap, where: str) -> list[InlineTest]:
    """The inline ``tests:`` of a rule."""
    value = item.get("tests")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ItemError(f"{where}: tests must be a list", item.location("tests"))
    return [_test(entry, where, item) for entry in value]


def _test(entry: object, where: str, item: YamlMap) -> InlineTest:
    if not isinstance(entry, YamlMap):
        raise ItemError(f"{where}: a test must be a mapping with name, events and expect", item.location("tests"))
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ItemError(f"{where}: a test needs a name", entry.location())
    label = f"{where} test {name!r}"
    unknown = set(entry) - _TEST_KEYS
    if unknown:
        raise ItemError(f"{label}: unknown key(s) {sorted(map(str, unknown))}", entry.location())
    events = entry.get("events")
    if not isinstance(events, list) or not all(isinstance(e, YamlMap) for e in events):
        raise ItemError(f"{label}: events must be a list of records (mappings)", entry.location("events"))
    records = tuple(_record(event, label) for event in events)
    expect = entry.get("expect")
    if not isinstance(expect, YamlMap):
        raise ItemError(f"{label}: expect must be {{matches: N}} or {{match: true|false}}", entry.location())
    return InlineTest(
        name=name,
        records=records,
        expect=_expectation(expect, label),
        location=entry.location(),
    )


def _record(event: YamlMap, label: str) -> InlineRecord:
    """A raw record, or ``{repeat: N, every: 3m, record: {…}}`` for N copies ``every`` apart."""
    if "repeat" not in event:
        return InlineRecord(event, event.location())
    unknown = set(event) - _REPEAT_KEYS
    record = event.get("record")
    if unknown or not isinstance(record, YamlMap):
        raise ItemError(
            f"{label}: a repeated record needs repeat, record (a mapping) and optionally every", event.location()
        )
    repeat = event["repeat"]
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise ItemError(f"{label}: repeat must be a whole number from 1 to {MAX_REPEAT}", event.location("repeat"))
    try:
        every = parse_duration(event.get("every", 0))
    except ValueError as exc:
        raise ItemError(f"{label}: every: {exc}", event.location("every")) from None
    return InlineRecord(record, record.location(), repeat, every)


def _expectation(expect: YamlMap, label: str) -> Expectation:
    unknown = set(expect) - _EXPECT_KEYS
    if unknown:
        raise ItemError(f"{label}: unknown expect key(s) {sorted(map(str, unknown))}", expect.location())
    if ("matches" in expect) == ("match" in expect):
        raise ItemError(f"{label}: expect needs exactly one of matches or match", expect.location())
    matches: int | None
    if "match" in expect:
        match = expect["match"]
        if not isinstance(match, bool):
            raise ItemError(f"{label}: expect.match must be true or false", expect.location("match"))
        matches = None
    else:
        matches = expect["matches"]
        if isinstance(matches, bool) or not isinstance(matches, int) or matches < 0:
            raise ItemError(f"{label}: expect.matches must be a whole number ≥ 0", expect.location("matches"))
        match = matches > 0
    key = expect.get("key")
    if key is not None and (not isinstance(key, list) or not all(isinstance(k, str | int | float) for k in key)):
        raise ItemError(f"{label}: expect.key must be a list of values", expect.location("key"))
    if key is not None and not match:
        raise ItemError(f"{label}: expect.key needs a match", expect.location("key"))
    return Expectation(matches, match, tuple(map(str, key)) if key is not None else None)
