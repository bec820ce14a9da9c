"""``jackwatch scan fs|image|sbom --kev FILE --epss FILE``: CISA's catalog and FIRST's scores, given on the
command line, set the ``kev`` flag and the ``epss`` values of the vulnerabilities in ``--format json``; a file
that is not what it should be exits 2 with its location."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.runner import CliResult, run_cli
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer
from tests.unit.inventory.trees import install_wheel, metadata_text
from tests.unit.vulns.osvkit import build_db, record

SITE = "usr/lib/python3.11/site-packages"
MLFLOW_CVE = "CVE-2099-10001"
"""CVE ids no real catalog lists, so that the bundled KEV extract cannot mark them."""
AIOHTTP_CVE = "CVE-2099-10002"
RECORDS = [
    record("GHSA-jw00-mlfl-0001", "mlflow", [("introduced", "0"), ("fixed", "2.9.2")], aliases=[MLFLOW_CVE]),
    record("PYSEC-2099-2", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")], aliases=[AIOHTTP_CVE]),
]

KEV = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2099.01.02",
    "dateReleased": "2099-01-02T17:04:19.9796Z",
    "count": 2,
    "vulnerabilities": [
        {
            "cveID": MLFLOW_CVE,
            "vendorProject": "LF Projects",
            "product": "MLflow",
            "vulnerabilityName": "MLflow Path Traversal Vulnerability",
            "dateAdded": "2099-01-02",
            "shortDescription": "MLflow contains a path traversal vulnerability.",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product.",
            "dueDate": "2099-01-23",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https://github.com/mlflow/mlflow/security",
            "cwes": ["CWE-22"],
        },
        {
            "cveID": "CVE-2021-44228",
            "vendorProject": "Apache",
            "product": "Log4j2",
            "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
            "dateAdded": "2021-12-10",
            "shortDescription": "Apache Log4j2 contains a vulnerability where JNDI features do not protect.",
            "requiredAction": "Apply updates per vendor instructions.",
            "dueDate": "2021-12-24",
            "knownRansomwareCampaignUse": "Known",
            "notes": "",
            "cwes": ["CWE-20"],
        },
    ],
}

EPSS = f"""\
#model_version:v2025.03.14,score_date:2099-01-02T12:55:00Z
cve,epss,percentile
CVE-1999-0001,0.01141,0.77816
{MLFLOW_CVE},0.94427,0.99963
{AIOHTTP_CVE},0.00043,0.11721
"""


@pytest.fixture(scope="module")
def advisories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("db"), RECORDS)


def fs_target(tmp_path: Path) -> list[str]:
    root = tmp_path / "root"
    for name, version in (("mlflow", "2.8.0"), ("aiohttp", "3.9.1")):
        install_wheel(root / SITE, name, version, modules=[name])
    return ["fs", str(root)]


def image_target(tmp_path: Path) -> list[str]:
    members = [
        file(f"{SITE}/{name}-{version}.dist-info/METADATA", metadata_text(name, version))
        for name, version in (("mlflow", "2.8.0"), ("aiohttp", "3.9.1"))
    ]
    return ["image", str(docker_save(tmp_path / "image.tar", ImageSpec([layer(*members)])))]


def sbom_target(tmp_path: Path) -> list[str]:
    bom = tmp_path / "bom.cdx.json"
    components = [
        {"type": "library", "name": name, "version": version, "purl": f"pkg:pypi/{name}@{version}"}
        for name, version in (("mlflow", "2.8.0"), ("aiohttp", "3.9.1"))
    ]
    bom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}))
    return ["sbom", str(bom)]


TARGETS = {"fs": fs_target, "image": image_target, "sbom": sbom_target}


def scan(advisories: Path, target: list[str], *options: str | Path) -> CliResult:
    return run_cli("scan", *target, "--format", "json", "--no-store", "--advisories", advisories, *options)


def by_package(run: CliResult) -> dict[str, dict[str, Any]]:
    assert run.code == 0, run.describe()
    return {vulnerability["package"]: vulnerability for vulnerability in run.json()["vulnerabilities"]}


@pytest.mark.parametrize("kind", TARGETS)
def test_kev_and_epss_files_change_the_json_report(advisories: Path, tmp_path: Path, kind: str) -> None:
    target = TARGETS[kind](tmp_path)
    plain = by_package(scan(advisories, target))
    assert {name: ({v["id"], *v["aliases"]}, v["kev"], v["epss"]) for name, v in plain.items()} == {
        "mlflow": ({"GHSA-jw00-mlfl-0001", MLFLOW_CVE}, False, None),
        "aiohttp": ({"PYSEC-2099-2", AIOHTTP_CVE}, False, None),
    }
    kev = tmp_path / "known_exploited_vulnerabilities.json"
    kev.write_text(json.dumps(KEV, indent=2))
    epss = tmp_path / "epss_scores-2099-01-02.csv"
    epss.write_text(EPSS)
    enriched = by_package(scan(advisories, target, "--kev", kev, "--epss", epss))
    mlflow, aiohttp = enriched["mlflow"], enriched["aiohttp"]
    assert (mlflow["kev"], mlflow["kev_date_added"]) == (True, "2099-01-02")
    assert mlflow["epss"] == {"score": 0.94427, "percentile": 0.99963}
    assert (aiohttp["kev"], aiohttp["kev_date_added"]) == (False, None)
    assert aiohttp["epss"] == {"score": 0.00043, "percentile": 0.11721}


def test_a_gzip_epss_file_as_first_publishes_it(advisories: Path, tmp_path: Path) -> None:
    epss = tmp_path / "epss_scores-2099-01-02.csv.gz"
    epss.write_bytes(gzip.compress(EPSS.encode()))
    found = by_package(scan(advisories, fs_target(tmp_path), "--epss", epss))
    assert found["mlflow"]["epss"] == {"score": 0.94427, "percentile": 0.99963}
    assert found["mlflow"]["kev"] is False  # the bundled KEV extract does not list the test CVEs


def test_an_epss_file_without_its_comment_line(advisories: Path, tmp_path: Path) -> None:
    epss = tmp_path / "epss.csv"
    epss.write_text(EPSS.split("\n", 1)[1])
    found = by_package(scan(advisories, fs_target(tmp_path), "--epss", epss))
    assert found["aiohttp"]["epss"] == {"score": 0.00043, "percentile": 0.11721}


def test_kev_and_epss_change_what_the_table_shows(advisories: Path, tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps(KEV))
    target = fs_target(tmp_path)
    plain = run_cli("scan", *target, "--no-store", "--advisories", advisories)
    marked = run_cli("scan", *target, "--no-store", "--advisories", advisories, "--kev", kev)
    assert plain.code == marked.code == 0, marked.describe()
    assert "1 KEV" not in plain.text and "(0 KEV)" in plain.text
    assert "(1 KEV)" in marked.text and "KEV" in marked.text.split("(1 KEV)")[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kev.json", b'{\n  "vulnerabilities": [\n', r"kev\.json:3:1: invalid JSON"),
        ("kev.json", b'{"title": "CISA Catalog", "count": 0}', r"kev\.json: not a KEV catalog: no 'vulnerabilities'"),
        ("kev.json", b"[]", r"kev\.json: not a KEV catalog"),
        ("kev.json", None, r"kev\.json: cannot read the KEV catalog"),
    ],
)
def test_a_malformed_kev_file_exits_2(
    advisories: Path, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    run = scan(advisories, fs_target(tmp_path), "--kev", path)
    assert run.code == 2, run.describe()
    assert run.stdout == b"" and "Traceback" not in run.stderr
    assert "error:" in run.stderr
    assert_matches(message, run.stderr)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("epss.csv", b"#model_version:v2025.03.14\ncve,score\nCVE-1999-0001,0.1\n", r"epss\.csv:2: not an EPSS file"),
        ("epss.csv", b"", r"epss\.csv:1: not an EPSS file: expected the header cve,epss,percentile"),
        ("epss.csv.gz", gzip.compress(EPSS.encode(), mtime=0)[:40], r"epss\.csv\.gz: cannot read the EPSS file"),
        ("epss.csv", b"\xff\xfe cve,epss,percentile", r"epss\.csv: cannot read the EPSS file"),
        ("epss.csv", None, r"epss\.csv: cannot read the EPSS file"),
    ],
)
def test_a_malformed_epss_file_exits_2(
    advisories: Path, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    run = scan(advisories, fs_target(tmp_path), "--epss", path)
    assert run.code == 2, run.describe()
    assert run.stdout == b"" and "Traceback" not in run.stderr
    assert_matches(message, run.stderr)


def assert_matches(pattern: str, text: str) -> None:
    flat = " ".join(text.split())  # the console may wrap long messages
    assert re.search(pattern, flat), text


@pytest.mark.parametrize("kind", TARGETS)
def test_unusable_kev_entries_and_epss_rows_are_reported_and_the_rest_used(
    advisories: Path, tmp_path: Path, kind: str
) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({**KEV, "vulnerabilities": [{"vendorProject": "no id"}, *KEV["vulnerabilities"]]}))
    epss = tmp_path / "epss.csv"
    epss.write_text(EPSS + "CVE-2099-10003,not-a-score\n")
    run = scan(advisories, TARGETS[kind](tmp_path), "--kev", kev, "--epss", epss)
    assert by_package(run)["mlflow"]["kev"] is True
    skipped = run.json()["stats"]["skipped_by_reason"]
    assert (skipped.get("invalid_kev_entry"), skipped.get("invalid_epss_row")) == (1, 1)
