"""The GCP billing export (BigQuery standard schema) as JSON Lines and CSV, read as llm_usage events."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.sources.usage.exports import (
    PROJECT,
    VERTEX_HOUR,
    gcp_item,
    problems,
    read,
    write_gcp_csv,
    write_gcp_jsonl,
    write_gcp_parquet,
)

from jackwatch.sources.usage.gcp_billing import vertex_sku
from jackwatch.sources.usage.row import TokenKind


@pytest.mark.parametrize(
    ("sku", "model", "kind"),
    [
        ("Gemini 1.5 Pro Input Tokens", "Gemini 1.5 Pro", TokenKind.INPUT),
        ("Gemini 2.0 Flash Lite Output Text Tokens", "Gemini 2.0 Flash Lite", TokenKind.OUTPUT),
        ("Claude 3.5 Sonnet Output Tokens", "Claude 3.5 Sonnet", TokenKind.OUTPUT),
        ("Claude 3.7 Sonnet Prompt Caching Read Tokens", "Claude 3.7 Sonnet", TokenKind.CACHE_READ),
        ("Claude 3.7 Sonnet Prompt Caching Write Tokens", "Claude 3.7 Sonnet", TokenKind.CACHE_WRITE),
        ("Gemini 2.5 Pro Cached Input Tokens", "Gemini 2.5 Pro", TokenKind.CACHE_READ),
        ("Gemini 2.5 Pro Thinking Output Tokens", "Gemini 2.5 Pro", TokenKind.OUTPUT),
        ("Gemini 1.5 Flash Input Characters", "Gemini 1.5 Flash", TokenKind.INPUT),
        ("Gemini 1.5 Pro Context Cache Storage", "Gemini 1.5 Pro", None),
        ("Batch Gemini 1.5 Pro Input Tokens", "Gemini 1.5 Pro", TokenKind.INPUT),
        ("Generate content input token count Gemini 2.5 Flash", "Gemini 2.5 Flash", TokenKind.INPUT),
        ("Vertex AI Llama 3.1 405B Output Tokens", "Llama 3.1 405B", TokenKind.OUTPUT),
        ("Online Prediction Tokens", None, None),
    ],
)
def test_vertex_skus(sku: str, model: str | None, kind: TokenKind | None) -> None:
    assert vertex_sku(sku) == (model, kind)


def test_jsonl_export_gives_one_event_per_model_sku(tmp_path: Path) -> None:
    path = write_gcp_jsonl(tmp_path / "billing.jsonl", VERTEX_HOUR)
    events, stats, summaries = read(path)
    assert not stats.problems
    assert (summaries[0].format, summaries[0].kind, summaries[0].rows, summaries[0].llm_rows) == (
        "GCP billing export",
        "JSON Lines",
        6,
        3,
    )
    assert [event.raw["usage_type"] for event in events] == [
        "Gemini 1.5 Pro Input Tokens",
        "Gemini 1.5 Pro Output Tokens",
        "Claude 3.5 Sonnet Output Tokens",
    ]
    first = events[0].raw
    assert first == {
        "provider": "gcp_vertex",
        "account": PROJECT,
        "start": "2024-10-03T10:00:00Z",
        "end": "2024-10-03T11:00:00Z",
        "origin": str(path),
        "line": 1,
        "model": "Gemini 1.5 Pro",
        "model_normalized": "gemini-1.5-pro",
        "region": "us-central1",
        "input_tokens": 2_000_000,
        "cost": "2.5",
        "currency": "USD",
        "cost_usd": "2.5",
        "usage_type": "Gemini 1.5 Pro Input Tokens",
        "description": "Vertex AI",
    }
    claude = events[2].raw
    assert (claude["model_normalized"], claude["output_tokens"], claude["credits"]) == (
        "claude-3.5-sonnet",
        80_000,
        "-0.4",
    )
    assert claude["cost"] == "1.2", "credits are kept apart, not netted into the cost"


def test_a_jsonl_export_opening_with_a_row_without_project_is_read(tmp_path: Path) -> None:
    tax = gcp_item("Tax", 0, 0.5, service={"id": "2062-016F-44A2", "description": "Invoice"}, project=None)
    tax.update(location=None, cost_type="tax")
    path = write_gcp_jsonl(tmp_path / "billing.jsonl", [tax, *VERTEX_HOUR])
    events, stats, summaries = read(path)
    assert not stats.problems and not stats.files_failed
    assert (summaries[0].rows, summaries[0].llm_rows) == (7, 3)
    assert [event.id for event in events] == [
        event.id for event in read(write_gcp_jsonl(tmp_path / "v.jsonl", VERTEX_HOUR))[0]
    ]


def test_csv_export_reads_like_the_jsonl_export(tmp_path: Path) -> None:
    from_json, _, _ = read(write_gcp_jsonl(tmp_path / "billing.jsonl", VERTEX_HOUR))
    from_csv, stats, summaries = read(write_gcp_csv(tmp_path / "billing.csv", VERTEX_HOUR))
    assert not stats.problems and summaries[0].kind == "CSV"
    assert [event.id for event in from_csv] == [event.id for event in from_json]


def test_bigquery_parquet_extract_reads_like_the_jsonl_export(tmp_path: Path) -> None:
    from_json, _, _ = read(write_gcp_jsonl(tmp_path / "billing.jsonl", VERTEX_HOUR))
    from_parquet, stats, summaries = read(write_gcp_parquet(tmp_path / "billing.parquet", VERTEX_HOUR))
    assert not stats.problems and (summaries[0].kind, summaries[0].rows, summaries[0].llm_rows) == ("Parquet", 6, 3)
    assert [event.id for event in from_parquet] == [event.id for event in from_json]
    assert from_parquet[2].raw["credits"] == "-0.4"


def test_gemini_api_rows_and_the_export_own_rate(tmp_path: Path) -> None:
    item = gcp_item(
        "Generate content input token count Gemini 2.5 Flash",
        3_000_000,
        139.5,
        service={"id": "AEFD-7695-64FA", "description": "Gemini API"},
        currency="JPY",
        currency_conversion_rate=155.0,
    )
    events, stats, _ = read(write_gcp_jsonl(tmp_path / "billing.jsonl", [item]))
    assert not stats.problems
    assert (events[0].raw["currency"], events[0].raw["cost"], events[0].raw["cost_usd"]) == ("JPY", "139.5", "0.9")
    assert events[0].raw["input_tokens"] == 3_000_000
    assert events[0].raw["model_normalized"] == "gemini-2.5-flash"


def test_eur_without_the_export_rate_needs_a_rate(tmp_path: Path) -> None:
    items = [
        gcp_item("Gemini 1.5 Pro Input Tokens", 2_000_000, 2.3, currency="EUR", currency_conversion_rate=None),
        gcp_item("Gemini 1.5 Pro Output Tokens", 150_000, 0.69, currency="EUR", currency_conversion_rate=None),
    ]
    path = write_gcp_jsonl(tmp_path / "billing.jsonl", items)
    events, stats, _ = read(path)
    assert all("cost_usd" not in event.raw for event in events)
    assert problems(stats) == [
        (str(path), "unconverted_currency", "2 EUR rows not converted to USD: give a rate for EUR")
    ]
    events, stats, _ = read(path, rates={"EUR": Decimal("1.10")})
    assert [event.raw["cost_usd"] for event in events] == ["2.53", "0.759"] and not stats.problems


def test_adjustments_keep_their_negative_cost_without_tokens(tmp_path: Path) -> None:
    item = gcp_item("Gemini 1.5 Pro Input Tokens", 0, -12.0, cost_type="adjustment")
    events, stats, _ = read(write_gcp_jsonl(tmp_path / "billing.jsonl", [item]))
    assert events[0].raw["cost_usd"] == "-12" and "input_tokens" not in events[0].raw and not stats.problems


def test_bad_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "billing.jsonl"
    lines = [
        json.dumps(gcp_item("Gemini 1.5 Pro Input Tokens", 1000, 0.00125, usage_start_time="yesterday")),
        '{"service": {"description": "Vertex AI"}, "sku": ',
        json.dumps([1, 2]),
        json.dumps(gcp_item("Gemini 1.5 Pro Input Tokens", -1000, 0.00125)),
        json.dumps(gcp_item("Gemini 1.5 Pro Input Tokens", 1000, 0.00125, project={"id": None})),
        json.dumps(gcp_item("Gemini 1.5 Pro Input Tokens", 1000, 0.00125, credits="lots")),
        json.dumps(gcp_item("Gemini 1.5 Pro Output Tokens", 1000, 0.005)),
    ]
    path.write_text("\n".join(lines) + "\n")
    events, stats, _ = read(path)
    assert [event.raw["line"] for event in events] == [4, 7]
    assert "input_tokens" not in events[0].raw
    assert [(location, reason) for location, reason, _ in problems(stats)] == [
        (f"{path}:1", "invalid_field"),
        (f"{path}:2", "invalid_json"),
        (f"{path}:3", "not_an_object"),
        (f"{path}:4", "invalid_tokens"),
        (f"{path}:5", "missing_field"),
        (f"{path}:6", "invalid_field"),
    ]
    assert problems(stats)[4][2] == "missing project_id"


def test_a_jsonl_file_that_is_not_a_billing_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    path.write_text(json.dumps({"eventName": "InvokeModel", "eventTime": "2024-10-03T10:00:00Z"}) + "\n")
    events, stats, _ = read(path)
    assert events == [] and stats.files_failed == 1
    assert problems(stats) == [
        (
            str(path),
            "not_an_export",
            "not read: JSON Lines with columns that are not of a usage export jackwatch reads",
        )
    ]
