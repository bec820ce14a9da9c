"""``jackwatch demo`` end to end: the openai-app trace, invocation logs and bill give exactly the detections their
manifests expect, and the LLMjacking incident with its cost."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import COST_MANIFEST, DEMO, DEMO_INVOCATIONS, DEMO_SETTINGS, DEMO_TRAIL, RUNTIME_MANIFEST
from tests.e2e.runner import run_cli, run_jackwatch

from jackwatch.cost import DEFAULT_TOKENS_PER_CALL, TokenUsage, cost_of, estimate_cost, load_price_table

Report = dict[str, Any]
Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def demo_report() -> Report:
    """``jackwatch demo examples/openai-app --format json``, run once for the module."""
    result = run_cli("demo", DEMO, "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


@pytest.fixture(scope="module")
def cost_manifest() -> Manifest:
    """What the invocation logs and the billing export must give, and the incident's cost."""
    manifest = json.loads(COST_MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict) and manifest.get("expected") and manifest.get("incident"), COST_MANIFEST
    return manifest


@pytest.fixture(params=["cloudtrail", "bedrock-billing"])
def manifest(request: pytest.FixtureRequest, demo_manifest: Manifest, cost_manifest: Manifest) -> Manifest:
    """Each manifest in turn: the CloudTrail one, and the one of the invocation logs and the bill."""
    return demo_manifest if request.param == "cloudtrail" else cost_manifest


