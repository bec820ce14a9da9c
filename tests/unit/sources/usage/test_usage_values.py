"""Cells of billing exports: column keys, amounts, times, units and model names."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.sources.usage.values import (
    column_key,
    count_unit,
    decimal_of,
    decimal_text,
    model_key,
    text_of,
    time_of,
    token_count,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("lineItem/UsageStartDate", "line_item_usage_start_date"),
        ("line_item_usage_start_date", "line_item_usage_start_date"),
        ("lineItem/LineItemType", "line_item_line_item_type"),
        ("product/ProductName", "product_product_name"),
        ("pricing/unit", "pricing_unit"),
        ("CostInBillingCurrency", "cost_in_billing_currency"),
        ("costInBillingCurrency", "cost_in_billing_currency"),
        ("BillingCurrencyCode", "billing_currency_code"),
        ("CostInUSD", "cost_in_usd"),
        ("costInUsd", "cost_in_usd"),
        ("MeterSubCategory", "meter_sub_category"),
        ("service.description", "service_description"),
        ("\ufeffInvoiceSectionName", "invoice_section_name"),
        (" Date ", "date"),
    ],
)
def test_column_keys_meet_across_exports(name: str, key: str) -> None:
    assert column_key(name) == key


def test_text_of_strips_and_treats_empty_as_missing() -> None:
    assert text_of("  us-east-1 ") == "us-east-1"
    assert text_of("   ") is None
    assert text_of(None) is None
    assert text_of(12) == "12"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.75", Decimal("3.75")),
        (" -1.5 ", Decimal("-1.5")),
        ("1,250.5", Decimal("1250.5")),
        (0.1, Decimal("0.1")),
        (7, Decimal(7)),
        ("1.2E-5", Decimal("0.000012")),
        (Decimal("2.50"), Decimal("2.5")),
    ],
)
def test_decimal_of_reads_text_and_numbers_exactly(value: object, expected: Decimal) -> None:
    assert decimal_of(value, "cost") == expected


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", True, None, [1]])
def test_decimal_of_rejects_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(ValueError, match="cost"):
        decimal_of(value, "cost")


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1.50"), "1.5"), (Decimal("1E+2"), "100"), (Decimal("-0.00"), "0"), (Decimal("0.000012"), "0.000012")],
)
def test_decimal_text_is_canonical(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text


@pytest.mark.parametrize(
    "value",
    [
        "2024-10-03T10:00:00Z",
        "2024-10-03T10:00:00.000Z",
        "2024-10-03 10:00:00 UTC",
        "2024-10-03T12:00:00+02:00",
        "2024-10-03 10:00:00",
        datetime(2024, 10, 3, 10, 0),
        datetime(2024, 10, 3, 11, 0, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_time_of_reads_every_export_form_as_utc(value: object) -> None:
    assert time_of(value, "start") == datetime(2024, 10, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["10/03/2024", "2024-10-03", date(2024, 10, 3), "10/03/2024 12:00:00 AM"])
def test_time_of_reads_dates_as_midnight_utc(value: object) -> None:
    assert time_of(value, "date") == datetime(2024, 10, 3, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "31/12/2024", "", 1727949600, None])
def test_time_of_rejects_what_is_not_a_time(value: object) -> None:
    with pytest.raises(ValueError, match="start"):
        time_of(value, "start")


@pytest.mark.parametrize(
    ("unit", "scale"),
    [
        ("tokens", 1),
        ("Tokens", 1),
        ("Units", 1),
        ("count", 1),
        ("1K", 1_000),
        ("1K Tokens", 1_000),
        ("10K", 10_000),
        ("1M", 1_000_000),
        ("1 M tokens", 1_000_000),
        ("thousand count", 1_000),
        ("1000 count", 1_000),
    ],
)
def test_count_units(unit: str, scale: int) -> None:
    assert count_unit(unit) == scale


@pytest.mark.parametrize("unit", ["Hrs", "GB-Mo", "1 Hour", "1 GB/Month", "seconds", "", None, "0", "0.5"])
def test_units_that_are_not_token_counts(unit: str | None) -> None:
    assert count_unit(unit) is None


def test_token_count_scales_and_rounds_to_whole_tokens() -> None:
    assert token_count(Decimal("1.8"), 1_000_000) == 1_800_000
    assert token_count(Decimal("12.3456"), 1_000) == 12_346
    assert token_count(Decimal("42"), 1) == 42


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Claude3.5Sonnet", "claude-3.5-sonnet"),
        ("Claude 3.5 Sonnet", "claude-3.5-sonnet"),
        ("ClaudeSonnet4.5", "claude-sonnet-4.5"),
        ("NovaPro", "nova-pro"),
        ("Llama3.1-70B", "llama-3.1-70b"),
        ("TitanEmbeddingsG1-Text", "titan-embeddings-g1-text"),
        ("gpt 4o 0513", "gpt-4o-0513"),
        ("gpt-4o-0806", "gpt-4o-0806"),
        ("Gemini 1.5 Pro", "gemini-1.5-pro"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("o3-mini", "o3-mini"),
        ("deepseek-r1", "deepseek-r1"),
    ],
)
def test_model_keys_are_provider_neutral(name: str, key: str) -> None:
    assert model_key(name) == key


@given(st.text(alphabet="abcdefgXYZ0123456789.- _", min_size=1, max_size=30))
def test_model_key_is_idempotent(name: str) -> None:
    once = model_key(name)
    assert model_key(once) == once
    assert once == once.lower() and " " not in once
