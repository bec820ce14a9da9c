"""Cost Explorer GetCostAndUsage pages into usage rows (the API calls themselves are tested in
tests/integration/test_cost_explorer_api.py against a local endpoint)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jackwatch.errors import Location
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_cost_explorer import page_rows
from jackwatch.sources.usage.currency import UsdConverter
from jackwatch.sources.usage.row import UsageRow

ORIGIN = "cost-explorer://GetCostAndUsage?granularity=DAILY&page=1"


def group(usage_type: str, metrics: Any, account: str = "111122223333") -> dict[str, Any]:
    return {"Keys": [usage_type, account], "Metrics": metrics}


def metrics(cost: str | None, quantity: str | None, unit: str = "1K tokens", currency: str = "USD") -> dict[str, Any]:
    return {
        "UnblendedCost": {"Amount": cost, "Unit": currency},
        "UsageQuantity": {"Amount": quantity, "Unit": unit},
    }


def rows(*groups: Any) -> tuple[list[UsageRow], ReadStats, UsdConverter]:
    reply = {"ResultsByTime": [{"TimePeriod": {"Start": "2026-03-10", "End": "2026-03-11"}, "Groups": list(groups)}]}
    stats = ReadStats()
    converter = UsdConverter({})
    return list(page_rows(reply, ORIGIN, converter, stats)), stats, converter


def test_token_usage_types_give_model_kind_and_scaled_count() -> None:
    found, stats, _ = rows(
        group("USW2-Claude3Haiku-batch-input-tokens", metrics("0.5", "4000")),
        group("EU-NovaLite-output-tokens", metrics("0.24", "1000000", "Tokens")),
        group("USE1-Claude3.7Sonnet-cache-write-input-token-count", metrics("0.375", "100")),
        group("USE1-MP:USE1_InputTokenCount-Units", metrics("1.2", "400000", "Units")),
    )
    assert [(row.model, row.input_tokens, row.output_tokens, row.cache_write_tokens) for row in found] == [
        ("Claude3Haiku", 4_000_000, None, None),
        ("NovaLite", None, 1_000_000, None),
        ("Claude3.7Sonnet", None, None, 100_000),
        (None, 400_000, None, None),
    ]
    assert all(row.line == 1 and row.origin == ORIGIN for row in found)
    assert not stats.problems


def test_a_group_without_its_cost_is_left_out_and_a_bad_quantity_keeps_the_row() -> None:
    found, stats, _ = rows(
        group("USE1-Claude3.5Sonnet-input-tokens", metrics(None, "1250")),
        group("USE1-Claude3.5Sonnet-output-tokens", metrics("3", "lots")),
        group("USE1-Claude3.5Sonnet-output-tokens", "not metrics"),
        "not a group",
    )
    assert [(row.cost, row.output_tokens) for row in found] == [(Decimal(3), None)]
    assert [(p.location, p.reason, p.message) for p in stats.problems] == [
        (Location(ORIGIN, 1), "missing_field", "ResultsByTime[0].Groups[0]: missing UnblendedCost.Amount"),
        (Location(ORIGIN, 1), "invalid_tokens", "output_tokens: UsageQuantity 'lots' is not a number; count left out"),
        (
            Location(ORIGIN, 1),
            "invalid_field",
            "ResultsByTime[0].Groups[2]: Metrics must be an object, got a string 'not metrics'",
        ),
        (Location(ORIGIN, 1), "not_an_object", "ResultsByTime[0].Groups[3]: record is a string, not a JSON object"),
    ]
    assert stats.events_skipped == 3


def test_costs_in_another_currency_have_no_usd_cost_and_are_counted() -> None:
    found, _, converter = rows(group("USE1-Claude3.5Sonnet-input-tokens", metrics("3.4", "1250", currency="eur")))
    assert [(row.cost, row.currency, row.cost_usd) for row in found] == [(Decimal("3.4"), "EUR", None)]
    assert converter.unconverted == {"EUR": 1}
