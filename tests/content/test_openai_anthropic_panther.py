"""Conformance with Panther's labelled OpenAI audit and Anthropic activity events.

Every labelled event must become an event of its source and go through the whole built-in pack. Where Panther has a
rule for the behaviour a built-in rule detects, both must give the same verdict on Panther's labelled events, except
where jackwatch disagrees on purpose (listed in DELIBERATE, with the reason).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from tests.datasets import DATASETS, needs

from jackwatch.detect.service import Detector, RuleSelection, build_detector
from jackwatch.model import Event
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import Engine
from jackwatch.sources.anthropic import to_event as anthropic_event
from jackwatch.sources.openai import to_event as openai_event

CORPUS = DATASETS / "panther-analysis-tests"
OPENAI = CORPUS / "openai_audit.jsonl"
ANTHROPIC = CORPUS / "anthropic_activity.jsonl"

EQUIVALENT_RULES = {
    "OpenAI.API.Key.Anomalous.Activity": "openai.key_elevated_scope",
    "OpenAI.Admin.Role.Assignment": "openai.admin.role_assigned",
    "OpenAI.IP.Allowlist.Changes": "openai.ip_allowlist.weakened",
    "Anthropic.Activity.Admin.API.Key.Created": "anthropic.admin.api_key_created",
    "Anthropic.Activity.Primary.Owner.Transferred": "anthropic.org.member_role_elevated",
    "Anthropic.Activity.Role.Granted": "anthropic.org.member_role_elevated",
    "Anthropic.Activity.Spend.Limit.Deleted": "anthropic.org.spend_limit_removed",
    "Anthropic.Activity.IP.Restriction.Deleted": "anthropic.org.ip_restriction_removed",
}
"""Panther rule id → the built-in rule that detects the same behaviour."""

DELIBERATE = {
    ("OpenAI.IP.Allowlist.Changes", "IP allowlist created - Alert MEDIUM"): (
        "creating an allowlist restricts access; openai.ip_allowlist.weakened reports only removals and openings"
    ),
    ("OpenAI.IP.Allowlist.Changes", "IP allowlist activated - Alert MEDIUM"): (
        "activating an allowlist restricts access; openai.ip_allowlist.weakened reports only removals and openings"
    ),
    ("Anthropic.Activity.Role.Granted", "Role granted"): (
        "Panther records every grant (info); anthropic.org.member_role_elevated reports admin and owner roles only,"
        " and this grant is chat_project:viewer"
    ),
}
"""Labelled cases where the built-in rule gives the opposite verdict on purpose, and why."""

MakeEvent = Callable[[Mapping[str, Any], str], Event]


def _cases(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


SOURCES: dict[str, tuple[Path, MakeEvent]] = {
    "openai_audit": (OPENAI, openai_event),
    "anthropic_activity": (ANTHROPIC, anthropic_event),
}
CASES = [(source, case) for source, (path, _) in SOURCES.items() for case in _cases(path)]
LABELLED = [(source, case) for source, case in CASES if case["rule_id"] in EQUIVALENT_RULES]
pytestmark = [needs(OPENAI), needs(ANTHROPIC)]


@lru_cache(maxsize=1)
def detector() -> Detector:
    return build_detector(RuleSelection(), AsnDb.load())


def matched_rules(source: str, record: dict[str, Any]) -> set[str]:
    """The built-in rules one record, alone, makes match."""
    path, make_event = SOURCES[source]
    engine = Engine(detector().compiled)
    return {match.rule.id for match in engine.process(make_event(record, str(path)))}


def case_id(item: tuple[str, dict[str, Any]]) -> str:
    return f"{item[1]['rule_id']}: {item[1]['test_name']}"


def test_every_labelled_event_of_both_sources_is_read() -> None:
    counts = {source: sum(1 for name, _ in CASES if name == source) for source in SOURCES}
    assert counts == {"openai_audit": 33, "anthropic_activity": 38}
    for source, case in CASES:
        path, make_event = SOURCES[source]
        event = make_event(case["log"], str(path))
        assert event.source == source and event.name == case["log"]["type"]
        assert event.id == case["log"]["id"]


@pytest.mark.parametrize(("source", "case"), LABELLED, ids=list(map(case_id, LABELLED)))
def test_verdicts_agree_with_panthers_labels(source: str, case: dict[str, Any]) -> None:
    ours = EQUIVALENT_RULES[case["rule_id"]]
    expected = case["expected_result"]
    if (case["rule_id"], case["test_name"]) in DELIBERATE:
        expected = not expected
    assert (ours in matched_rules(source, case["log"])) is expected


def test_the_deliberate_disagreements_are_labelled_cases() -> None:
    labelled = {(case["rule_id"], case["test_name"]) for _, case in LABELLED}
    assert set(DELIBERATE) <= labelled


def test_the_labelled_cases_cover_both_verdicts_for_every_equivalent_rule() -> None:
    verdicts: dict[str, set[bool]] = {}
    for _, case in LABELLED:
        verdicts.setdefault(case["rule_id"], set()).add(case["expected_result"])
    assert set(verdicts) == set(EQUIVALENT_RULES)
    both = {rule for rule, seen in verdicts.items() if seen == {True, False}}
    assert both == set(EQUIVALENT_RULES)


def test_every_labelled_event_goes_through_the_whole_pack() -> None:
    engine = Engine(detector().compiled)
    for source, case in CASES:
        path, make_event = SOURCES[source]
        engine.process(make_event(case["log"], str(path)))
