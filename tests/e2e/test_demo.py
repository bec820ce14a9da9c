"""``jackwatch demo`` end to end: the openai-app trace gives exactly the detections its manifest expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import DEMO
from tests.e2e.runner import run_cli, run_jackwatch

Report = dict[str, Any]
Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def demo_report() -> Report:
    """``jackwatch demo examples/openai-app --format json``, run once for the module."""
    result = run_cli("demo", DEMO, "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


def pairs(report: Report) -> set[tuple[str, str]]:
    """(rule id, principal) of every finding."""
    return {(f["rule_id"], f["principal"]) for f in report["findings"]}


def test_every_required_detection_is_found(demo_report: Report, demo_manifest: Manifest) -> None:
    required = {(e["rule_id"], e["principal"]) for e in demo_manifest["expected"] if e.get("required")}
    assert required, "the manifest must require something"
    missing = sorted(required - pairs(demo_report))
    assert missing == [], f"required detections not found: {missing}"


def test_expected_detections_start_after_the_attack(demo_report: Report, demo_manifest: Manifest) -> None:
    expected = {(e["rule_id"], e["principal"]) for e in demo_manifest["expected"]}
    for finding in demo_report["findings"]:
        if (finding["rule_id"], finding["principal"]) in expected:
            assert finding["first_seen"] >= demo_manifest["attack_start"], finding["id"]


def test_legitimate_principals_stay_quiet(demo_report: Report, demo_manifest: Manifest) -> None:
    quiet = set(demo_manifest["quiet_principals"])
    assert quiet, "the manifest must name the legitimate principals"
    noisy = sorted(pair for pair in pairs(demo_report) if pair[1] in quiet)
    assert noisy == [], f"findings about legitimate principals: {noisy}"


def test_no_finding_before_the_theft(demo_report: Report, demo_manifest: Manifest) -> None:
    watched = set(demo_manifest.get("quiet_before_attack", []))
    early = [
        (f["rule_id"], f["first_seen"])
        for f in demo_report["findings"]
        if f["principal"] in watched and f["first_seen"] < demo_manifest["attack_start"]
    ]
    assert early == []


def test_rules_the_manifest_expects_nothing_from_stay_quiet(demo_report: Report, demo_manifest: Manifest) -> None:
    silent = set(demo_manifest.get("rules", [])) - {e["rule_id"] for e in demo_manifest["expected"]}
    fired = sorted(rule for rule, _ in pairs(demo_report) if rule in silent)
    assert fired == []


def test_the_whole_trace_is_read(demo_report: Report, demo_manifest: Manifest) -> None:
    stats = demo_report["stats"]
    assert (stats["files_failed"], stats["events_skipped"], stats["problems"]) == (0, 0, [])
    trace = demo_manifest.get("trace", {})
    if "events" in trace:
        assert stats["events_read"] == trace["events"]
    if "files" in trace:
        assert stats["files_read"] == trace["files"]
    assert stats["findings"] == len(demo_report["findings"])
    assert "temporary" in stats["store"]


def test_the_demo_table_from_the_checkout(demo_manifest: Manifest) -> None:
    result = run_jackwatch("demo")
    assert result.code == 0, result.describe()
    text = result.text
    for rule_id in {e["rule_id"] for e in demo_manifest["expected"] if e.get("required")}:
        assert rule_id in text, rule_id
    assert "files failed: 0" in text


def test_the_demo_into_a_store(db_url: str, demo_report: Report) -> None:
    result = run_cli("demo", DEMO, "--db", db_url, "--format", "json")
    assert result.code == 0, result.describe()
    report = result.report()
    assert "temporary" not in report["stats"]["store"]
    counts = {f["id"]: f["count"] for f in report["findings"]}
    assert counts == {f["id"]: f["count"] for f in demo_report["findings"]}
    listed = run_cli("findings", "--db", db_url, "--format", "json")
    assert listed.code == 0, listed.describe()
    assert {f["id"]: f["count"] for f in listed.report()["findings"]} == counts


def test_a_directory_without_a_trace_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("demo", tmp_path)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert f"no demo trace at {tmp_path / 'cloudtrail'}" in result.stderr
