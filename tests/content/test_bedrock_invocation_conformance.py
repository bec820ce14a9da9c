"""Conformance with Panther's labelled Bedrock model invocation log events.

Every record parses into an event with the right operation, time, principal, model and tokens; where Panther's
GuardrailIntervened rule gives a verdict, ``bedrock.guardrail`` agrees with it (Panther's rule looks only at
InvokeModel and Converse; the other records carry no guardrail outcome, so the field is missing there too).
AbnormalTokenUsage compares one record with fixed per-model limits, which jackwatch replaces with each principal's
own baseline (``aws.bedrock.token_spike``): only its token counts are checked here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.datasets import DATASETS, needs

from jackwatch.model import Event
from jackwatch.rules.fields.bedrock_invocation import bedrock_invocation_fields
from jackwatch.sources.bedrock_invocation import SOURCE, to_event

CORPUS = DATASETS / "panther-analysis-tests" / "aws_bedrock_model_invocation.jsonl"
FIELDS = bedrock_invocation_fields()


def _cases() -> list[dict[str, Any]]:
    if not CORPUS.is_file():
        return []
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


CASES = _cases()
IDS = [f"{case['rule_id']}: {case['test_name']}" for case in CASES]
pytestmark = needs(CORPUS)


def field(event: Event, name: str) -> object:
    return FIELDS.fields[name].extract(event, None)


def test_the_corpus_has_both_rules() -> None:
    assert {case["rule_id"] for case in CASES} == {
        "AWS.BedrockModelInvocation.GuardRailIntervened",
        "AWS.BedrockModelInvocation.AbnormalTokenUsage",
    }


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_record_parses_into_an_event_with_its_fields(case: dict[str, Any]) -> None:
    log = case["log"]
    event = to_event(log, str(CORPUS))
    assert (event.source, event.name, event.id) == (SOURCE, log["operation"], log["requestId"])
    assert event.time.tzinfo is UTC and event.time.date() == datetime(2025, 5, 15).date()
    role = log["identity"]["arn"].split("/")[1]
    assert field(event, "bedrock.principal") == f"arn:aws:iam::111111111111:role/{role}"
    assert (field(event, "bedrock.account"), field(event, "bedrock.region")) == ("111111111111", "us-west-2")
    assert field(event, "bedrock.model") == "anthropic.claude-3-haiku-20240307-v1:0"
    assert field(event, "bedrock.error") is False and field(event, "bedrock.secrets") == ()
    assert isinstance(field(event, "bedrock.prompt_chars"), int)


@pytest.mark.parametrize(
    "case", [c for c in CASES if "GuardRail" in c["rule_id"]], ids=[i for i in IDS if "GuardRail" in i]
)
def test_guardrail_verdicts_agree_with_panthers_labels(case: dict[str, Any]) -> None:
    event = to_event(case["log"], str(CORPUS))
    assert (field(event, "bedrock.guardrail") == "intervened") is case["expected_result"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if "TokenUsage" in c["rule_id"]], ids=[i for i in IDS if "TokenUsage" in i]
)
def test_token_counts_of_the_abnormal_usage_records(case: dict[str, Any]) -> None:
    log = case["log"]
    event = to_event(log, str(CORPUS))
    usage = log["output"]["outputBodyJson"]["usage"]
    assert field(event, "bedrock.input_tokens") == log["input"]["inputTokenCount"] == 0
    assert field(event, "bedrock.output_tokens") == log["output"]["outputTokenCount"] == 0
    assert field(event, "bedrock.total_tokens") == usage["totalTokens"]
    assert (usage["totalTokens"] > 0) is (field(event, "bedrock.total_tokens") != 0) is case["expected_result"]
