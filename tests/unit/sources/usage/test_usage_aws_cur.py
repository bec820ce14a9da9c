"""AWS CUR 2.0 and legacy CUR exports (CSV, gzip, Parquet) read as llm_usage events."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.sources.usage.exports import (
    ACCOUNT,
    BEDROCK_HOUR,
    CUR2_COLUMNS,
    PRINCIPAL,
    cur_item,
    cur_other,
    facts,
    problems,
    read,
    write_cur2_csv,
    write_cur2_parquet,
    write_legacy_cur_csv,
)


def test_cur2_csv_gives_one_event_per_bedrock_line_item(tmp_path: Path) -> None:
    events, stats, summaries = read(write_cur2_csv(tmp_path / "cur2.csv", BEDROCK_HOUR))
    assert [(summary.format, summary.kind, summary.rows, summary.llm_rows) for summary in summaries] == [
        ("AWS CUR", "CSV", 8, 6)
    ]
    assert not stats.problems and stats.events_read == 6 and stats.files_read == 1
    assert {event.name for event in events} == {"aws_bedrock"}
    assert [event.raw["line"] for event in events] == [2, 4, 5, 6, 8, 9]
    first = events[0].raw
    assert first == {
        "provider": "aws_bedrock",
        "account": ACCOUNT,
        "start": "2024-10-03T10:00:00Z",
        "end": "2024-10-03T11:00:00Z",
        "origin": str(tmp_path / "cur2.csv"),
        "line": 2,
        "key": PRINCIPAL,
        "model": "Claude3.5Sonnet",
        "model_normalized": "claude-3.5-sonnet",
        "region": "us-east-1",
        "input_tokens": 1_250_000,
        "cost": "3.75",
        "currency": "USD",
        "cost_usd": "3.75",
        "usage_type": "USE1-Claude3.5Sonnet-input-tokens",
        "description": "Amazon Bedrock USE1-Claude3.5Sonnet-input-tokens",
    }


def test_token_kinds_marketplace_models_and_credits(tmp_path: Path) -> None:
    events, _, _ = read(write_cur2_csv(tmp_path / "cur2.csv", BEDROCK_HOUR))
    by_type = {(event.raw["usage_type"], event.raw["cost"]): event.raw for event in events}
    assert by_type["USE1-Claude3.5Sonnet-output-tokens", "3"]["output_tokens"] == 200_000
    assert by_type["USE1-Claude3.7Sonnet-cache-read-input-token-count", "0.12"]["cache_read_tokens"] == 400_000
    assert by_type["USE1-Claude3.7Sonnet-cache-write-input-token-count", "0.375"]["cache_write_tokens"] == 100_000
    marketplace = by_type["USE1-MP:USE1_OutputTokenCount-Units", "0.065"]
    assert (marketplace["model"], marketplace["model_normalized"]) == ("Claude 3 Haiku", "claude-3-haiku")
    assert marketplace["output_tokens"] == 52_000 and "key" not in marketplace
    credit = by_type["USE1-Claude3.5Sonnet-input-tokens", "-1.5"]
    assert credit["cost_usd"] == "-1.5" and credit["description"] == "AWS Activate credit"
    assert not {"input_tokens", "output_tokens"} & credit.keys(), "a credit line counts no tokens"


def test_other_services_are_passed_over_silently(tmp_path: Path) -> None:
    items = [
        cur_other("AmazonEC2", "BoxUsage:m5.xlarge", "1", "0.192"),
        cur_other("AmazonS3", "Requests-Tier1", "12", "0"),
    ]
    events, stats, summaries = read(write_cur2_csv(tmp_path / "ec2.csv", items))
    assert events == [] and not stats.problems and stats.files_read == 1
    assert (summaries[0].rows, summaries[0].llm_rows) == (2, 0)


def test_cur2_parquet_reads_like_its_csv_twin(tmp_path: Path) -> None:
    from_csv, _, _ = read(write_cur2_csv(tmp_path / "cur2.csv", BEDROCK_HOUR))
    from_parquet, stats, summaries = read(write_cur2_parquet(tmp_path / "cur2.parquet", BEDROCK_HOUR))
    assert not stats.problems and summaries[0].kind == "Parquet"
    assert [facts(event) for event in from_parquet] == [facts(event) for event in from_csv]
    assert [event.id for event in from_parquet] == [event.id for event in from_csv]
    assert [event.raw["line"] for event in from_parquet] == [1, 3, 4, 5, 7, 8], "Parquet rows are numbered from 1"


@pytest.mark.parametrize("gzipped", [True, False])
def test_legacy_cur_csv(tmp_path: Path, gzipped: bool) -> None:
    path = write_legacy_cur_csv(
        tmp_path / ("legacy.csv.gz" if gzipped else "legacy.csv"), BEDROCK_HOUR, gzipped=gzipped
    )
    legacy, stats, summaries = read(path)
    current, _, _ = read(write_cur2_csv(tmp_path / "cur2.csv", BEDROCK_HOUR))
    assert not stats.problems and (summaries[0].rows, summaries[0].llm_rows) == (8, 6)
    # the legacy CUR has no IAM principal column: the rows are the same, without the key
    assert [facts(event) for event in legacy] == [
        {key: value for key, value in facts(event).items() if key != "key"} for event in current
    ]


def test_application_inference_profile_is_the_key_without_principal(tmp_path: Path) -> None:
    profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"
    item = cur_item(
        "USE1-NovaPro-input-tokens", "10000", "0.008", line_item_iam_principal="", line_item_resource_id=profile
    )
    events, _, _ = read(write_cur2_csv(tmp_path / "cur2.csv", [item]))
    assert events[0].raw["key"] == profile
    assert events[0].raw["model_normalized"] == "nova-pro"


def test_pricing_unit_scales_the_token_count(tmp_path: Path) -> None:
    item = cur_item("USE1-Llama3.1-70B-Instruct-input-tokens", "1250.5", "0.9", pricing_unit="1K tokens")
    events, stats, _ = read(write_cur2_csv(tmp_path / "cur2.csv", [item]))
    assert events[0].raw["input_tokens"] == 1_250_500 and not stats.problems


def test_unknown_bedrock_usage_types_keep_their_cost(tmp_path: Path) -> None:
    item = cur_item("USE1-Claude3Sonnet-ModelUnits-1MonthCommit", "720", "28800", pricing_unit="Hrs")
    events, stats, _ = read(write_cur2_csv(tmp_path / "cur2.csv", [item]))
    assert not stats.problems
    raw = events[0].raw
    assert raw["cost_usd"] == "28800" and "model" not in raw
    assert not {"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"} & raw.keys()


def test_bad_line_items_are_reported_with_their_line_and_the_rest_read(tmp_path: Path) -> None:
    items = [
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000", "0.003", line_item_usage_start_date="2024-10-03 25:00"),
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000", ""),
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000", "3 dollars"),
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000", "0.003", line_item_usage_account_id=""),
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000", "0.003", line_item_usage_end_date="2024-10-03T09:00:00Z"),
        cur_other("AmazonEC2", "BoxUsage:m5.xlarge", "1", "not a cost", line_item_usage_start_date="garbage"),
        cur_item("USE1-Claude3.5Sonnet-output-tokens", "500", "0.0075"),
    ]
    path = write_cur2_csv(tmp_path / "cur2.csv", items)
    events, stats, summaries = read(path)
    assert [event.raw["line"] for event in events] == [8]
    assert problems(stats) == [
        (f"{path}:2", "invalid_field", "line_item_usage_start_date '2024-10-03 25:00' is not a date or time"),
        (f"{path}:3", "missing_field", "missing line_item_unblended_cost"),
        (f"{path}:4", "invalid_field", "line_item_unblended_cost '3 dollars' is not a number"),
        (f"{path}:5", "missing_field", "missing line_item_usage_account_id"),
        (
            f"{path}:6",
            "invalid_field",
            "line_item_usage_end_date 2024-10-03T09:00:00+00:00 is before the start 2024-10-03T10:00:00+00:00",
        ),
    ]
    assert stats.skipped == {"invalid_field": 3, "missing_field": 2}
    assert (summaries[0].rows, summaries[0].llm_rows, summaries[0].events) == (7, 6, 1)


def test_negative_or_missing_token_amounts_keep_the_cost(tmp_path: Path) -> None:
    items = [
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "-1000", "0.003"),
        cur_item("USE1-Claude3.5Sonnet-output-tokens", "", "0.015"),
        cur_item("USE1-Claude3.5Sonnet-output-tokens", "1000", "0.015", pricing_unit="Hrs"),
    ]
    path = write_cur2_csv(tmp_path / "cur2.csv", items)
    events, stats, _ = read(path)
    assert [event.raw["cost"] for event in events] == ["0.003", "0.015", "0.015"]
    assert all("input_tokens" not in event.raw and "output_tokens" not in event.raw for event in events)
    assert problems(stats) == [
        (f"{path}:2", "invalid_tokens", "input_tokens: negative line_item_usage_amount '-1000'; count left out"),
        (f"{path}:3", "invalid_tokens", "output_tokens: missing line_item_usage_amount; count left out"),
        (f"{path}:4", "invalid_tokens", "output_tokens: unit 'Hrs' is not a count of tokens; count left out"),
    ]
    assert stats.events_skipped == 0, "no row was lost"


def test_missing_required_columns_fail_the_file_clearly(tmp_path: Path) -> None:
    path = tmp_path / "cur2.csv"
    columns = [
        column for column in CUR2_COLUMNS if column not in ("line_item_unblended_cost", "line_item_currency_code")
    ]
    path.write_text(",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n")
    events, stats, summaries = read(path)
    assert events == [] and stats.files_failed == 1 and stats.files_read == 0
    assert problems(stats) == [
        (
            f"{path}:1",
            "missing_column",
            "not read: this AWS CUR CSV lacks the column(s) line_item_unblended_cost, line_item_currency_code",
        )
    ]
    assert summaries[0].rows == 0


def test_eur_costs_need_a_rate(tmp_path: Path) -> None:
    items = [
        cur_item("USE1-Claude3.5Sonnet-input-tokens", "1000000", "2.80", line_item_currency_code="EUR"),
        cur_item("USE1-Claude3.5Sonnet-output-tokens", "100000", "1.40", line_item_currency_code="EUR"),
        cur_item("USE1-Claude3.5Sonnet-output-tokens", "100000", "1.5"),
    ]
    path = write_cur2_csv(tmp_path / "cur2.csv", items)
    events, stats, _ = read(path)
    assert [event.raw.get("cost_usd") for event in events] == [None, None, "1.5"]
    assert [event.raw["currency"] for event in events] == ["EUR", "EUR", "USD"]
    assert problems(stats) == [
        (str(path), "unconverted_currency", "2 EUR rows not converted to USD: give a rate for EUR")
    ]
    converted, stats, _ = read(path, rates={"eur": Decimal("1.08")})
    assert [event.raw["cost_usd"] for event in converted] == ["3.024", "1.512", "1.5"]
    assert [event.raw["cost"] for event in converted] == ["2.8", "1.4", "1.5"]
    assert not stats.problems
