"""Fields of the llm_usage source on usage rows read from real export layouts, and in rule conditions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.sources.usage.exports import AZURE_DAY, BEDROCK_HOUR, read, write_azure_csv, write_cur2_csv

from jackwatch.model import Event
from jackwatch.rules.fields.usage import usage_fields
from jackwatch.rules.inline_tests import run_inline_tests
from jackwatch.rules.loader import load_texts
from jackwatch.rules.sources import EventSource, SourceRegistry
from jackwatch.sources.usage import Provider, UsageRow, event_from_record, to_event

FIELDS = usage_fields()
START = datetime(2026, 3, 1, 10, tzinfo=UTC)
ROW = UsageRow(
    provider=Provider.AWS_BEDROCK,
    account="111122223333",
    start=START,
    end=START + timedelta(hours=1),
    origin="cur.csv",
    line=2,
    key="arn:aws:iam::111122223333:user/ci-deploy",
    model="Claude3.5Sonnet",
    model_normalized="claude-3.5-sonnet",
    region="us-east-1",
    input_tokens=90_000_000,
    output_tokens=6_000_000,
    cache_read_tokens=4_000_000,
    cost=Decimal("420.00"),
    currency="USD",
    cost_usd=Decimal("420.00"),
    usage_type="USE1-Claude3.5Sonnet-input-tokens",
    description="Amazon Bedrock USE1-Claude3.5Sonnet-input-tokens",
)


def value(name: str, event: Event) -> object:
    return FIELDS.fields[name].extract(event, None)


def test_every_field_of_a_bedrock_row() -> None:
    event = to_event(ROW)
    assert {name: value(name, event) for name in FIELDS.fields} == {
        "usage.provider": "aws_bedrock",
        "usage.account": "111122223333",
        "usage.key": "arn:aws:iam::111122223333:user/ci-deploy",
        "usage.project": None,
        "usage.model": "claude-3.5-sonnet",
        "usage.model_raw": "Claude3.5Sonnet",
        "usage.region": "us-east-1",
        "usage.input_tokens": 90_000_000,
        "usage.output_tokens": 6_000_000,
        "usage.cache_read_tokens": 4_000_000,
        "usage.cache_write_tokens": None,
        "usage.tokens": 100_000_000,
        "usage.requests": None,
        "usage.cost": 420.0,
        "usage.cost_usd": 420.0,
        "usage.credits": None,
        "usage.currency": "USD",
        "usage.start": "2026-03-01T10:00:00Z",
        "usage.end": "2026-03-01T11:00:00Z",
        "usage.hours": 1,
        "usage.type": "USE1-Claude3.5Sonnet-input-tokens",
        "usage.description": "Amazon Bedrock USE1-Claude3.5Sonnet-input-tokens",
    }
    assert isinstance(value("usage.cost", event), float) and isinstance(value("usage.tokens", event), int)


def test_fields_of_rows_read_from_exports(tmp_path: Path) -> None:
    bedrock, _, _ = read(write_cur2_csv(tmp_path / "cur.csv", BEDROCK_HOUR))
    azure, _, _ = read(write_azure_csv(tmp_path / "ea.csv", AZURE_DAY))
    credit = bedrock[-1]
    assert (value("usage.cost", credit), value("usage.tokens", credit)) == (-1.5, None)
    hosting = azure[-1]
    assert value("usage.model", hosting) is None and value("usage.tokens", hosting) is None
    assert value("usage.hours", hosting) == 24
    assert value("usage.project", hosting) == "rg-ai"
    assert [value("usage.model", event) for event in azure[:3]] == ["gpt-4o-0806", "gpt-4o-0806", "gpt-4o-0513"]


def test_model_falls_back_to_the_written_form_and_hours_may_be_fractional() -> None:
    event = to_event(replace(ROW, model_normalized=None, end=START + timedelta(minutes=15)))
    assert value("usage.model", event) == "Claude3.5Sonnet"
    assert value("usage.hours", event) == 0.25


def test_unconverted_costs_have_no_usd_value() -> None:
    event = to_event(replace(ROW, currency="EUR", cost_usd=None))
    assert value("usage.cost_usd", event) is None and value("usage.cost", event) == 420.0


def test_principal_is_the_key_else_the_account() -> None:
    assert FIELDS.principal(to_event(ROW)) == "arn:aws:iam::111122223333:user/ci-deploy"
    assert FIELDS.principal(to_event(replace(ROW, key=None))) == "111122223333"


def test_evidence_is_provider_account_model_region() -> None:
    assert FIELDS.evidence(to_event(ROW)) == {
        "provider": "aws_bedrock",
        "account": "111122223333",
        "model": "claude-3.5-sonnet",
        "region": "us-east-1",
    }
    assert FIELDS.evidence(to_event(replace(ROW, region=None, model=None, model_normalized=None))) == {
        "provider": "aws_bedrock",
        "account": "111122223333",
    }


def test_the_source_is_indexed_by_provider_and_documents_every_field() -> None:
    assert FIELDS.source == "llm_usage" and FIELDS.name_field == "usage.provider"
    assert FIELDS.name_field in FIELDS.fields
    assert all(field.doc.strip() for field in FIELDS.fields.values())


RULES = """
- rule: Expensive hour of a Bedrock key
  id: test.usage.expensive_hour
  source: llm_usage
  desc: One key spent more than 300 USD on Bedrock models in an hour, over a million tokens.
  condition: >
    usage.provider = aws_bedrock and usage.cost_usd > 300 and usage.tokens >= 1000000 and usage.hours <= 1
    and usage.model in (claude-3.5-sonnet, claude-3-opus)
  output: spend (account=%usage.account key=%usage.key model=%usage.model cost=%usage.cost_usd)
  severity: high
  tests:
    - name: a 420 USD hour of Claude 3.5 Sonnet
      events:
        - &hour
          provider: aws_bedrock
          account: "111122223333"
          key: "arn:aws:iam::111122223333:user/ci-deploy"
          model: Claude3.5Sonnet
          model_normalized: claude-3.5-sonnet
          start: "2026-03-01T10:00:00Z"
          end: "2026-03-01T11:00:00Z"
          input_tokens: 90000000
          output_tokens: 6000000
          cost: "420.00"
          currency: USD
          cost_usd: 420
      expect: {matches: 1}
    - name: a cheap hour, a day, an unconverted EUR hour and Azure are not
      events:
        - {<<: *hour, cost: 12.5, cost_usd: 12.5}
        - {<<: *hour, end: "2026-03-02T10:00:00Z"}
        - {<<: *hour, currency: EUR, cost_usd: null}
        - {<<: *hour, provider: azure_openai}
      expect: {matches: 0}
