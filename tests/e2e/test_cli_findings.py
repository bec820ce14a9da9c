"""``jackwatch findings`` end to end on both store backends: idempotent storage, filters and formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import DEMO_TRAIL
from tests.e2e.runner import run_cli

APP_USER = "arn:aws:iam::123456789012:user/openai-app-bedrock"
API_KEY_USER = "arn:aws:iam::123456789012:user/BedrockAPIKey-x1y2"
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

Finding = dict[str, Any]


def counted(findings: list[Finding]) -> dict[str, tuple[str, str, int]]:
    """Findings by id: rule, principal and event count."""
    return {f["id"]: (f["rule_id"], f["principal"], f["count"]) for f in findings}


def store_trace(db_url: str) -> list[Finding]:
    """Detect the demo trace into the store at ``db_url``; the findings the run reported."""
    result = run_cli("detect", DEMO_TRAIL, "--db", db_url, "--quiet", "--format", "json")
    assert result.code == 0, result.describe()
    findings: list[Finding] = result.report()["findings"]
    assert findings
    return findings


def listed(db_url: str, *args: str) -> list[Finding]:
    """``jackwatch findings --format json ARGS`` on the store at ``db_url``."""
    result = run_cli("findings", "--db", db_url, "--format", "json", *args)
    assert result.code == 0, result.describe()
    report = result.report()
    assert report["stats"]["findings"] == len(report["findings"])
    findings: list[Finding] = report["findings"]
    return findings


def test_detecting_the_same_trace_twice_updates_instead_of_duplicating(db_url: str) -> None:
    first = store_trace(db_url)
    second = store_trace(db_url)
    assert counted(second) == counted(first)
    stored = listed(db_url)
    assert len(stored) == len(first)
    assert counted(stored) == counted(first)
    assert {(f["id"], f["first_seen"], f["last_seen"]) for f in stored} == {
        (f["id"], f["first_seen"], f["last_seen"]) for f in first
    }


FILTERS: list[tuple[tuple[str, ...], Callable[[Finding], bool]]] = [
    (("--rule", "aws.bedrock.invoke_probe"), lambda f: f["rule_id"] == "aws.bedrock.invoke_probe"),
    (("--principal", API_KEY_USER), lambda f: f["principal"] == API_KEY_USER),
    (("--severity", "high"), lambda f: RANK[f["severity"]] >= RANK["high"]),
    (("--severity", "HIGH"), lambda f: RANK[f["severity"]] >= RANK["high"]),
    (("--since", "2025-06-10T17:00:00Z"), lambda f: f["last_seen"] >= "2025-06-10T17:00:00Z"),
    (("--until", "2025-06-10T14:10:00Z"), lambda f: f["first_seen"] <= "2025-06-10T14:10:00Z"),
    (
        ("--since", "2025-06-10T15:00:00Z", "--until", "2025-06-10T15:30:00Z"),
        lambda f: f["last_seen"] >= "2025-06-10T15:00:00Z" and f["first_seen"] <= "2025-06-10T15:30:00Z",
    ),
    (
        ("--rule", "aws.bedrock.guardrail_tampered", "--principal", APP_USER),
        lambda f: f["rule_id"] == "aws.bedrock.guardrail_tampered" and f["principal"] == APP_USER,
    ),
    (("--since", "24h"), lambda f: False),
    (("--rule", "aws.bedrock.no_such_rule"), lambda f: False),
]


def test_filters_select_what_the_store_holds(db_url: str) -> None:
    reported = store_trace(db_url)
    everything = listed(db_url)
    assert counted(everything) == counted(reported)
    ranks = [RANK[f["severity"]] for f in everything]
    assert ranks == sorted(ranks, reverse=True), "most severe first"
    for args, keep in FILTERS:
        expected = {f["id"] for f in reported if keep(f)}
        assert {f["id"] for f in listed(db_url, *args)} == expected, args
    selective = [args for args, keep in FILTERS if 0 < sum(map(keep, reported)) < len(reported)]
    assert selective == [args for args, _ in FILTERS[:-2]], "all but the last two filters select some findings"
    limited = listed(db_url, "--limit", "3")
    assert [f["id"] for f in limited] == [f["id"] for f in everything[:3]]
    high = listed(db_url, "--severity", "high", "--limit", "2")
    assert len(high) == 2 and all(f["severity"] == "high" for f in high)


def test_output_formats(db_url: str) -> None:
    reported = store_trace(db_url)
    table = run_cli("findings", "--db", db_url, "--rule", "aws.bedrock.invoke_probe")
    assert table.code == 0, table.describe()
    assert "aws.bedrock.invoke_probe" in table.text and APP_USER in table.text
    assert "1 finding(s)" in table.text
    lines = run_cli("findings", "--db", db_url, "--format", "jsonl")
    assert lines.code == 0, lines.describe()
    assert counted(lines.jsonl()) == counted(reported)
    ocsf = run_cli("findings", "--db", db_url, "--format", "ocsf", "--principal", API_KEY_USER)
    assert ocsf.code == 0, ocsf.describe()
    assert {f["finding_info"]["uid"] for f in ocsf.json()} == {
        f["id"] for f in reported if f["principal"] == API_KEY_USER
    }


def test_an_empty_store_has_no_findings(db_url: str) -> None:
    result = run_cli("findings", "--db", db_url)
    assert result.code == 0, result.describe()
    assert "No findings." in result.text
    assert listed(db_url) == []


@pytest.mark.parametrize(
    "args",
    [("--severity", "urgent"), ("--limit", "0"), ("--since", "last tuesday"), ("--format", "csv")],
)
def test_bad_filters_are_usage_errors_before_the_store_is_opened(args: tuple[str, ...], tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    result = run_cli("findings", "--db", store, *args)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert "Traceback" not in result.stderr
    assert not store.exists()


def test_an_unusable_store_url_is_a_usage_error() -> None:
    result = run_cli("findings", "--db", "mysql://root@127.0.0.1/jackwatch")
    assert result.code == 2, result.describe()
    assert "unsupported database URL" in result.stderr
