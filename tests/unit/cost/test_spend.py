"""Spend over a window: total, burn rate (over at least one hour), 24-hour projection, estimates, unknowns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from jackwatch.cost import PriceTable, TokensPerCall, TokenUsage, UsageRecord, summarize_spend

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SONNET_45_US = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS_3 = "anthropic.claude-3-opus-20240229-v1:0"


def record(
    minutes: float, usage: TokenUsage | int, model: str = SONNET_45_US, provider: str = "aws_bedrock"
) -> UsageRecord:
    return UsageRecord(T0 + timedelta(minutes=minutes), provider, model, "us-east-1", usage)


def test_a_short_burst_is_rated_over_one_hour(builtin: PriceTable) -> None:
    # 3 calls in 30 minutes, each 100,000 × $3.30/M + 10,000 × $16.50/M = $0.495
    records = [record(minute, TokenUsage(100_000, 10_000)) for minute in (0, 10, 30)]
    spend = summarize_spend(records, builtin)
    assert spend.cost == Decimal("1.485") and spend.hours == Decimal(1)
    assert (spend.burn_rate_per_hour, spend.projected_24h) == (Decimal("1.485"), Decimal("35.64"))
    assert (spend.cost_usd, spend.burn_rate_usd_per_hour, spend.projected_24h_usd) == (1.485, 1.485, 35.64)
    assert spend.complete and not spend.estimated and (spend.priced, spend.unpriced) == (3, 0)


def test_invocation_counts_are_estimated_and_rated_over_the_window(builtin: PriceTable) -> None:
    # 2,000 Opus calls an hour for three hours, 1,000 + 500 tokens each: 6,000 × $0.0525 = $315
    records = [record(60 * hour, 2_000, OPUS_3) for hour in range(3)]
    spend = summarize_spend(records, builtin, start=T0, end=T0 + timedelta(hours=3))
    assert spend.cost == Decimal(315) and spend.hours == Decimal(3) and spend.estimated
    assert (spend.burn_rate_per_hour, spend.projected_24h) == (Decimal(105), Decimal(2520))


def test_another_tokens_per_call_assumption(builtin: PriceTable) -> None:
    spend = summarize_spend([record(0, 100, OPUS_3)], builtin, per_call=TokensPerCall(4_000, 0))
    assert spend.cost == Decimal(6)


def test_the_window_defaults_to_the_records_span(builtin: PriceTable) -> None:
    # 90 minutes between first and last: 2 × $0.495 over 1.5 h
    spend = summarize_spend([record(0, TokenUsage(100_000, 10_000)), record(90, TokenUsage(100_000, 10_000))], builtin)
    assert spend.hours == Decimal("1.5")
    assert spend.burn_rate_per_hour == Decimal("0.66") and spend.projected_24h == Decimal("15.84")


def test_records_outside_the_window_are_counted_not_priced(builtin: PriceTable) -> None:
    records = [record(minute, TokenUsage(100_000, 10_000)) for minute in (-5, 0, 59, 61)]
    spend = summarize_spend(records, builtin, start=T0, end=T0 + timedelta(hours=1))
    assert (spend.priced, spend.outside_window, spend.cost) == (2, 2, Decimal("0.990"))


def test_unknown_models_make_the_total_a_lower_bound(builtin: PriceTable) -> None:
    records = [
        record(0, TokenUsage(100_000, 10_000)),
        record(5, TokenUsage(1_000, 1_000), "acme.mystery-v1:0"),
        record(6, 40, "us.acme.mystery-v1:0"),
        record(7, TokenUsage(1, 1), "sonnet-9000", provider="openai"),
    ]
    spend = summarize_spend(records, builtin)
    assert spend.cost == Decimal("0.495") and not spend.complete and spend.estimated
    assert [(u.provider, u.model) for u in spend.unknown_models] == [
        ("aws_bedrock", "acme.mystery-v1:0"),
        ("openai", "sonnet-9000"),
    ]
    assert (spend.priced, spend.unpriced, spend.problems) == (1, 3, ())


def test_invalid_counts_are_reported_per_model(builtin: PriceTable) -> None:
    records = [record(0, TokenUsage(None, 10)), record(1, TokenUsage(None, 10)), record(2, TokenUsage(5, -1))]
    spend = summarize_spend(records, builtin)
    assert spend.cost is None and spend.burn_rate_per_hour is None and spend.projected_24h_usd is None
    assert spend.problems == (
        f"aws_bedrock {SONNET_45_US}: input token count missing",
        f"aws_bedrock {SONNET_45_US}: output token count is negative: -1",
    )
    assert spend.unpriced == 3


def test_no_records_cost_nothing(builtin: PriceTable) -> None:
    spend = summarize_spend([], builtin)
    assert (spend.cost, spend.hours, spend.projected_24h, spend.complete) == (Decimal(0), Decimal(1), Decimal(0), True)


def test_naive_times_are_utc_and_a_reversed_window_is_refused(builtin: PriceTable) -> None:
    naive = UsageRecord(datetime(2026, 11, 24, 2, 30), "aws_bedrock", SONNET_45_US, None, TokenUsage(100_000, 10_000))
    spend = summarize_spend([naive], builtin, start=T0, end=T0 + timedelta(hours=1))
    assert spend.priced == 1 and spend.outside_window == 0
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        summarize_spend([naive], builtin, start=T0, end=T0 - timedelta(minutes=1))
