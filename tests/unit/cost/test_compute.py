"""Cost arithmetic on realistic usage, hand-computed; invalid usage is reported; estimates are marked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jackwatch.cost import (
    DEFAULT_TOKENS_PER_CALL,
    Cost,
    PriceTable,
    TokensPerCall,
    TokenUsage,
    UnknownPrice,
    cost_of,
    estimate_cost,
)


def test_claude_35_sonnet_on_bedrock(builtin: PriceTable) -> None:
    # 1,234,567 × $3/M = $3.703701; 89,012 × $15/M = $1.335180
    price = builtin.lookup("aws_bedrock", "us.anthropic.claude-3-5-sonnet-20240620-v1:0")
    cost = cost_of(price, TokenUsage(input=1_234_567, output=89_012))
    assert cost == Cost(Decimal("5.038881"))
    assert cost.usd == 5.038881 and not cost.estimated and cost.reason is None


def test_cache_reads_and_writes_at_their_own_prices(builtin: PriceTable) -> None:
    # Claude 3.7 Sonnet: 2,048 × 3 + 1,024 × 15 + 150,000 × 0.30 + 20,000 × 3.75 = 141,504 micro-dollars
    price = builtin.lookup("aws_bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0")
    cost = cost_of(price, TokenUsage(input=2_048, output=1_024, cache_read=150_000, cache_write=20_000))
    assert cost.amount == Decimal("0.141504")


def test_openai_cached_input(builtin: PriceTable) -> None:
    # gpt-4o-mini: 5,000 × 0.15 + 2,000 × 0.60 + 10,000 × 0.075 = 2,700 micro-dollars
    price = builtin.lookup("openai", "gpt-4o-mini-2024-07-18")
    assert cost_of(price, TokenUsage(5_000, 2_000, cache_read=10_000)).amount == Decimal("0.0027")


def test_cache_tokens_without_a_cache_price_are_charged_as_input(builtin: PriceTable) -> None:
    # Claude 3 Haiku on Bedrock has no cache prices: 4,000 × 0.25 + 1,000 × 1.25 + (1,000 + 600) × 0.25
    price = builtin.lookup("aws_bedrock", "anthropic.claude-3-haiku-20240307-v1:0")
    cost = cost_of(price, TokenUsage(4_000, 1_000, cache_read=1_000, cache_write=600))
    assert cost.amount == Decimal("0.00265")


def test_regional_sonnet_45_costs_ten_percent_more_than_global(builtin: PriceTable) -> None:
    usage = TokenUsage(800_000, 40_000)
    regional = cost_of(builtin.lookup("aws_bedrock", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"), usage)
    global_ = cost_of(builtin.lookup("aws_bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"), usage)
    assert (global_.amount, regional.amount) == (Decimal("3.0"), Decimal("3.3"))


def test_zero_tokens_cost_nothing(builtin: PriceTable) -> None:
    price = builtin.lookup("anthropic", "claude-opus-4-1")
    assert cost_of(price, TokenUsage(0, 0)).amount == Decimal(0)


def test_an_unknown_model_has_no_cost_never_zero(builtin: PriceTable) -> None:
    price = builtin.lookup("aws_bedrock", "acme.unknown-v1:0")
    assert isinstance(price, UnknownPrice)
    cost = cost_of(price, TokenUsage(1_000, 1_000))
    assert cost.amount is None and cost.usd is None
    assert cost.unknown_models == (price,)
    assert cost.reason == "no price for aws_bedrock acme.unknown-v1:0: not in the price table"


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        (TokenUsage(None, 10), "input token count missing"),
        (TokenUsage(10, None), "output token count missing"),
        (TokenUsage(10, 10, cache_read=None), "cache-read token count missing"),
        (TokenUsage(-1, 10), "input token count is negative: -1"),
        (TokenUsage(10, 10, cache_write=-5), "cache-write token count is negative: -5"),
        (TokenUsage(10.5, 10), "input token count is not a whole number: 10.5"),  # type: ignore[arg-type]
        (TokenUsage(True, 10), "input token count is not a whole number: True"),
        (TokenUsage(None, -2), "input token count missing; output token count is negative: -2"),
    ],
)
def test_missing_or_negative_counts_are_reported_not_read_as_zero(
    builtin: PriceTable, usage: TokenUsage, reason: str
) -> None:
    cost = cost_of(builtin.lookup("openai", "gpt-4o"), usage)
    assert (cost.amount, cost.reason, cost.unknown_models) == (None, reason, ())


def test_usage_adds_up_field_by_field() -> None:
    total = TokenUsage(1, 2, 3, 4) + TokenUsage(10, 20, 30, 40)
    assert total == TokenUsage(11, 22, 33, 44)
    assert (TokenUsage(None, 2) + TokenUsage(1, 2)).input is None


def test_an_estimate_uses_the_default_tokens_per_call(builtin: PriceTable) -> None:
    # 10,000 calls of Claude 3 Opus at 1,000 + 500 tokens: 10M × $15/M + 5M × $75/M = $525
    assert (DEFAULT_TOKENS_PER_CALL.input, DEFAULT_TOKENS_PER_CALL.output) == (1_000, 500)
    cost = estimate_cost(builtin.lookup("aws_bedrock", "anthropic.claude-3-opus-20240229-v1:0"), 10_000)
    assert cost == Cost(Decimal(525), estimated=True)


def test_an_estimate_with_another_assumption(builtin: PriceTable) -> None:
    # 10,000 calls at 4,000 + 300 tokens: 40M × 15 + 3M × 75 = $825
    price = builtin.lookup("aws_bedrock", "anthropic.claude-3-opus-20240229-v1:0")
    assert estimate_cost(price, 10_000, TokensPerCall(4_000, 300)).amount == Decimal(825)


def test_a_bad_estimate_is_reported(builtin: PriceTable) -> None:
    price = builtin.lookup("openai", "o1")
    assert estimate_cost(price, -3) == Cost(
        None, estimated=True, reason="invocation count must be a whole number ≥ 0, not -3"
    )
    unknown = estimate_cost(builtin.lookup("openai", "o9"), 3)
    assert unknown.amount is None and unknown.estimated and unknown.unknown_models
    with pytest.raises(ValueError, match="cannot be negative"):
        TokensPerCall(-1, 500)


def test_usd_rounds_half_even_to_a_millionth() -> None:
    assert Cost(Decimal("0.0000025")).usd == 0.000002
    assert Cost(Decimal("0.0000035")).usd == 0.000004
    assert Cost(Decimal("12345.6789004")).usd == 12345.6789
