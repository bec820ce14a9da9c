"""``update_database``: osv.dev's archives downloaded from a local HTTP server, size limits, failures that leave the
previous database in place, and offline imports of local exports."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.unit.vulns.osvkit import ELLIPTIC, record, write_zip
from werkzeug import Request, Response

from jackwatch.errors import SourceError
from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.http import RetryPolicy
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.update import OSV_LICENSE, export_url, update_database

BOTH = [Ecosystem.PYPI, Ecosystem.NPM]
AIOHTTP = record("PYSEC-2024-24", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")])
GO = record("GO-2024-2600", "github.com/example/x", [("introduced", "0")], ecosystem="Go")


@pytest.fixture
def archives(tmp_path: Path) -> dict[str, bytes]:
    return {
        "PyPI": write_zip(tmp_path / "pypi.zip", [AIOHTTP]).read_bytes(),
        "npm": write_zip(tmp_path / "npm.zip", [ELLIPTIC, GO]).read_bytes(),
    }


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "data" / "jackwatch" / "advisories.json.gz"


def serve(httpserver: HTTPServer, archives: dict[str, bytes]) -> str:
    for ecosystem, blob in archives.items():
        httpserver.expect_request(f"/osv/{ecosystem}/all.zip").respond_with_data(blob, content_type="application/zip")
    return httpserver.url_for("/osv")


def test_both_ecosystems_are_downloaded_and_imported(
    httpserver: HTTPServer, archives: dict[str, bytes], target: Path
) -> None:
    base = serve(httpserver, archives)
    result = update_database(target, BOTH, base_url=base)
    assert result.path == target and result.advisories == 2
    assert [(s["origin"], s["license"], s["sha256"]) for s in result.sources] == [
        (f"{base}/{name}/all.zip", OSV_LICENSE, hashlib.sha256(archives[name]).hexdigest()) for name in ("PyPI", "npm")
    ]
    assert result.stats.ignored == {"other_ecosystem": 1, "other_ecosystem_record": 1}
    db = AdvisoryDb.load(target)
    assert [advisory["id"] for advisory in db] == ["GHSA-r9p9-mrjm-926w", "PYSEC-2024-24"]
    assert db.info.counts == {"PyPI": (1, 1), "npm": (1, 1)}
    assert sorted(path.name for path in target.parent.iterdir()) == ["advisories.json.gz"]


def test_only_the_ecosystems_asked_for_are_downloaded(
    httpserver: HTTPServer, archives: dict[str, bytes], target: Path
) -> None:
    base = serve(httpserver, {"npm": archives["npm"]})
    result = update_database(target, [Ecosystem.NPM], base_url=base)
    assert result.advisories == 1
    assert [request.path for request, _ in httpserver.log] == ["/osv/npm/all.zip"]


def test_export_urls_follow_osv_dev_layout() -> None:
    assert export_url("https://osv-vulnerabilities.storage.googleapis.com/", Ecosystem.PYPI) == (
        "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
    )


def _previous(target: Path) -> bytes:
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the previous database")
    return target.read_bytes()


def _assert_untouched(target: Path, before: bytes) -> None:
    assert target.read_bytes() == before
    assert sorted(path.name for path in target.parent.iterdir()) == ["advisories.json.gz"]


def test_an_http_error_replaces_nothing(httpserver: HTTPServer, archives: dict[str, bytes], target: Path) -> None:
    before = _previous(target)
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_data(archives["PyPI"])
    httpserver.expect_request("/osv/npm/all.zip").respond_with_data("gone", status=404)
    with pytest.raises(SourceError, match=r"/osv/npm/all\.zip: HTTP 404"):
        update_database(target, BOTH, base_url=httpserver.url_for("/osv"))
    _assert_untouched(target, before)


def test_a_declared_size_over_the_limit_is_refused(
    httpserver: HTTPServer, archives: dict[str, bytes], target: Path
) -> None:
    before = _previous(target)
    base = serve(httpserver, archives)
    with pytest.raises(SourceError, match=r"PyPI/all\.zip: \d+ bytes, more than the limit of 100"):
        update_database(target, BOTH, base_url=base, max_bytes=100)
    _assert_untouched(target, before)


def test_a_streamed_body_over_the_limit_is_cut(httpserver: HTTPServer, target: Path) -> None:
    def endless(_: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(64):
                yield b"\x00" * 65536

        return Response(body(), content_type="application/zip")

    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_handler(endless)
    with pytest.raises(SourceError, match="more than the limit of 1000000 bytes"):
        update_database(target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"), max_bytes=1_000_000)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_corrupt_archive_replaces_nothing(httpserver: HTTPServer, archives: dict[str, bytes], target: Path) -> None:
    before = _previous(target)
    serve(httpserver, {"PyPI": archives["PyPI"][: len(archives["PyPI"]) // 2], "npm": archives["npm"]})
    with pytest.raises(SourceError, match=r"PyPI\.zip: not a readable zip archive.*nothing was replaced"):
        update_database(target, BOTH, base_url=httpserver.url_for("/osv"))
    _assert_untouched(target, before)


def test_an_archive_without_any_usable_advisory_replaces_nothing(
    httpserver: HTTPServer, tmp_path: Path, target: Path
) -> None:
    before = _previous(target)
    serve(httpserver, {"PyPI": write_zip(tmp_path / "go.zip", [GO]).read_bytes()})
    with pytest.raises(SourceError, match="no advisory could be imported"):
        update_database(target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"))
    _assert_untouched(target, before)


def test_an_unreachable_server_is_a_source_error(target: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, sleep=waits.append)
    with pytest.raises(SourceError, match=rf"127\.0\.0\.1:{port}/PyPI/all\.zip: ConnectError: .*gave up after 3"):
        update_database(target, [Ecosystem.PYPI], base_url=f"http://127.0.0.1:{port}", retry=retry)
    assert waits == [1.0, 2.0]  # a refused connection may be a server restarting: retried


def test_local_exports_are_imported_offline(tmp_path: Path, target: Path) -> None:
    archive = write_zip(tmp_path / "npm-all.zip", [ELLIPTIC])
    folder = tmp_path / "vulns"
    folder.mkdir()
    (folder / "PYSEC-2024-24.json").write_text("{}")  # no id: reported, the rest imported
    (folder / "PYSEC-2024-24.yaml").write_text(
        "id: PYSEC-2024-24\nmodified: 2024-02-05T20:20:47Z\naffected:\n- package: {ecosystem: PyPI, name: aiohttp}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: 1.0.5}, {fixed: 3.9.2}]\n"
    )
    result = update_database(target, BOTH, local=[archive, folder])
    assert result.advisories == 2
    assert [(s["origin"], s["sha256"] is not None) for s in result.sources] == [
        (str(archive), True),
        (str(folder), False),
    ]
    assert [(str(p.location), p.reason) for p in result.stats.read.problems] == [
        (str(folder / "PYSEC-2024-24.json"), "invalid_record")
    ]
    with pytest.raises(SourceError, match="no such file"):
        update_database(target, BOTH, local=[tmp_path / "missing"])
