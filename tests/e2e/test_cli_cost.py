"""``jackwatch detect`` over several kinds of input: findings priced from tokens, calls and billing; incidents."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e import trails
from tests.e2e.runner import run_cli

T0 = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)
OPUS = "anthropic.claude-3-opus-20240229-v1:0"
CALLS = 600
LOGGED = 100
TOKENS = (10_000, 1_000)


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def invocation_log(index: int) -> dict[str, Any]:
    """The invocation log record of CloudTrail call ``index`` (same request id, identity, model and time)."""
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": stamp(5 * index),
        "accountId": trails.ACCOUNT,
        "identity": {"arn": trails.THIEF},
        "region": "us-east-1",
        "requestId": f"req-call-{index}",
        "operation": "InvokeModel",
        "modelId": OPUS,
        "input": {"inputContentType": "application/json", "inputTokenCount": TOKENS[0]},
        "output": {"outputContentType": "application/json", "outputTokenCount": TOKENS[1]},
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """600 Opus calls by the stolen key in 50 minutes (CloudTrail), the first 100 also in invocation logs."""
    root = tmp_path_factory.mktemp("cost")
    calls = [
        trails.record(f"call-{i}", stamp(5 * i), request={"modelId": OPUS}, source_ip="45.14.71.9")
        for i in range(CALLS)
    ]
    trail = root / "trail.json.gz"
    trail.write_bytes(gzip.compress(json.dumps({"Records": calls}).encode()))
    logs = root / "invocations.jsonl"
    logs.write_text("".join(json.dumps(invocation_log(i)) + "\n" for i in range(LOGGED)), encoding="utf-8")
    return {"trail": trail, "logs": logs}


def detect(*args: str) -> dict[str, Any]:
    result = run_cli("detect", *args, "--no-store", "--format", "json", "--quiet")
    assert result.code == 0, result.describe()
    return result.report()


def test_findings_are_priced_from_tokens_where_logged_and_estimated_elsewhere(inputs: dict[str, Path]) -> None:
    report = detect(str(inputs["trail"]), f"bedrock:{inputs['logs']}")
    volume = next(f for f in report["findings"] if f["rule_id"] == "aws.bedrock.invocation_volume")
    # Opus: $15 input, $75 output per million tokens. 100 calls exactly: 100 × (10,000 × 15 + 1,000 × 75) / 1e6
    # = $22.50; the other calls in the finding's window are estimated at 1,000 + 500 tokens: $0.0525 each.
    estimated = CALLS - LOGGED
    assert volume["cost_usd"] == pytest.approx(22.5 + estimated * 0.0525)
    assert volume["cost_basis"] == "tokens" and volume["cost_estimated"] is True
    assert volume["burn_rate_usd_per_hour"] == pytest.approx(volume["cost_usd"], rel=0.01)  # under an hour
    assert volume["projected_24h_usd"] == pytest.approx(24 * volume["burn_rate_usd_per_hour"], rel=1e-6)
    assert report["stats"]["events_read"] == CALLS + LOGGED


def test_without_invocation_logs_every_call_is_estimated(inputs: dict[str, Path]) -> None:
    report = detect(str(inputs["trail"]), "--tokens-per-call", "2000:1000")
    volume = next(f for f in report["findings"] if f["rule_id"] == "aws.bedrock.invocation_volume")
    assert volume["cost_usd"] == pytest.approx(CALLS * (2000 * 15 + 1000 * 75) / 1e6)
    assert volume["cost_basis"] == "invocations" and volume["cost_estimated"] is True


def test_the_findings_of_one_key_make_one_priced_incident(inputs: dict[str, Path]) -> None:
    report = detect(str(inputs["trail"]), f"bedrock:{inputs['logs']}")
    (incident,) = report["incidents"]
    assert incident["principals"] == [trails.THIEF]
    assert incident["providers"] == ["aws"]
    assert set(incident["finding_ids"]) == {f["id"] for f in report["findings"]}
    assert incident["cost_usd"] == pytest.approx(max(f["cost_usd"] or 0 for f in report["findings"]))
    assert [entry["time"] for entry in incident["timeline"]] == sorted(e["time"] for e in incident["timeline"])


def test_a_price_file_overrides_the_builtin_price(inputs: dict[str, Path], tmp_path: Path) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "prices:\n  - provider: aws_bedrock\n    model: " + OPUS + "\n    region_class: standard\n"
        "    input: 1.0\n    output: 2.0\n    effective: 2026-01-01\n    source: https://example.com/contract\n",
        encoding="utf-8",
    )
    report = detect(str(inputs["trail"]), "--prices", str(prices))
    volume = next(f for f in report["findings"] if f["rule_id"] == "aws.bedrock.invocation_volume")
    assert volume["cost_usd"] == pytest.approx(CALLS * (1000 * 1.0 + 500 * 2.0) / 1e6)


def test_an_unknown_input_kind_is_bad_usage(inputs: dict[str, Path]) -> None:
    result = run_cli("detect", f"splunk:{inputs['trail']}", "--no-store", "--quiet")
    assert result.code == 2
    assert "unknown input kind 'splunk'" in result.stderr


def test_incidents_of_the_store_match_those_of_the_run(inputs: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    ran = run_cli("detect", str(inputs["trail"]), f"bedrock:{inputs['logs']}", "--db", db, "--format", "json", "-q")
    assert ran.code == 0, ran.describe()
    listed = run_cli("incidents", "--db", db, "--format", "json")
    assert listed.code == 0, listed.describe()
    body = listed.json()
    assert set(body) == {"incidents", "stats"} and body["stats"]["incidents"] == 1
    (stored,) = body["incidents"]
    (fresh,) = ran.report()["incidents"]
    assert stored == fresh
    table = run_cli("incidents", "--db", db)
    assert table.code == 0 and "1 incident(s)" in table.text and trails.THIEF in table.text


def test_incidents_offer_and_take_only_their_formats(tmp_path: Path) -> None:
    result = run_cli("incidents", "--db", f"sqlite:///{tmp_path / 'empty.db'}", "--format", "ocsf")
    assert result.code == 2 and "'ocsf' is not one of 'table', 'json', 'jsonl'" in result.stderr, result.describe()
    shown = run_cli("incidents", "--help")
    assert "<table|json|jsonl>" in shown.text and "ocsf" not in shown.text


def test_models_without_a_price_are_listed(tmp_path: Path) -> None:
    mystery = "acme.mystery-model-v1:0"
    calls = [trails.record(f"m-{i}", stamp(i), request={"modelId": mystery}) for i in range(3)]
    trail = tmp_path / "mystery.json"
    trail.write_text(json.dumps({"Records": calls}), encoding="utf-8")
    report = detect(str(trail))
    assert report["stats"]["unpriced_models"] == [f"aws_bedrock {mystery}"]
    table = run_cli("detect", str(trail), "--no-store", "--quiet")
    assert f"not in the price table (their use is not in any cost): aws_bedrock {mystery}" in table.text
