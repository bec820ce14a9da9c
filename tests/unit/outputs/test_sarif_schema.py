"""Every SARIF log jackwatch writes is valid against the official SARIF 2.1.0 JSON schema (OASIS, Errata 01,
vendored in ``tests/data/sarif``), formats included: ``scan fs``, ``scan image`` and ``scan sbom`` with
vulnerabilities and leaked keys, and an empty scan. ``scan`` is the only command that writes SARIF."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.datasets import needs
from tests.e2e.runner import run_cli
from tests.scanroots import SAMPLES, build_root
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer, oci_layout
from tests.unit.inventory.trees import install_wheel, metadata_text
from tests.unit.secrets.samples import openai_key
from tests.unit.vulns.osvkit import build_db, cvss, record

from jackwatch.inventory.scan import ScanResult
from jackwatch.outputs.sarif import scan_to_sarif
from jackwatch.sources.stats import ReadStats

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "sarif" / "sarif-schema-2.1.0.json"
SITE = "usr/lib/python3.11/site-packages"
RECORDS = [
    record(
        "GHSA-jw00-mlfl-0001",
        "mlflow",
        [("introduced", "0"), ("fixed", "2.9.2")],
        aliases=["CVE-2099-10001"],
        severity=cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        summary="Path traversal in MLflow's artifact handler",
    ),
    record("PYSEC-2099-2", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")], aliases=["CVE-2099-10002"]),
    record("GHSA-jw00-lang-0003", "langchain", [("introduced", "0"), ("last_affected", "0.0.200")]),
]
PACKAGES = (("mlflow", "2.8.0"), ("aiohttp", "3.9.1"), ("langchain", "0.0.171"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_bytes())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def advisories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("db"), RECORDS)


def assert_valid(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])


def sarif_of(tmp_path: Path, *args: str | Path) -> dict[str, Any]:
    out = tmp_path / "scan.sarif"
    run = run_cli("scan", *args, "--format", "sarif", "--output", out, "--no-store")
    assert run.code == 0, run.describe()
    log: dict[str, Any] = json.loads(out.read_bytes())
    return log


def kinds(log: dict[str, Any]) -> set[str]:
    """``vulnerability`` and/or ``secret``: what the log's results are about."""
    return {"secret" if item["ruleId"].startswith("secret.") else "vulnerability" for item in log["runs"][0]["results"]}


def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_bytes())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"result", "run", "reportingDescriptor", "artifactLocation", "region"} <= set(schema["definitions"])


def test_scan_fs_with_vulnerabilities_and_a_key(
    validator: jsonschema.Draft4Validator, advisories: Path, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    for name, version in PACKAGES:
        install_wheel(root / "venv/lib/python3.11/site-packages", name, version, modules=[name])
    key = openai_key(random.Random(5)).secret
    (root / "app dir").mkdir()  # a space in a path: the URI must be escaped
    (root / "app dir" / ".env").write_text(f"# settings\nOPENAI_API_KEY={key}\n")
    log = sarif_of(tmp_path, "fs", root, "--advisories", advisories)
    assert_valid(validator, log)
    assert kinds(log) == {"vulnerability", "secret"} and key not in json.dumps(log)
    assert len(log["runs"][0]["results"]) == 4


def test_scan_image_with_vulnerabilities_and_keys_in_files_env_and_history(
    validator: jsonschema.Draft4Validator, advisories: Path, tmp_path: Path
) -> None:
    key = openai_key(random.Random(6)).secret
    members = [file(f"{SITE}/{n}-{v}.dist-info/METADATA", metadata_text(n, v)) for n, v in PACKAGES]
    members.append(file("srv/app/config.yaml", f"openai:\n  api_key: {key}\n"))
    history = [{"created_by": f"RUN /bin/sh -c export OPENAI_API_KEY={key} && pip install mlflow # buildkit"}]
    spec = ImageSpec([layer(*members)], env=(f"OPENAI_API_KEY={key}",), extra_config={"history": history})
    for archive in (docker_save(tmp_path / "image.tar", spec), oci_layout(tmp_path / "oci.tar", spec, tarball=True)):
        log = sarif_of(tmp_path, "image", archive, "--advisories", advisories)
        assert_valid(validator, log)
        assert kinds(log) == {"vulnerability", "secret"} and key not in json.dumps(log)
        uris = [
            location["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"]
            for location in result["locations"]
        ]
        assert "srv/app/config.yaml" in uris and any(uri.startswith("image%20config%20Env") for uri in uris)


def test_scan_sbom_results_located_by_purl(
    validator: jsonschema.Draft4Validator, advisories: Path, tmp_path: Path
) -> None:
    bom = tmp_path / "bom.cdx.json"
    components = [
        {"type": "library", "name": name, "version": version, "purl": f"pkg:pypi/{name}@{version}"}
        for name, version in PACKAGES
    ]
    bom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}))
    log = sarif_of(tmp_path, "sbom", bom, "--advisories", advisories)
    assert_valid(validator, log)
    assert kinds(log) == {"vulnerability"}


@needs(SAMPLES)
def test_scan_fs_of_the_realistic_root_with_the_bundled_database(
    validator: jsonschema.Draft4Validator, tmp_path: Path
) -> None:
    top = tmp_path / "root"
    top.mkdir()
    build_root(top)
    log = sarif_of(tmp_path, "fs", top)
    assert_valid(validator, log)
    assert kinds(log) == {"vulnerability", "secret"} and len(log["runs"][0]["results"]) > 20


def test_an_empty_scan_is_valid(validator: jsonschema.Draft4Validator) -> None:
    assert_valid(validator, scan_to_sarif(ScanResult("empty", "fs", [], [], ReadStats())))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda log: log.pop("version"), "'version' is a required property"),
        (lambda log: log["runs"][0]["results"][0].update(level="fatal"), "'fatal' is not one of"),
        (lambda log: log["runs"][0]["results"][0].pop("message"), "'message' is a required property"),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"].update(
                region={"startLine": 0}
            ),
            "0 is less than the minimum of 1",
        ),
        (lambda log: log["runs"][0]["tool"]["driver"].update(informationUri="not a uri"), "is not a 'uri'"),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"].update(
                uri="app dir/.env"
            ),
            "is not a 'uri-reference'",
        ),
        (lambda log: log["runs"][0].update(colour="red"), "Additional properties are not allowed"),
    ],
)
def test_the_schema_rejects_what_it_should(
    validator: jsonschema.Draft4Validator, advisories: Path, tmp_path: Path, damage: Any, message: str
) -> None:
    bom = tmp_path / "bom.cdx.json"
    bom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "components": [{"type": "library", "name": "mlflow", "purl": "pkg:pypi/mlflow@2.8.0"}],
            }
        )
    )
    log = sarif_of(tmp_path, "sbom", bom, "--advisories", advisories)
    assert_valid(validator, log)
    broken = copy.deepcopy(log)
    damage(broken)
    errors = [error.message for error in validator.iter_errors(broken)]
    assert any(message in error for error in errors), errors
