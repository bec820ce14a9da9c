"""``jackwatch scan fs|image|sbom`` and ``jackwatch sbom`` end to end on a realistic root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from tests.datasets import needs
from tests.e2e.runner import run_cli
from tests.scanroots import SAMPLES, build_root, expected_matches, openai_key
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer
from tests.unit.outputs.test_sarif import assert_sarif_2_1_0

from jackwatch.secrets import fingerprint, redact
from jackwatch.store import open_store

pytestmark = needs(SAMPLES)

AI_PACKAGES = {"gradio", "langchain", "langchain-experimental", "llama-index", "mlflow", "transformers"}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    top = tmp_path_factory.mktemp("root")
    return top, build_root(top)


def test_scan_fs_json_lists_ai_packages_advisories_and_the_redacted_key(root: tuple[Path, str]) -> None:
    top, key = root
    run = run_cli("scan", "fs", str(top), "--format", "json", "--no-store")
    assert run.code == 0, run.describe()
    assert key.encode() not in run.stdout
    report = run.json()
    assert set(report) >= {"packages", "vulnerabilities", "secrets", "stats"}
    ai = [p["name"].lower().replace("_", "-") for p in report["packages"] if p["ai"]]
    assert set(ai) == AI_PACKAGES and report["packages"][: len(ai)] == [p for p in report["packages"] if p["ai"]]
    for name, wanted in expected_matches().items():
        found = [v for v in report["vulnerabilities"] if v["purl"].split("/")[1].split("@")[0] == name]
        ids = {ident for v in found for ident in (v["id"], *v["aliases"])}
        assert {item["id"] for item in wanted} <= ids, name
        for item in wanted:
            [match] = [v for v in found if item["id"] in (v["id"], *v["aliases"])]
            assert match["fixed_versions"] == item["fixed"] and isinstance(match["kev"], bool)
            assert {"severity", "cvss", "epss", "fix_version", "summary", "locations", "version"} <= set(match)
    [secret] = report["secrets"]
    assert secret == {
        "kind": "openai_api_key",
        "provider": "openai",
        "category": secret["category"],
        "fingerprint": fingerprint(key),
        "redacted": redact(key),
        "identifier": None,
        "location": "app/.env:2:16",
        "path": "app/.env",
        "line": 2,
        "layer": None,
    }


def test_fail_on_high_exits_1_and_the_table_marks_it(root: tuple[Path, str]) -> None:
    top, key = root
    run = run_cli("scan", "fs", str(top), "--fail-on", "high", "--no-store")
    assert run.code == 1, run.describe()
    assert "langchain" in run.text and redact(key) in run.text and key not in run.text
    clean = top.parent / "clean"
    clean.mkdir()
    assert run_cli("scan", "fs", str(clean), "--fail-on", "low", "--no-store").code == 0


def test_sarif_and_cyclonedx_outputs_are_valid(root: tuple[Path, str], tmp_path: Path) -> None:
    top, key = root
    sarif = tmp_path / "out" / "scan.sarif"
    assert run_cli("scan", "fs", str(top), "-f", "sarif", "-o", str(sarif), "--no-store").code == 0
    assert_sarif_2_1_0(json.loads(sarif.read_text()))
    bom = tmp_path / "bom.json"
    assert run_cli("sbom", str(top), "--format", "cyclonedx", "--output", str(bom)).code == 0
    text = bom.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None and key not in text
    assert {c["name"] for c in json.loads(text)["components"]} >= {"langchain", "mlflow"}


def test_findings_go_to_the_store_once(root: tuple[Path, str], tmp_path: Path) -> None:
    top, key = root
    db = tmp_path / "store.db"
    for _ in range(2):
        assert run_cli("scan", "fs", str(top), "--format", "json", "--db", str(db)).code == 0
    with open_store(f"sqlite:///{db}") as store:
        stored = store.findings()
    secrets = [f for f in stored if f.rule_id == "secret.openai"]
    assert len(secrets) == 1 and secrets[0].evidence["redacted"] == redact(key)
    assert key not in repr(stored)
    pillow = [f for f in stored if f.subject == "pkg:pypi/pillow@10.0.0"]
    assert len(pillow) == 1 and pillow[0].rule_id.startswith("vuln.") and pillow[0].evidence["kev"] is False


def test_scan_sbom_reads_cyclonedx_and_spdx(tmp_path: Path) -> None:
    cyclonedx = tmp_path / "bom.cdx.json"
    cyclonedx.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "components": [
                    {"type": "library", "name": "gradio", "version": "3.50.2", "purl": "pkg:pypi/gradio@3.50.2"},
                    {"type": "library", "name": "zlib", "version": "1.2.13", "purl": "pkg:apk/alpine/zlib@1.2.13"},
                ],
            }
        )
    )
    spdx = tmp_path / "bom.spdx.json"
    spdx.write_text(
        json.dumps(
            {
                "spdxVersion": "SPDX-2.3",
                "SPDXID": "SPDXRef-DOCUMENT",
                "name": "app",
                "packages": [{"SPDXID": "SPDXRef-1", "name": "aiohttp", "versionInfo": "3.9.1"}],
            }
        )
    )
    first = run_cli("scan", "sbom", str(cyclonedx), "-f", "json", "--no-store")
    assert first.code == 0, first.describe()
    report = first.json()
    assert [(p["name"], p["ai"]) for p in report["packages"]] == [("gradio", True)]
    assert report["vulnerabilities"] and report["stats"]["skipped_by_reason"] == {"other_ecosystem": 1}
    second = run_cli("scan", "sbom", str(spdx), "-f", "json", "--no-store", "--fail-on", "medium")
    assert second.code == 1 and {v["package"] for v in second.json()["vulnerabilities"]} == {"aiohttp"}


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "fs", "/nonexistent/jackwatch-root"),
        ("scan", "sbom", "/nonexistent/bom.json"),
        ("scan", "fs", ".", "--fail-on", "severe"),
        ("scan", "fs", ".", "--format", "xml"),
        ("scan", "image", "/nonexistent/image.tar"),
        ("scan", "fs", ".", "--advisories", "/nonexistent/advisories.json.gz"),
    ],
)
def test_bad_usage_and_unreadable_input_exit_2(args: tuple[str, ...]) -> None:
    run = run_cli(*args, "--no-store")
    assert run.code == 2, run.describe()


def test_an_invalid_sbom_exits_2_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"bomFormat": "CycloneDX",')
    run = run_cli("scan", "sbom", str(bad), "--no-store")
    assert run.code == 2 and str(bad) in run.stderr


def test_scan_image_reports_the_config_environment_key(tmp_path: Path) -> None:
    key = openai_key(11)
    base = layer(
        file("usr/lib/python3.11/site-packages/mlflow-2.9.2.dist-info/METADATA", "Name: mlflow\nVersion: 2.9.2\n")
    )
    archive = docker_save(tmp_path / "image.tar", ImageSpec([base], env=(f"OPENAI_API_KEY={key}",)))
    run = run_cli("scan", "image", str(archive), "-f", "json", "--no-store", "--fail-on", "high")
    assert run.code == 1, run.describe()
    report = run.json()
    assert report["target"].startswith("image://sha256:") and key.encode() not in run.stdout
    assert [p["name"] for p in report["packages"]] == ["mlflow"] and report["vulnerabilities"]
    assert [s["location"] for s in report["secrets"]] == ["image config Env (OPENAI_API_KEY)"]
