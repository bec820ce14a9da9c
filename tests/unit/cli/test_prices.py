"""``jackwatch prices``: the table, its filters, JSON output, override files and bad files (exit 2, file:line)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jackwatch.cli.main import app

runner = CliRunner()

OVERRIDE = """\
defaults:
  provider: aws_bedrock
  effective: 2026-01-15
  source: https://wiki.example.com/negotiated-prices
prices:
  - model: anthropic.claude-3-opus-20240229-v1:0
    input: 12.00
    output: 60.00
  - model: acme.frontier-v1:0
    input: 0.00875
    output: 1
"""


def test_the_table_shows_every_provider_with_prices_per_million_tokens() -> None:
    result = runner.invoke(app, ["prices"])
    assert result.exit_code == 0, result.output
    for text in ("aws_bedrock", "azure_openai", "gcp_vertex", "openai", "anthropic", "USD per million tokens"):
        assert text in result.stdout
    row = next(line for line in result.stdout.splitlines() if "anthropic.claude-3-7-sonnet-20250219-v1:0" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        "aws_bedrock",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "standard",
        "3.00",
        "15.00",
        "0.30",
        "3.75",
        "2025-12-01",
        "https://aws.amazon.com/bedrock/pricing/",
    ]


def test_filters_by_provider_and_model_substring_including_aliases() -> None:
    result = runner.invoke(app, ["prices", "--provider", "openai", "--model", "2024-08-06", "--format", "json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["prices"]
    assert entry == {
        "provider": "openai",
        "model": "gpt-4o",
        "aliases": ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20"],
        "region_class": "standard",
        "input_per_million": 2.5,
        "output_per_million": 10.0,
        "cache_read_per_million": 1.25,
        "cache_write_per_million": None,
        "effective": "2025-12-01",
        "source": "https://platform.openai.com/docs/pricing",
        "note": None,
    }


def test_several_providers_and_case_insensitive_values() -> None:
    result = runner.invoke(app, ["prices", "-p", "GCP_VERTEX", "-p", "anthropic", "-m", "Opus-4-5", "-f", "JSON"])
    assert result.exit_code == 0, result.output
    rows = [(e["provider"], e["model"], e["region_class"]) for e in json.loads(result.stdout)["prices"]]
    assert rows == [
        ("anthropic", "claude-opus-4-5-20251101", "standard"),
        ("gcp_vertex", "claude-opus-4-5@20251101", "global"),
        ("gcp_vertex", "claude-opus-4-5@20251101", "regional"),
    ]


def test_nothing_matches() -> None:
    result = runner.invoke(app, ["prices", "--model", "no-such-model", "--format", "json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"prices": []})
    assert "0 price(s)" in runner.invoke(app, ["prices", "--model", "no-such-model"]).stdout


def test_override_files_replace_and_extend_the_built_in_prices(tmp_path: Path) -> None:
    path = tmp_path / "negotiated.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    result = runner.invoke(app, ["prices", "--prices", str(path), "-p", "aws_bedrock", "-m", "o", "-f", "json"])
    assert result.exit_code == 0, result.output
    by_model = {e["model"]: e for e in json.loads(result.stdout)["prices"]}
    opus = by_model["anthropic.claude-3-opus-20240229-v1:0"]
    assert (opus["input_per_million"], opus["effective"], opus["source"], opus["aliases"]) == (
        12.0,
        "2026-01-15",
        "https://wiki.example.com/negotiated-prices",
        [],
    )
    assert by_model["acme.frontier-v1:0"]["input_per_million"] == 0.00875
    table = runner.invoke(app, ["prices", "--prices", str(path), "-m", "acme"])
    assert "0.00875" in table.stdout and "1.00" in table.stdout


def test_a_bad_file_exits_2_with_every_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(OVERRIDE.replace("input: 12.00", "input: twelve").replace("output: 1\n", "outptu: 1\n"))
    result = runner.invoke(app, ["prices", "--prices", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"error: {path}:7: input: must be a number (USD per million tokens), not 'twelve'",
        f"error: {path}:9: missing output",
        f"error: {path}:11: unknown key 'outptu' (expected: model, aliases, input, output, cache_read, cache_write, "
        "note, provider, region_class, effective, source)",
    ]


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prices", "--prices", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'absent.yaml'}: cannot read the price file" in result.stderr


def test_an_unknown_provider_or_format_is_a_usage_error() -> None:
    for args in (["prices", "--provider", "mistral"], ["prices", "--format", "csv"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "Invalid value" in result.stderr, result.output