def detect(*inputs: str | Path) -> Report:
    """``jackwatch detect INPUTS… --config <the demo's settings>`` as JSON, nothing stored."""
    result = run_cli("detect", *inputs, "--config", DEMO_SETTINGS, "--no-store", "--quiet", "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


@pytest.fixture(scope="module")
def trail_only_report() -> Report:
    """The demo's CloudTrail alone: every invocation priced from an assumed size."""
    return detect(DEMO_TRAIL)


@pytest.fixture(scope="module")
def trail_and_logs_report() -> Report:
    """CloudTrail and the invocation logs, without the bill."""
    return detect(DEMO_TRAIL, f"bedrock:{DEMO_INVOCATIONS}")


def pairs(report: Report) -> set[tuple[str, str]]:
    """(rule id, principal) of every finding."""
    return {(f["rule_id"], f["principal"]) for f in report["findings"]}


def finding(report: Report, rule_id: str, principal: str) -> dict[str, Any]:
    (found,) = [f for f in report["findings"] if (f["rule_id"], f["principal"]) == (rule_id, principal)]
    return found


def stolen_key_incident(report: Report, principal: str) -> dict[str, Any]:
    """The one incident holding ``principal``'s findings."""
    (found,) = [incident for incident in report["incidents"] if principal in incident["principals"]]
    return found


def in_range(value: float, bounds: dict[str, float]) -> bool:
    return bounds["min"] <= value <= bounds["max"]


def test_every_required_detection_is_found(demo_report: Report, manifest: Manifest) -> None:
    required = {(e["rule_id"], e["principal"]) for e in manifest["expected"] if e.get("required")}
    assert required, "the manifest must require something"
    missing = sorted(required - pairs(demo_report))
    assert missing == [], f"required detections not found: {missing}"


def test_expected_detections_start_after_the_attack(demo_report: Report, manifest: Manifest) -> None:
    expected = {(e["rule_id"], e["principal"]) for e in manifest["expected"]}
    for found in demo_report["findings"]:
        if (found["rule_id"], found["principal"]) in expected:
            assert found["first_seen"] >= manifest["attack_start"], found["id"]


def test_legitimate_principals_stay_quiet(demo_report: Report, manifest: Manifest) -> None:
    quiet = set(manifest["quiet_principals"])
    assert quiet, "the manifest must name the legitimate principals"
    noisy = sorted(pair for pair in pairs(demo_report) if pair[1] in quiet)
    assert noisy == [], f"findings about legitimate principals: {noisy}"


def test_no_finding_before_the_theft(demo_report: Report, manifest: Manifest) -> None:
    watched = set(manifest.get("quiet_before_attack", []))
    early = [
        (f["rule_id"], f["first_seen"])
        for f in demo_report["findings"]
        if f["principal"] in watched and f["first_seen"] < manifest["attack_start"]
    ]
    assert early == []


def test_rules_the_manifest_expects_nothing_from_stay_quiet(demo_report: Report, manifest: Manifest) -> None:
    silent = set(manifest.get("rules", [])) - {e["rule_id"] for e in manifest["expected"]}
    assert silent, "each manifest names rules that must stay quiet"
    fired = sorted(rule for rule, _ in pairs(demo_report) if rule in silent)
    assert fired == []


def test_the_whole_demo_is_read(demo_report: Report, demo_manifest: Manifest, cost_manifest: Manifest) -> None:
    stats = demo_report["stats"]
    assert (stats["files_failed"], stats["events_skipped"], stats["problems"]) == (0, 0, [])
    trace, logs, bill = demo_manifest["trace"], cost_manifest["inputs"]["bedrock"], cost_manifest["inputs"]["usage"]
    runtime = json.loads(RUNTIME_MANIFEST.read_text(encoding="utf-8"))["trace"]
    assert stats["events_read"] == trace["events"] + logs["records"] + bill["llm_rows"] + runtime["records"]
    assert stats["files_read"] == trace["files"] + logs["files"] + bill["files"] + runtime["files"]
    assert stats["findings"] == len(demo_report["findings"])
    assert "temporary" in stats["store"]


def test_the_secret_in_a_prompt_is_reported_redacted(demo_report: Report, cost_manifest: Manifest) -> None:
    entry = next(e for e in cost_manifest["expected"] if e["rule_id"] == "aws.bedrock.secrets_in_prompt")
    prompt = next(
        record["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"]
        for record in invocation_records()
        if record["requestId"] == entry["request_id"]
    )
    secret = prompt.split('aws_secret_access_key="', 1)[1].split('"', 1)[0]
    assert len(secret) == 40
    found = finding(demo_report, entry["rule_id"], entry["principal"])
    shown = json.dumps(found)
    assert entry["secret"]["access_key_id"] in shown and secret[:4] in shown
    assert secret not in json.dumps(demo_report), "the secret key leaked into the report"


def test_the_incident_is_found_with_its_cost(demo_report: Report, cost_manifest: Manifest) -> None:
    expected = cost_manifest["incident"]
    incident = stolen_key_incident(demo_report, expected["principals"][0])
    assert set(expected["principals"]) <= set(incident["principals"])
    assert incident["providers"] == expected["providers"]
    assert set(expected["rule_ids"]) <= set(incident["rule_ids"])
    assert incident["first_seen"] >= cost_manifest["attack_start"]
    assert in_range(incident["cost_usd"], expected["cost_usd"]["all"]), (incident["cost_usd"], expected["cost_usd"])
    assert incident["cost_basis"] == expected["cost_basis"]["all"]
    assert incident["cost_estimated"] is True
    assert incident["burn_rate_usd_per_hour"] > 0 and incident["projected_24h_usd"] > incident["cost_usd"]


def test_the_incident_costs_each_principals_costliest_finding(demo_report: Report, cost_manifest: Manifest) -> None:
    incident = stolen_key_incident(demo_report, cost_manifest["incident"]["principals"][0])
    members = [f for f in demo_report["findings"] if f["id"] in set(incident["finding_ids"])]
    costliest = {
        who: max(f["cost_usd"] or 0 for f in members if f["principal"] == who) for who in incident["principals"]
    }
    assert incident["cost_usd"] == pytest.approx(sum(costliest.values()), abs=1e-5)


def test_findings_carry_cost_figures(demo_report: Report, cost_manifest: Manifest) -> None:
    app = cost_manifest["incident"]["principals"][0]
    for found in demo_report["findings"]:
        assert {"cost_usd", "cost_basis", "cost_estimated", "burn_rate_usd_per_hour"} <= set(found), found["id"]
    volume = finding(demo_report, "aws.bedrock.invocation_volume", app)
    assert volume["cost_usd"] > 0 and volume["projected_24h_usd"] > volume["cost_usd"]
    spend = finding(demo_report, "cost.llm_spend_spike", app)
    assert (spend["cost_basis"], spend["cost_usd"] > 50) == ("billing", True)


@pytest.mark.parametrize(
    ("scenario", "report_fixture"),
    [("cloudtrail", "trail_only_report"), ("cloudtrail_and_logs", "trail_and_logs_report")],
)
def test_the_incident_cost_from_fewer_inputs(
    scenario: str, report_fixture: str, cost_manifest: Manifest, request: pytest.FixtureRequest
) -> None:
    report: Report = request.getfixturevalue(report_fixture)
    expected = cost_manifest["incident"]
    incident = stolen_key_incident(report, expected["principals"][0])
    assert in_range(incident["cost_usd"], expected["cost_usd"][scenario]), (scenario, incident["cost_usd"])
    assert incident["cost_basis"] == expected["cost_basis"][scenario]


def test_logged_calls_are_priced_once_from_their_tokens(
    trail_only_report: Report, trail_and_logs_report: Report, cost_manifest: Manifest
) -> None:
    """The thief's invocation-volume finding: its logged calls cost their tokens instead of the per-call estimate,
    each once; the calls without a log keep the estimate."""
    app = cost_manifest["incident"]["principals"][0]
    estimated = finding(trail_only_report, "aws.bedrock.invocation_volume", app)
    exact = finding(trail_and_logs_report, "aws.bedrock.invocation_volume", app)
    assert (estimated["first_seen"], estimated["last_seen"]) == (exact["first_seen"], exact["last_seen"])
    table = load_price_table()
    start, end = minute(exact["first_seen"]), minute(exact["last_seen"])
    difference = Decimal(0)
    logged = 0
    for record in invocation_records():
        if record["identity"]["arn"] != app or "errorCode" in record or not start <= minute(record["timestamp"]) <= end:
            continue
        price = table.lookup("aws_bedrock", record["modelId"], record["region"])
        tokens = TokenUsage(
            record["input"]["inputTokenCount"],
            record["output"]["outputTokenCount"],
            record["input"].get("cacheReadInputTokenCount", 0),
            record["input"].get("cacheWriteInputTokenCount", 0),
        )
        difference += (cost_of(price, tokens).amount or 0) - (
            estimate_cost(price, 1, DEFAULT_TOKENS_PER_CALL).amount or 0
        )
        logged += 1
    assert logged > 0, "the finding's window holds logged calls"
    assert exact["cost_usd"] - estimated["cost_usd"] == pytest.approx(float(difference), abs=1e-5)
    assert (exact["cost_basis"], exact["cost_estimated"]) == ("tokens", True)
    assert (estimated["cost_basis"], estimated["cost_estimated"]) == ("invocations", True)


def minute(stamp: str) -> datetime:
    """An ISO time cut to its minute."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(second=0, microsecond=0)


def invocation_records() -> Iterator[dict[str, Any]]:
    """Every record of the committed invocation logs."""
    for path in sorted(DEMO_INVOCATIONS.rglob("*.json.gz")):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            yield json.loads(line)


def test_the_demo_table_from_the_checkout(demo_manifest: Manifest, cost_manifest: Manifest) -> None:
    result = run_jackwatch("demo")
    assert result.code == 0, result.describe()
    text = result.text
    for entries in (demo_manifest["expected"], cost_manifest["expected"]):
        for rule_id in {e["rule_id"] for e in entries if e.get("required")}:
            assert rule_id in text, rule_id
    assert "2 incident(s)" in text and "files failed: 0" in text  # the key abuse, the intrusion


def test_the_demo_into_a_store(db_url: str, demo_report: Report) -> None:
    result = run_cli("demo", DEMO, "--db", db_url, "--format", "json")
    assert result.code == 0, result.describe()
    report = result.report()
    assert "temporary" not in report["stats"]["store"]
    counts = {f["id"]: f["count"] for f in report["findings"]}
    assert counts == {f["id"]: f["count"] for f in demo_report["findings"]}
    assert [i["cost_usd"] for i in report["incidents"]] == [i["cost_usd"] for i in demo_report["incidents"]]
    listed = run_cli("findings", "--db", db_url, "--format", "json")
    assert listed.code == 0, listed.describe()
    stored = listed.report()["findings"]
    assert {f["id"]: f["count"] for f in stored if f["kind"] == "detection"} == counts
    scanned = {f["id"] for f in stored if f["kind"] != "detection" and not f["rule_id"].startswith("k8s.")}
    expected = report["scan"]["summary"]["vulnerabilities"]
    assert len(scanned) == sum(expected.values()) + len({s["fingerprint"] for s in report["scan"]["secrets"]})


def test_a_trace_alone_is_a_demo_environment(tmp_path: Path, demo_manifest: Manifest) -> None:
    shutil.copytree(DEMO_TRAIL, tmp_path / "cloudtrail")
    result = run_cli("demo", tmp_path, "--format", "json")
    assert result.code == 0, result.describe()
    report = result.report()
    assert report["stats"]["events_read"] == demo_manifest["trace"]["events"]
    rules = {f["rule_id"] for f in report["findings"]}
    assert "aws.bedrock.invocation_volume" in rules and "aws.bedrock.token_spike" not in rules


def test_a_directory_without_a_trace_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("demo", tmp_path)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert f"no demo trace at {tmp_path / 'cloudtrail'}" in result.stderr
