"""``jackwatch db update`` against a local HTTP server that fails before it serves: HTTP 500, 429 with
``Retry-After``, connections dropped before the response or in the middle of the body. Each download starts
again from its first byte after a bounded exponential wait; a server that never recovers leaves the previous
database as it was (exit 2 on the command line)."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.e2e.runner import run_cli
from tests.unit.vulns.osvkit import ELLIPTIC, record, write_zip
from werkzeug import Request, Response

from jackwatch.errors import SourceError
from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.http import RetryPolicy
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.update import update_database

AIOHTTP = record("PYSEC-2024-24", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")])
Failure = Callable[[Request], Response]


def server_error(_: Request) -> Response:
    return Response("upstream timed out", status=500)


def rate_limited(_: Request) -> Response:
    return Response("slow down", status=429, headers={"Retry-After": "0"})


def dropped_in_the_body(blob: bytes) -> Failure:
    """Headers announce the whole archive; the connection closes after half of it."""

    def respond(_: Request) -> Response:
        def body() -> object:
            yield blob[: len(blob) // 2]
            raise ConnectionResetError("dropped")

        return Response(body(), headers={"Content-Length": str(len(blob))}, content_type="application/zip")

    return respond


def dropped_before_the_response(request: Request) -> Response:
    """The server closes the socket without answering (a reset, a crashed proxy)."""
    connection = request.environ["werkzeug.socket"]
    connection.shutdown(socket.SHUT_RDWR)
    return Response("never sent")


def flaky(failures: list[Failure], blob: bytes) -> Callable[[Request], Response]:
    """A handler that answers with ``failures`` in turn, then serves ``blob`` for good."""
    pending = list(failures)

    def respond(request: Request) -> Response:
        if pending:
            return pending.pop(0)(request)
        return Response(blob, content_type="application/zip")

    return respond


@pytest.fixture
def archive(tmp_path: Path) -> bytes:
    return write_zip(tmp_path / "pypi.zip", [AIOHTTP]).read_bytes()


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "data" / "jackwatch" / "advisories.json.gz"


def policy(waits: list[float], attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, backoff=1.0, max_delay=60.0, sleep=waits.append)


@pytest.mark.parametrize(
    ("failures", "expected_waits"),
    [
        ([server_error, server_error], [1.0, 2.0]),  # exponential backoff
        ([rate_limited], [0.0]),  # Retry-After: 0 is honoured
        ([dropped_before_the_response, server_error, rate_limited], [1.0, 2.0, 0.0]),
    ],
    ids=["500", "429", "reset-500-429"],
)
def test_transient_failures_are_retried_until_the_download_succeeds(
    httpserver: HTTPServer, archive: bytes, target: Path, failures: list[Failure], expected_waits: list[float]
) -> None:
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_handler(flaky(failures, archive))
    waits: list[float] = []
    told: list[str] = []
    result = update_database(
        target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"), retry=policy(waits), notify=told.append
    )
    assert result.advisories == 1 and [advisory["id"] for advisory in AdvisoryDb.load(target)] == ["PYSEC-2024-24"]
    assert waits == expected_waits
    assert len(httpserver.log) == len(failures) + 1
    assert len(told) == len(failures)
    assert all(message.startswith(httpserver.url_for("/osv/PyPI/all.zip")) for message in told)
    assert f"attempt 2 of 5 in {expected_waits[0]:g} s" in told[0]


def test_a_download_cut_in_the_middle_starts_again_from_its_first_byte(
    httpserver: HTTPServer, archive: bytes, target: Path
) -> None:
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_handler(flaky([dropped_in_the_body(archive)], archive))
    told: list[str] = []
    result = update_database(
        target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"), retry=policy([]), notify=told.append
    )
    [source] = result.sources
    assert source["sha256"] == hashlib.sha256(archive).hexdigest()  # the whole archive, not half of it twice
    assert result.advisories == 1
    [message] = told
    assert "RemoteProtocolError: peer closed connection" in message
    assert f"(received {len(archive) // 2} bytes, expected {len(archive)})" in message


def test_a_server_that_never_recovers_replaces_nothing(httpserver: HTTPServer, archive: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the previous database")
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_data(archive)
    httpserver.expect_request("/osv/npm/all.zip").respond_with_handler(server_error)
    waits: list[float] = []
    with pytest.raises(SourceError, match=r"npm/all\.zip: HTTP 500 INTERNAL SERVER ERROR \(gave up after 4 attempts\)"):
        update_database(
            target, [Ecosystem.PYPI, Ecosystem.NPM], base_url=httpserver.url_for("/osv"), retry=policy(waits, 4)
        )
    assert waits == [1.0, 2.0, 4.0]
    assert [request.path for request, _ in httpserver.log] == ["/osv/PyPI/all.zip"] + ["/osv/npm/all.zip"] * 4
    assert target.read_bytes() == b"the previous database"
    assert sorted(path.name for path in target.parent.iterdir()) == ["advisories.json.gz"]


def test_waits_are_bounded(httpserver: HTTPServer, target: Path) -> None:
    def far_away(_: Request) -> Response:
        return Response("later", status=503, headers={"Retry-After": "86400"})

    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_handler(far_away)
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, backoff=1.0, max_delay=30.0, sleep=waits.append)
    with pytest.raises(SourceError, match=r"HTTP 503 SERVICE UNAVAILABLE \(gave up after 3 attempts\)"):
        update_database(target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"), retry=retry)
    assert waits == [1.0, 2.0]  # a 503's Retry-After is not a rate limit: backoff, capped


def test_errors_that_cannot_pass_are_not_retried(httpserver: HTTPServer, target: Path) -> None:
    httpserver.expect_request("/osv/PyPI/all.zip").respond_with_data("no such export", status=404)
    waits: list[float] = []
    with pytest.raises(SourceError, match=r"PyPI/all\.zip: HTTP 404 NOT FOUND$"):
        update_database(target, [Ecosystem.PYPI], base_url=httpserver.url_for("/osv"), retry=policy(waits))
    assert waits == [] and len(httpserver.log) == 1


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "jackwatch" / "advisories.json.gz"


def test_the_command_reports_retries_and_keeps_the_old_database_when_all_fail(
    httpserver: HTTPServer, archive: bytes, tmp_path: Path, data_home: Path
) -> None:
    url = httpserver.url_for("/osv")
    httpserver.expect_request("/osv/npm/all.zip").respond_with_handler(
        flaky([rate_limited, rate_limited], write_zip(tmp_path / "npm.zip", [ELLIPTIC]).read_bytes())
    )
    first = run_cli("db", "update", "-e", "npm", "--url", url)
    assert first.code == 0, first.describe()
    assert first.stderr.count("retrying ") == 2 and "HTTP 429" in first.stderr
    assert f"{data_home}: 1 advisories (1 npm)" in first.stderr
    before = data_home.read_bytes()

    httpserver.clear()
    httpserver.expect_request("/osv/npm/all.zip").respond_with_handler(rate_limited)
    second = run_cli("db", "update", "-e", "npm", "--url", url, "--retries", "2")
    assert second.code == 2, second.describe()
    assert second.stderr.count("retrying ") == 2
    assert "attempt 3 of 3 in 0 s" in second.stderr
    assert "error:" in second.stderr and "HTTP 429 TOO MANY REQUESTS (gave up after 3 attempts)" in second.stderr
    assert "Traceback" not in second.stderr
    assert data_home.read_bytes() == before
    status = run_cli("db", "status", "--format", "json").json()["database"]
    assert (status["bundled"], status["ecosystems"]["npm"]["advisories"]) == (False, 1)
