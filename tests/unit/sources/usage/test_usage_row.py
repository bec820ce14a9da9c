"""The usage row, its JSON form and its llm_usage event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.usage import (
    SOURCE,
    Provider,
    UsageRow,
    event_from_record,
    row_from_raw,
    row_to_raw,
    to_event,
)

START = datetime(2024, 10, 3, 10, tzinfo=UTC)
ROW = UsageRow(
    provider=Provider.AWS_BEDROCK,
    account="111122223333",
    start=START,
    end=START + timedelta(hours=1),
    origin="cur/2024-10/acme-00001.csv.gz",
    line=17,
    key="arn:aws:iam::111122223333:user/ci-deploy",
    model="Claude3.5Sonnet",
    model_normalized="claude-3.5-sonnet",
    region="us-east-1",
    input_tokens=1_250_000,
    cost=Decimal("3.750"),
    currency="USD",
    cost_usd=Decimal("3.750"),
    usage_type="USE1-Claude3.5Sonnet-input-tokens",
)


def test_json_form_is_canonical_and_compact() -> None:
    assert row_to_raw(ROW) == {
        "provider": "aws_bedrock",
        "account": "111122223333",
        "start": "2024-10-03T10:00:00Z",
        "end": "2024-10-03T11:00:00Z",
        "origin": "cur/2024-10/acme-00001.csv.gz",
        "line": 17,
        "key": "arn:aws:iam::111122223333:user/ci-deploy",
        "model": "Claude3.5Sonnet",
        "model_normalized": "claude-3.5-sonnet",
        "region": "us-east-1",
        "input_tokens": 1_250_000,
        "cost": "3.75",
        "currency": "USD",
        "cost_usd": "3.75",
        "usage_type": "USE1-Claude3.5Sonnet-input-tokens",
    }


def test_event_is_named_after_the_provider_at_the_bucket_start() -> None:
    event = to_event(ROW)
    assert (event.source, event.name, event.time, event.origin) == (SOURCE, "aws_bedrock", START, ROW.origin)
    assert event.raw == row_to_raw(ROW)
    assert event.id.startswith("sha256:") and len(event.id) == len("sha256:") + 64


def test_event_id_ignores_where_the_row_was_read_but_not_what_it_says() -> None:
    same_elsewhere = replace(ROW, origin="copy/acme-00001.csv", line=3)
    assert to_event(same_elsewhere).id == to_event(ROW).id
    assert to_event(replace(ROW, cost=Decimal("3.76"))).id != to_event(ROW).id
    assert to_event(replace(ROW, key=None)).id != to_event(ROW).id


def test_tokens_is_the_sum_of_the_counts_present() -> None:
    assert ROW.tokens == 1_250_000
    assert replace(ROW, output_tokens=10, cache_read_tokens=5).tokens == 1_250_015
    assert replace(ROW, input_tokens=None).tokens is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2024, 10, 3, 10)}, "aware"),
        ({"end": START - timedelta(seconds=1)}, "before it starts"),
        ({"output_tokens": -1}, "output_tokens must not be negative"),
        ({"requests": -3}, "requests must not be negative"),
    ],
)
def test_invalid_rows_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(ROW, **changes)


def test_a_rule_test_record_becomes_an_event() -> None:
    record = {
        "provider": "openai",
        "account": "org-8hJk2LmN4pQr6StU",
        "key": "key_a1B2c3D4e5F6g7H8",
        "model": "gpt-4o-2024-08-06",
        "start": "2026-03-01T10:00:00Z",
        "end": "2026-03-01T11:00:00Z",
        "input_tokens": 9_000_000,
        "output_tokens": 1_200_000,
        "requests": 4200,
        "cost": 34.5,
        "currency": "USD",
        "cost_usd": "34.50",
    }
    event = event_from_record(record, "rules/cost.yaml:12")
    assert event.name == "openai"
    assert event.origin == "rules/cost.yaml:12"
    assert event.time == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert event.raw["cost"] == "34.5" and event.raw["cost_usd"] == "34.5"
    assert event.raw["requests"] == 4200


@pytest.mark.parametrize(
    ("record", "reason", "message"),
    [
        (["provider", "openai"], "not_an_object", "not a JSON object"),
        ({"account": "a", "start": "2026-03-01", "end": "2026-03-02"}, "missing_field", "missing provider"),
        (
            {"provider": "mistral", "account": "a", "start": "2026-03-01", "end": "2026-03-02"},
            "invalid_field",
            "provider",
        ),
        ({"provider": "openai", "start": "2026-03-01", "end": "2026-03-02"}, "missing_field", "missing account"),
        ({"provider": "openai", "account": "a", "end": "2026-03-02"}, "missing_field", "missing start"),
        ({"provider": "openai", "account": "a", "start": "soon", "end": "2026-03-02"}, "invalid_field", "start"),
        (
            {"provider": "openai", "account": "a", "start": "2026-03-02", "end": "2026-03-01"},
            "invalid_field",
            "before it starts",
        ),
        (
            {"provider": "openai", "account": "a", "start": "2026-03-01", "end": "2026-03-02", "input_tokens": -5},
            "invalid_field",
            "input_tokens",
        ),
        (
            {"provider": "openai", "account": "a", "start": "2026-03-01", "end": "2026-03-02", "input_tokens": 1.5},
            "invalid_field",
            "input_tokens",
        ),
        (
            {"provider": "openai", "account": "a", "start": "2026-03-01", "end": "2026-03-02", "cost": "12 USD"},
            "invalid_field",
            "cost",
        ),
        (
            {"provider": "openai", "account": 42, "start": "2026-03-01", "end": "2026-03-02"},
            "invalid_field",
            "account",
        ),
    ],
)
def test_bad_records_are_refused_with_a_reason(record: object, reason: str, message: str) -> None:
    with pytest.raises(RecordError, match=message) as caught:
        row_from_raw(record, "test.yaml")
    assert caught.value.reason == reason


_amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False, allow_infinity=False)
_counts = st.none() | st.integers(min_value=0, max_value=10**12)
_texts = st.none() | st.text(min_size=1, max_size=20)


@st.composite
def usage_rows(draw: st.DrawFn) -> UsageRow:
    start = draw(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)))
    return UsageRow(
        provider=draw(st.sampled_from(list(Provider))),
        account=draw(st.text(min_size=1, max_size=20)),
        start=start,
        end=start + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=31))),
        origin="row.json",
        line=draw(st.none() | st.integers(min_value=1, max_value=10**9)),
        key=draw(_texts),
        project=draw(_texts),
        model=draw(_texts),
        model_normalized=draw(_texts),
        region=draw(_texts),
        input_tokens=draw(_counts),
        output_tokens=draw(_counts),
        cache_read_tokens=draw(_counts),
        cache_write_tokens=draw(_counts),
        requests=draw(_counts),
        cost=draw(st.none() | _amounts),
        currency=draw(st.none() | st.sampled_from(["USD", "EUR", "JPY"])),
        cost_usd=draw(st.none() | _amounts),
        credits=draw(st.none() | _amounts),
        usage_type=draw(_texts),
        description=draw(_texts),
    )


@given(usage_rows())
def test_json_form_round_trips(row: UsageRow) -> None:
    assert row_from_raw(row_to_raw(row), row.origin) == row
    assert to_event(row_from_raw(to_event(row).raw, "elsewhere")).id == to_event(row).id
