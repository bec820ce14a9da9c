"""Cost invariants over random usage and every built-in price: additive over any split of the usage, linear
in the number of calls, never negative, and the burn rate never exceeds the cost of the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from hypothesis import given
from hypothesis import strategies as st

from jackwatch.cost import (
    Price,
    PriceTable,
    TokenUsage,
    UsageRecord,
    cost_of,
    estimate_cost,
    load_price_table,
    summarize_spend,
)


@lru_cache(maxsize=1)
def table() -> PriceTable:
    return load_price_table()


prices = st.sampled_from(table().entries)
counts = st.integers(min_value=0, max_value=10**12)
usages = st.builds(TokenUsage, counts, counts, counts, counts)


def amount(price: Price, usage: TokenUsage) -> Decimal:
    cost = cost_of(price, usage)
    assert cost.amount is not None, cost
    return cost.amount


@given(prices, usages, usages)
def test_cost_is_additive_over_a_split_of_the_usage(price: Price, first: TokenUsage, second: TokenUsage) -> None:
    assert amount(price, first + second) == amount(price, first) + amount(price, second)


@given(prices, usages, st.integers(min_value=0, max_value=10_000))
def test_cost_scales_linearly(price: Price, usage: TokenUsage, factor: int) -> None:
    scaled = TokenUsage(*(factor * getattr(usage, name) for name in ("input", "output", "cache_read", "cache_write")))
    assert amount(price, scaled) == factor * amount(price, usage)


@given(prices, usages)
def test_cost_is_never_negative_and_at_least_the_output_part(price: Price, usage: TokenUsage) -> None:
    total = amount(price, usage)
    assert total >= 0
    assert total >= amount(price, TokenUsage(0, usage.output))


@given(prices, st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**7))
def test_estimates_are_additive_in_the_number_of_calls(price: Price, calls: int, more: int) -> None:
    together = estimate_cost(price, calls + more).amount
    apart = [estimate_cost(price, n).amount for n in (calls, more)]
    assert together is not None and None not in apart
    assert together == sum(a for a in apart if a is not None)


bare_id_prices = st.sampled_from([price for price in table().entries if price.region_class != "global"])
"""Entries a bare model id with no region finds (a ``global`` entry needs a ``global.`` profile or location)."""


@given(
    st.lists(
        st.tuples(bare_id_prices, st.integers(min_value=0, max_value=7 * 24 * 60), usages),
        min_size=1,
        max_size=20,
    )
)
def test_the_window_cost_is_the_sum_and_the_burn_rate_never_exceeds_it(
    items: list[tuple[Price, int, TokenUsage]],
) -> None:
    start = datetime(2026, 11, 24, tzinfo=UTC)
    records = [
        UsageRecord(start + timedelta(minutes=minute), price.provider, price.model, None, usage)
        for price, minute, usage in items
    ]
    spend = summarize_spend(records, table())
    assert spend.complete and spend.priced == len(items)
    assert spend.cost == sum((amount(price, usage) for price, _, usage in items), Decimal(0))
    assert spend.hours >= 1
    rate = spend.burn_rate_per_hour
    assert rate is not None and 0 <= rate <= spend.cost
    assert spend.projected_24h == rate * 24
