"""``api://``: GET /v1/organization/audit_logs against a local server speaking the documented format."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.http import HttpOptions, RetryPolicy
from jackwatch.sources.openai import read_openai_audit
from jackwatch.sources.stats import ReadStats

from .conftest import list_response, make_audit_log

KEY = "sk-admin-Wn5Jc2Lx8Qv1Rb4Tz7Mk0Hf3Gd6Ps9Ya"
AUDIT_LOGS = "/v1/organization/audit_logs"


@pytest.fixture(autouse=True)
def admin_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)


@pytest.fixture
def waits() -> list[float]:
    return []


def read_api(
    server: HTTPServer, waits: list[float], page_size: int | None = None, **kwargs: Any
) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    http = HttpOptions(base_url=server.url_for("/v1"), retry=RetryPolicy(sleep=waits.append), page_size=page_size)
    return list(read_openai_audit(["api://"], stats, http=http, **kwargs)), stats


def test_every_page_of_the_window_is_read_and_events_come_oldest_first(
    httpserver: HTTPServer, waits: list[float]
) -> None:
    newest_first = [make_audit_log(i) for i in (4, 3, 2, 1, 0)]
    since = datetime(2026, 3, 11, 11, 0, 30, tzinfo=UTC)
    until = datetime(2026, 3, 11, 11, 10, tzinfo=UTC)
    window = {"effective_at[gte]": "1773226830", "effective_at[lt]": "1773227400"}
    headers = {"Authorization": f"Bearer {KEY}"}
    httpserver.expect_ordered_request(
        AUDIT_LOGS, query_string={"limit": "2", **window}, headers=headers
    ).respond_with_json(list_response(newest_first[:2], True))
    httpserver.expect_ordered_request(
        AUDIT_LOGS, query_string={"limit": "2", **window, "after": newest_first[1]["id"]}, headers=headers
    ).respond_with_json(list_response(newest_first[2:4], True))
    httpserver.expect_ordered_request(
        AUDIT_LOGS, query_string={"limit": "2", **window, "after": newest_first[3]["id"]}, headers=headers
    ).respond_with_json(list_response(newest_first[4:], False))
    events, stats = read_api(httpserver, waits, page_size=2, since=since, until=until)
    httpserver.check_assertions()
    # the server returned minute 0 too: the reader applies the exact window (since is 11:00:30)
    assert [event.id for event in events] == [make_audit_log(i)["id"] for i in (1, 2, 3, 4)]
    assert (stats.events_read, stats.files_read, stats.events_skipped) == (4, 1, 0)
    assert waits == []


def test_the_default_page_size_is_the_apis_maximum(httpserver: HTTPServer, waits: list[float]) -> None:
    httpserver.expect_request(AUDIT_LOGS, query_string={"limit": "100"}).respond_with_json(
        list_response([make_audit_log(0)], False)
    )
    events, _ = read_api(httpserver, waits)
    assert len(events) == 1


def test_rate_limits_and_server_errors_are_retried(httpserver: HTTPServer, waits: list[float]) -> None:
    limited = {
        "error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}
    }
    failed = {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}
    httpserver.expect_ordered_request(AUDIT_LOGS).respond_with_json(limited, status=429, headers={"retry-after": "3"})
    httpserver.expect_ordered_request(AUDIT_LOGS).respond_with_json(list_response([make_audit_log(1)], True))
    httpserver.expect_ordered_request(AUDIT_LOGS).respond_with_json(failed, status=500)
    httpserver.expect_ordered_request(AUDIT_LOGS).respond_with_json(list_response([make_audit_log(0)], False))
    events, _ = read_api(httpserver, waits)
    httpserver.check_assertions()
    assert [event.id for event in events] == [make_audit_log(0)["id"], make_audit_log(1)["id"]]
    assert waits == [3.0, 1.0]


def test_a_rejected_key_stops_the_read_naming_the_variable(
    httpserver: HTTPServer, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    refused = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    httpserver.expect_request(AUDIT_LOGS).respond_with_json(refused, status=401)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError, match="OPENAI_ADMIN_KEY") as caught:
        read_api(httpserver, waits)
    assert KEY not in str(caught.value) and KEY not in caplog.text


def test_bad_records_of_a_page_are_counted_with_the_pages_url(httpserver: HTTPServer, waits: list[float]) -> None:
    bad = make_audit_log(1, effective_at="yesterday")
    httpserver.expect_request(AUDIT_LOGS).respond_with_json(list_response([bad, make_audit_log(0)], False))
    events, stats = read_api(httpserver, waits)
    assert [event.id for event in events] == [make_audit_log(0)["id"]]
    assert dict(stats.skipped) == {"invalid_field": 1}
    assert stats.problems[0].location == Location(httpserver.url_for(AUDIT_LOGS) + "?limit=100")
