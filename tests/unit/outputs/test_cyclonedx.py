"""CycloneDX output of a scan: valid 1.6 JSON with PURLs, AI properties and vulnerabilities."""

from __future__ import annotations

import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from tests.datasets import needs
from tests.scanroots import SAMPLES, scan_samples

from jackwatch.inventory.scan import ScanResult
from jackwatch.outputs.cyclonedx import AI_CATEGORY, AI_PROVIDERS, bom_json
from jackwatch.sources.stats import ReadStats


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, str]:
    return scan_samples(tmp_path_factory.mktemp("root"))


def validate(text: str) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error


@needs(SAMPLES)
def test_components_ai_properties_and_vulnerabilities(scanned: tuple[ScanResult, str]) -> None:
    result, key = scanned
    text = bom_json(result)
    validate(text)
    assert key not in text
    bom = json.loads(text)
    components = {c["purl"]: c for c in bom["components"]}
    assert len(components) == 9
    mlflow = {p["name"]: p["value"] for p in components["pkg:pypi/mlflow@2.9.2"]["properties"]}
    assert mlflow[AI_CATEGORY] == "model_hub" and "openai" in mlflow[AI_PROVIDERS].split(",")
    assert AI_CATEGORY not in {p["name"] for p in components["pkg:pypi/aiohttp@3.9.1"]["properties"]}
    vulns = bom["vulnerabilities"]
    assert len(vulns) == sum(len(s.vulnerabilities) for s in result.packages)
    pillow = [v for v in vulns if v["affects"][0]["ref"] == "pkg:pypi/pillow@10.0.0"]
    assert len(pillow) == 1 and pillow[0]["recommendation"] == "Upgrade Pillow to 10.0.1"
    assert all(v["ratings"][0]["severity"] in {"critical", "high", "medium", "low", "unknown"} for v in vulns)
    assert any("score" in v["ratings"][0] and "vector" in v["ratings"][0] for v in vulns)


def test_an_empty_scan_is_a_valid_bom() -> None:
    text = bom_json(ScanResult("empty", "fs", [], [], ReadStats()))
    validate(text)
    assert "vulnerabilities" not in json.loads(text) or json.loads(text)["vulnerabilities"] == []


def test_the_validator_rejects_a_broken_bom() -> None:
    bom = json.loads(bom_json(ScanResult("empty", "fs", [], [], ReadStats())))
    bom["components"] = [{"type": "not-a-type", "name": "x"}]
    with pytest.raises(AssertionError):
        validate(json.dumps(bom))
