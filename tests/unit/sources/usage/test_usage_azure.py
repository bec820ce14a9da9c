"""Azure cost exports (EA and MCA cost and usage details, CSV) read as llm_usage events."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.sources.usage.exports import (
    AZURE_DAY,
    EA_COLUMNS,
    OPENAI_RESOURCE,
    SUBSCRIPTION,
    azure_item,
    facts,
    problems,
    read,
    write_azure_csv,
    write_azure_parquet,
)

from jackwatch.sources.usage.azure_costs import meter_model
from jackwatch.sources.usage.row import TokenKind


@pytest.mark.parametrize(
    ("meter", "model", "kind"),
    [
        ("gpt-4o-0806-Inp-glbl 1M Tokens", "gpt-4o-0806", TokenKind.INPUT),
        ("gpt-4o-0806-Outp-glbl Tokens", "gpt-4o-0806", TokenKind.OUTPUT),
        ("gpt 4o 0513 Input global Tokens", "gpt 4o 0513", TokenKind.INPUT),
        ("gpt 4o 0513 Output global Tokens", "gpt 4o 0513", TokenKind.OUTPUT),
        ("gpt 4.1 nano cached Inp glbl", "gpt 4.1 nano", TokenKind.CACHE_READ),
        ("gpt 4.5 0227 cached Inp DZone", "gpt 4.5 0227", TokenKind.CACHE_READ),
        ("gpt-4o-mini-0718-Inp-glbl Tokens", "gpt-4o-mini-0718", TokenKind.INPUT),
        ("gpt-4-8K-Batch-Inp-glbl Tokens", "gpt-4-8K", TokenKind.INPUT),
        ("gpt-35-turbo-4k-Input-regional", "gpt-35-turbo-4k", TokenKind.INPUT),
        ("gpt-4o-transcribe-aud-inp-glbl Tokens", "gpt-4o-transcribe", TokenKind.INPUT),
        ("R1 Outp glbl Tokens", "R1", TokenKind.OUTPUT),
        ("GPT 5 Inpt Glbl", "GPT 5", TokenKind.INPUT),
        ("Hosting Hours", None, None),
        ("Provisioned Managed Global", None, None),
    ],
)
def test_meter_names(meter: str, model: str | None, kind: TokenKind | None) -> None:
    assert meter_model(meter) == (model, kind)


def test_ea_export_gives_one_event_per_openai_row(tmp_path: Path) -> None:
    path = write_azure_csv(tmp_path / "ea.csv", AZURE_DAY)
    events, stats, summaries = read(path)
    assert not stats.problems
    assert (summaries[0].format, summaries[0].rows, summaries[0].llm_rows) == ("Azure cost export", 7, 4)
    assert [event.raw["line"] for event in events] == [2, 4, 5, 8]
    assert events[0].raw == {
        "provider": "azure_openai",
        "account": SUBSCRIPTION,
        "start": "2024-10-03T00:00:00Z",
        "end": "2024-10-04T00:00:00Z",
        "origin": str(path),
        "line": 2,
        "key": OPENAI_RESOURCE,
        "project": "rg-ai",
        "model": "gpt-4o-0806",
        "model_normalized": "gpt-4o-0806",
        "region": "eastus",
        "input_tokens": 1_800_000,
        "cost": "4.5",
        "currency": "USD",
        "cost_usd": "4.5",
        "usage_type": "gpt-4o-0806-Inp-glbl 1M Tokens",
        "description": "Azure OpenAI",
    }
    assert events[1].raw["output_tokens"] == 210_000
    assert (events[2].raw["model_normalized"], events[2].raw["cache_read_tokens"]) == ("gpt-4o-0513", 640_000)
    hosting = events[3].raw
    assert hosting["cost"] == "40.8" and "model" not in hosting and hosting["usage_type"] == "Hosting Hours"


def test_mca_export_reads_like_the_ea_export(tmp_path: Path) -> None:
    ea, _, _ = read(write_azure_csv(tmp_path / "ea.csv", AZURE_DAY))
    mca, stats, _ = read(write_azure_csv(tmp_path / "mca.csv", AZURE_DAY, mca=True))
    assert not stats.problems
    assert [facts(event) for event in mca] == [facts(event) for event in ea]


def test_parquet_export_reads_like_the_csv_export(tmp_path: Path) -> None:
    from_csv, _, _ = read(write_azure_csv(tmp_path / "ea.csv", AZURE_DAY))
    from_parquet, stats, summaries = read(write_azure_parquet(tmp_path / "ea.parquet", AZURE_DAY))
    assert not stats.problems and summaries[0].kind == "Parquet"
    assert [facts(event) for event in from_parquet] == [facts(event) for event in from_csv]


def test_refunds_keep_their_negative_cost_without_tokens(tmp_path: Path) -> None:
    item = azure_item("gpt-4o-0806-Outp-glbl Tokens", "-210", "-2.1", ChargeType="Refund")
    events, stats, _ = read(write_azure_csv(tmp_path / "ea.csv", [item]))
    assert events[0].raw["cost_usd"] == "-2.1" and "output_tokens" not in events[0].raw and not stats.problems


def test_billing_currency_other_than_usd(tmp_path: Path) -> None:
    items = [
        azure_item("gpt-4o-0806-Outp-glbl Tokens", "210", "1.94", BillingCurrencyCode="EUR"),
        azure_item("gpt-4o-0806-Outp-glbl Tokens", "100", "0.93", BillingCurrencyCode="EUR", CostInUsd="1.0"),
    ]
    path = write_azure_csv(tmp_path / "ea.csv", items)
    events, stats, _ = read(path)
    assert [event.raw.get("cost_usd") for event in events] == [None, "1"], "the export's own USD cost is used"
    assert problems(stats) == [
        (str(path), "unconverted_currency", "1 EUR row not converted to USD: give a rate for EUR")
    ]
    events, stats, _ = read(path, rates={"EUR": Decimal("1.08")})
    assert [event.raw["cost_usd"] for event in events] == ["2.0952", "1.0044"], "a given rate comes first"
    assert not stats.problems


def test_bad_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    items = [
        azure_item("gpt-4o-0806-Inp-glbl Tokens", "1800", "4.5", Date="13/45/2024"),
        azure_item("gpt-4o-0806-Inp-glbl Tokens", "-1800", "4.5"),
        azure_item("gpt-4o-0806-Inp-glbl Tokens", "1800", "4.5", SubscriptionId=""),
        azure_item("gpt-4o-0806-Inp-glbl Tokens", "1800", "4.5", UnitOfMeasure="1 Hour"),
    ]
    path = write_azure_csv(tmp_path / "ea.csv", items)
    events, stats, _ = read(path)
    assert [event.raw["line"] for event in events] == [3, 5]
    assert problems(stats) == [
        (f"{path}:2", "invalid_field", "date '13/45/2024' is not a date or time"),
        (f"{path}:3", "invalid_tokens", "input_tokens: negative quantity '-1800'; count left out"),
        (f"{path}:4", "missing_field", "missing subscription_id"),
        (f"{path}:5", "invalid_tokens", "input_tokens: unit '1 Hour' is not a count of tokens; count left out"),
    ]


def test_ea_export_without_cost_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ea.csv"
    columns = [column for column in EA_COLUMNS if column != "CostInBillingCurrency"]
    path.write_text(",".join(columns) + "\n")
    events, stats, _ = read(path)
    assert events == [] and stats.files_failed == 1
    assert problems(stats) == [
        (
            f"{path}:1",
            "missing_column",
            "not read: this Azure cost export CSV lacks the column(s) cost_in_billing_currency",
        )
    ]