"""


def test_conditions_compare_usage_fields_as_numbers() -> None:
    registry = SourceRegistry.of([EventSource(FIELDS, event_from_record)])
    loaded = load_texts([("usage-rules.yaml", RULES)], registry)
    assert not loaded.errors and not loaded.warnings, [*map(str, loaded.errors), *map(str, loaded.warnings)]
    outcomes = run_inline_tests(loaded, registry)
    assert [(outcome.name, outcome.passed, outcome.message) for outcome in outcomes] == [
        ("a 420 USD hour of Claude 3.5 Sonnet", True, ""),
        ("a cheap hour, a day, an unconverted EUR hour and Azure are not", True, ""),
    ]


@pytest.mark.parametrize("condition", ["usage.cost_usd > 500", "usage.provider = gcp_vertex", "usage.credits exists"])
def test_conditions_that_do_not_match(condition: str) -> None:
    registry = SourceRegistry.of([EventSource(FIELDS, event_from_record)])
    text = f"""
- rule: Negative
  id: test.usage.negative
  source: llm_usage
  desc: never matches the hour
  condition: {condition}
  output: x
  severity: low
  tests:
    - name: the 420 USD hour
      events:
        - provider: aws_bedrock
          account: "111122223333"
          start: "2026-03-01T10:00:00Z"
          end: "2026-03-01T11:00:00Z"
          cost_usd: 420
      expect: {{matches: 0}}
"""
    loaded = load_texts([("negative.yaml", text)], registry)
    assert not loaded.errors
    assert [outcome.passed for outcome in run_inline_tests(loaded, registry)] == [True]
