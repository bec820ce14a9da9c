"""SARIF 2.1.0 output of a scan: rules per advisory and key kind, located results, levels from severities."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from tests.datasets import needs
from tests.scanroots import SAMPLES, scan_samples

from jackwatch.inventory.scan import ScanResult
from jackwatch.outputs.sarif import scan_to_sarif, write_sarif
from jackwatch.sources.stats import ReadStats

LEVELS = {"none", "note", "warning", "error"}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, str]:
    return scan_samples(tmp_path_factory.mktemp("root"))


def assert_sarif_2_1_0(log: dict[str, object]) -> None:
    """The structure the SARIF 2.1.0 schema requires of what jackwatch writes (the schema is not on disk)."""
    assert log["version"] == "2.1.0" and isinstance(log["$schema"], str)
    runs = log["runs"]
    assert isinstance(runs, list) and len(runs) == 1
    run = runs[0]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["defaultConfiguration"]["level"] in LEVELS
        assert 0 <= float(rule["properties"]["security-severity"]) <= 10
    for result in run["results"]:
        assert result["message"]["text"] and result["level"] in LEVELS
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["locations"]
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uriBaseId"] in run["originalUriBaseIds"] and not artifact["uri"].startswith("/")
            region = location["physicalLocation"].get("region")
            assert region is None or (region["startLine"] >= 1 and region.get("startColumn", 1) >= 1)


@needs(SAMPLES)
def test_every_vulnerability_and_leak_is_a_located_result(scanned: tuple[ScanResult, str]) -> None:
    result, key = scanned
    stream = io.BytesIO()
    write_sarif(result, stream)
    assert key.encode() not in stream.getvalue()
    log = orjson.loads(stream.getvalue())
    assert_sarif_2_1_0(log)
    results = log["runs"][0]["results"]
    vulns = [item for item in results if not item["ruleId"].startswith("secret.")]
    assert len(vulns) == sum(len(s.vulnerabilities) for s in result.packages)
    pillow = next(item for item in vulns if item["properties"]["purl"] == "pkg:pypi/pillow@10.0.0")
    uri = pillow["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "venv/lib/python3.11/site-packages/Pillow-10.0.0.dist-info"
    assert "upgrade to 10.0.1" in pillow["message"]["text"]
    critical = next(item for item in vulns if item["properties"]["severity"] == "critical")
    assert critical["level"] == "error"
    [leak] = [item for item in results if item["ruleId"] == "secret.openai"]
    region = leak["locations"][0]["physicalLocation"]["region"]
    assert (leak["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], region) == (
        "app/.env",
        {"startLine": 2, "startColumn": 16},
    )


def test_an_empty_scan_is_a_valid_log_without_results() -> None:
    log = scan_to_sarif(ScanResult("empty", "fs", [], [], ReadStats()))
    assert_sarif_2_1_0(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_check_rejects_a_result_without_location(tmp_path: Path) -> None:
    log = scan_to_sarif(ScanResult("empty", "fs", [], [], ReadStats()))
    log["runs"][0]["results"].append({"ruleId": "x", "ruleIndex": 0, "level": "error", "message": {"text": "t"}})
    with pytest.raises((AssertionError, IndexError, KeyError)):
        assert_sarif_2_1_0(log)
