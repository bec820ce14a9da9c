"""Conformance with a labelled third-party corpus: Panther's unit-test CloudTrail events.

Panther ships two Bedrock CloudTrail detections with labelled events; the equivalent built-in rules must give the
same verdict on every one of them. Every labelled CloudTrail event must also go through the source and the whole
pack without an error.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest
from tests.datasets import DATASETS, needs

from jackwatch.detect.service import Detector, RuleSelection, build_detector
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import Engine
from jackwatch.sources.cloudtrail import to_event
from jackwatch.sources.reading.records import RecordError

CORPUS = DATASETS / "panther-analysis-tests"
CLOUDTRAIL = CORPUS / "aws_cloudtrail.jsonl"

EQUIVALENT_RULES = {
    "AWS.Bedrock.DeleteModelInvocationLoggingConfiguration": "aws.bedrock.logging_tampered",
    "AWS.Bedrock.GuardrailUpdateDelete": "aws.bedrock.guardrail_tampered",
}
"""Panther rule id → the built-in rule that detects the same behaviour."""


def _cases() -> list[dict[str, Any]]:
    if not CLOUDTRAIL.is_file():
        return []
    return [json.loads(line) for line in CLOUDTRAIL.read_text(encoding="utf-8").splitlines() if line.strip()]


CASES = _cases()
pytestmark = needs(CLOUDTRAIL)


@lru_cache(maxsize=1)
def detector() -> Detector:
    return build_detector(RuleSelection(), AsnDb.load())


def matched_rules(record: dict[str, Any]) -> set[str]:
    """The built-in rules one record, alone, makes match."""
    engine = Engine(detector().compiled)
    return {match.rule.id for match in engine.process(to_event(record, str(CLOUDTRAIL)))}


LABELLED = [case for case in CASES if case["rule_id"] in EQUIVALENT_RULES]


@pytest.mark.parametrize("case", LABELLED, ids=[f"{case['rule_id']}: {case['test_name']}" for case in LABELLED])
def test_bedrock_verdicts_agree_with_panthers_labels(case: dict[str, Any]) -> None:
    ours = EQUIVALENT_RULES[case["rule_id"]]
    assert (ours in matched_rules(case["log"])) is case["expected_result"]


def test_the_labelled_bedrock_cases_cover_both_verdicts() -> None:
    assert {case["expected_result"] for case in LABELLED} == {True, False}
    assert {case["rule_id"] for case in LABELLED} == set(EQUIVALENT_RULES)


def test_every_labelled_cloudtrail_event_goes_through_the_whole_pack() -> None:
    engine = Engine(detector().compiled)
    processed, rejected = 0, []
    for case in CASES:
        try:
            event = to_event(case["log"], str(CLOUDTRAIL))
        except RecordError as error:  # Panther's partial records: no name, or a redacted time
            rejected.append(error.reason)
            continue
        engine.process(event)
        processed += 1
    assert processed + len(rejected) == len(CASES)
    assert processed > 4 * len(rejected)  # 445 complete records in this copy; the rest are fragments
    assert set(rejected) <= {"missing_field", "invalid_field"}
