"""``jackwatch db status`` and ``jackwatch db update``: the bundled database, updates from a local HTTP server
serving osv.dev-style archives, offline imports, and failures (exit 2, nothing replaced)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.e2e.runner import run_cli
from tests.unit.vulns.osvkit import ELLIPTIC, record, write_zip

NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
AIOHTTP = record("PYSEC-2024-24", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")], modified=NOW)
BROKEN = {"id": "GHSA-broken", "affected": []}


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user data directory, empty: the bundled database is in use."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "jackwatch" / "advisories.json.gz"


def test_status_of_the_bundled_database_warns_that_it_is_old(data_home: Path) -> None:
    result = run_cli("db", "status")
    assert result.code == 0, result.describe()
    assert "bundled with jackwatch" in result.text
    assert (
        "https://github.com/pypa/advisory-database@3ccb612573e2511ab5cad7dafecd838605c80cda — CC-BY-4.0" in result.text
    )
    assert "data as of   2024-10-10" in result.text
    assert "KEV catalog  2025.08.25, 1404 CVEs" in result.text
    assert "warning: the advisory data is" in result.stderr and "run `jackwatch db update`" in result.stderr


def test_status_as_json(data_home: Path) -> None:
    result = run_cli("db", "status", "--format", "json")
    assert result.code == 0, result.describe()
    status = result.json()
    database = status["database"]
    assert database["bundled"] is True and database["stale"] is True and database["age_days"] > 30
    assert database["ecosystems"]["PyPI"]["advisories"] > 2000
    assert database["import"]["ignored"]["withdrawn"] == 10
    assert status["kev"]["cves"] == 1404


def test_update_from_a_server_then_status(data_home: Path, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_data(
        write_zip(tmp_path / "pypi.zip", [AIOHTTP, BROKEN]).read_bytes()
    )
    httpserver.expect_request("/osv/npm/all.zip").respond_with_data(
        write_zip(tmp_path / "npm.zip", [ELLIPTIC]).read_bytes()
    )
    result = run_cli("db", "update", "--url", httpserver.url_for("/osv"))
    assert result.code == 0, result.describe()
    assert f"{data_home}: 2 advisories (1 PyPI, 1 npm) from 3 records; 1 skipped" in result.stderr
    assert "pypi.zip" not in result.stderr and "PyPI.zip!GHSA-broken.json: invalid_record" in result.stderr
    assert f"from {httpserver.url_for('/osv/npm/all.zip')} sha256 " in result.stderr
    status = run_cli("db", "status", "--format", "json")
    database = status.json()["database"]
    assert (database["path"], database["bundled"], database["stale"]) == (str(data_home), False, False)
    assert {name: counts["advisories"] for name, counts in database["ecosystems"].items()} == {"PyPI": 1, "npm": 1}
    assert "warning" not in status.stderr
    table = run_cli("db", "status")
    assert "written by `jackwatch db update`" in table.text and "(0 days ago)" in table.text


def test_update_of_one_ecosystem(data_home: Path, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/osv/npm/all.zip").respond_with_data(
        write_zip(tmp_path / "npm.zip", [ELLIPTIC]).read_bytes()
    )
    result = run_cli("db", "update", "--ecosystem", "npm", "--url", httpserver.url_for("/osv"))
    assert result.code == 0, result.describe()
    assert "1 advisories (1 npm)" in result.stderr


def test_update_from_a_local_export(data_home: Path, tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "all.zip", [AIOHTTP])
    result = run_cli("db", "update", "--from", archive, "--ecosystem", "PyPI")
    assert result.code == 0, result.describe()
    assert data_home.is_file()
    assert f"from {archive} sha256 " in result.stderr


def test_a_failed_download_exits_2_and_keeps_the_bundled_database(data_home: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_data("no", status=503)
    result = run_cli("db", "update", "-e", "PyPI", "--url", httpserver.url_for("/osv"), "--retries", "0")
    assert result.code == 2
    assert "error:" in result.stderr and "HTTP 503" in result.stderr
    assert "Traceback" not in result.stderr
    assert not data_home.exists()
    assert run_cli("db", "status", "--format", "json").json()["database"]["bundled"] is True


def test_an_unknown_ecosystem_is_a_usage_error(data_home: Path) -> None:
    result = run_cli("db", "update", "--ecosystem", "Maven")
    assert result.code == 2
    assert "Maven" in result.stderr
