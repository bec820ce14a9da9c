"""``jackwatch demo`` and the app's image: the AI packages, their vulnerabilities (KEV flag, fixed versions) and the
leaked keys, redacted, shown before the detection report; the scan's findings and assets in the demo's store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.datasets import needs
from tests.e2e.demo_env import DEMO, DEMO_TRAIL
from tests.e2e.runner import run_cli, run_jackwatch
from tests.scanroots import SAMPLES, expected_matches

from jackwatch.inventory.image import open_image
from jackwatch.secrets import fingerprint, redact

Report = dict[str, Any]
IMAGE = DEMO / "image"
AI_PACKAGES = {"gradio", "langchain", "langchain-experimental", "llama-index", "mlflow", "transformers"}


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    """The secrets the image leaks, by variable: the AWS secret access key and the OpenAI key."""
    with open_image(IMAGE) as root:
        environment = root.config.environment
    return {name: environment[name] for name in ("AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY")}


@pytest.fixture(scope="module")
def report() -> Report:
    result = run_cli("demo", DEMO, "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


def normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_the_json_report_keeps_its_keys_and_adds_the_scan(report: Report) -> None:
    assert list(report) == ["findings", "incidents", "stats", "scan", "runtime", "risks", "paths"]
    scan = report["scan"]
    assert scan["target"].startswith("image://sha256:")
    assert {"packages", "vulnerabilities", "secrets", "summary", "stats"} <= set(scan)
    assert {f["kind"] for f in report["findings"]} == {"detection"}
    assert report["stats"]["findings"] == len(report["findings"])
    assert scan["stats"]["problems"] == [] and scan["stats"]["events_skipped"] == 0


def test_the_ai_packages_of_the_image_are_found(report: Report) -> None:
    packages = report["scan"]["packages"]
    assert {normalized(p["name"]) for p in packages if p["ai"]} == AI_PACKAGES
    assert len(packages) == 9 and report["scan"]["summary"]["ai_packages"] == 6
    assert all(p["locations"][0].startswith("usr/local/lib/python3.11/site-packages/") for p in packages)


@needs(SAMPLES)
def test_every_expected_vulnerability_of_the_samples_is_shown(report: Report) -> None:
    vulnerabilities = report["scan"]["vulnerabilities"]
    wanted = {name: items for name, items in expected_matches().items() if items}
    assert wanted, "the samples have advisories"
    for name, items in wanted.items():
        found = [v for v in vulnerabilities if normalized(v["package"]) == name]
        for item in items:
            [match] = [v for v in found if item["id"] in (v["id"], *v["aliases"])]
            assert match["fixed_versions"] == item["fixed"], (name, item["id"])
            assert isinstance(match["kev"], bool) and "fix_version" in match
    assert {normalized(p["name"]) for p in report["scan"]["packages"] if p["vulnerabilities"]} == set(wanted)


def test_the_leaked_keys_are_shown_redacted_never_whole(report: Report, keys: dict[str, str]) -> None:
    secrets = report["scan"]["secrets"]
    assert {s["provider"] for s in secrets} == {"aws", "openai"}
    assert {s["fingerprint"] for s in secrets} == {fingerprint(key) for key in keys.values()}
    assert {s["redacted"] for s in secrets} == {redact(key) for key in keys.values()}
    assert {s["location"] for s in secrets} >= {
        "image config Env (OPENAI_API_KEY)",
        "image config Env (AWS_SECRET_ACCESS_KEY)",
    }
    text = json.dumps(report)
    assert not [name for name, key in keys.items() if key in text]


def test_the_key_pasted_into_a_prompt_is_the_one_leaked_by_the_image(report: Report, keys: dict[str, str]) -> None:
    [pasted] = [f for f in report["findings"] if f["rule_id"] == "aws.bedrock.secrets_in_prompt"]
    assert fingerprint(keys["AWS_SECRET_ACCESS_KEY"]) in pasted["evidence"]["output"]


def test_the_table_shows_the_scan_before_the_detections(keys: dict[str, str]) -> None:
    result = run_jackwatch("demo")
    assert result.code == 0, result.describe()
    text = result.text
    for heading in ("Packages in image://sha256:", "Vulnerabilities", "Keys in plain sight", "KEV", "fixed in"):
        assert heading in text, heading
    assert text.index("Keys in plain sight") < text.index("finding(s)") < text.index("incident(s)")
    assert "langchain" in text and "0.1.11" in text and "CVE-2023-36095" in text
    assert all(redact(key) in text for key in keys.values())
    assert not [name for name, key in keys.items() if key in text]


def test_the_scan_goes_to_the_demo_store_as_findings_and_assets(db_url: str, keys: dict[str, str]) -> None:
    result = run_cli("demo", DEMO, "--db", db_url, "--format", "json")
    assert result.code == 0, result.describe()
    listed = run_cli("assets", "--db", db_url, "--format", "json")
    assert listed.code == 0, listed.describe()
    assets = {a["id"]: a for a in listed.json()["assets"]}
    [image] = [a for a in assets.values() if a["kind"] == "image" and a["attrs"].get("source") != "kubernetes"]
    assert image["ref"] == result.report()["scan"]["target"] and image["target"] == str(IMAGE)
    assert image["name"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app:1.4.2"
    packages = [a for a in assets.values() if a["kind"] == "package"]
    assert len(packages) == 9 and {a["parent"] for a in packages} == {image["id"]}
    assert {normalized(a["name"]) for a in packages if a["attrs"]["ai"]} == AI_PACKAGES
    findings = run_cli("findings", "--db", db_url, "--format", "json").report()["findings"]
    scanned = [f for f in findings if f["kind"] != "detection"]
    assert scanned and all(set(f["evidence"]["assets"]) <= set(assets) for f in scanned)
    secrets = [f for f in scanned if f["rule_id"].startswith("secret.")]
    assert {f["rule_id"] for f in secrets} == {"secret.aws", "secret.openai"}
    assert {f["evidence"]["assets"][0] for f in secrets} == {image["id"]}
    stored = json.dumps([findings, listed.json()])
    assert not [name for name, key in keys.items() if key in stored]


def test_the_secrets_never_reach_the_store_file(tmp_path: Path, keys: dict[str, str]) -> None:
    database = tmp_path / "demo.db"
    assert run_cli("demo", DEMO, "--db", str(database), "--format", "jsonl").code == 0
    content = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("demo.db"))
    assert content and not [name for name, key in keys.items() if key.encode() in content]


def test_a_demo_without_an_image_has_no_scan(tmp_path: Path) -> None:
    shutil.copytree(DEMO_TRAIL, tmp_path / "cloudtrail")
    result = run_cli("demo", tmp_path, "--format", "json")
    assert result.code == 0, result.describe()
    assert list(result.report()) == ["findings", "incidents", "stats", "risks", "paths"]


def test_jsonl_stays_one_detection_finding_per_line() -> None:
    result = run_cli("demo", DEMO, "--format", "jsonl")
    assert result.code == 0, result.describe()
    lines = result.jsonl()
    assert lines and {line["kind"] for line in lines} == {"detection"}
