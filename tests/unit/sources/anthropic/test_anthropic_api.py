"""``api://``: GET /v1/compliance/activities against a local server speaking the documented format."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from jackwatch.errors import SourceError
from jackwatch.model import Event
from jackwatch.sources.anthropic import read_anthropic_activity
from jackwatch.sources.http import HttpOptions, RetryPolicy
from jackwatch.sources.stats import ReadStats

from .conftest import feed_page, make_activity

KEY = "sk-ant-admin01-Hk3Pq7Vx1Lz5Nb9Rc2Tw6Jm0Fd4Gs8Ya"
ACTIVITIES = "/v1/compliance/activities"


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


@pytest.fixture(autouse=True)
def admin_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)


@pytest.fixture
def waits() -> list[float]:
    return []


def read_api(server: HTTPServer, waits: list[float], **kwargs: Any) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    http = HttpOptions(base_url=server.url_for(""), retry=RetryPolicy(sleep=waits.append), page_size=2)
    return list(read_anthropic_activity(["api://"], stats, http=http, **kwargs)), stats


def test_pages_follow_after_id_with_the_documented_headers_and_window(
    httpserver: HTTPServer, waits: list[float]
) -> None:
    newest_first = [make_activity(i) for i in (3, 2, 1)]
    window = {"created_at.gte": "2026-03-11T09:00:00Z", "created_at.lt": "2026-03-11T10:00:00Z"}
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    httpserver.expect_ordered_request(
        ACTIVITIES, query_string={"limit": "2", **window}, headers=headers
    ).respond_with_json(feed_page(newest_first[:2], True))
    httpserver.expect_ordered_request(
        ACTIVITIES, query_string={"limit": "2", **window, "after_id": newest_first[1]["id"]}, headers=headers
    ).respond_with_json(feed_page(newest_first[2:], False))
    since, until = datetime(2026, 3, 11, 9, 0, tzinfo=UTC), datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    events, stats = read_api(httpserver, waits, since=since, until=until)
    httpserver.check_assertions()
    assert [event.id for event in events] == [make_activity(i)["id"] for i in (1, 2, 3)]
    assert "Authorization" not in httpserver.log[0][0].headers
    assert (stats.events_read, stats.files_read) == (3, 1)


def test_overloaded_and_rate_limited_responses_are_retried(httpserver: HTTPServer, waits: list[float]) -> None:
    httpserver.expect_ordered_request(ACTIVITIES).respond_with_json(
        anthropic_error("overloaded_error", "Overloaded"), status=529
    )
    httpserver.expect_ordered_request(ACTIVITIES).respond_with_json(
        anthropic_error("rate_limit_error", "Number of requests has exceeded your rate limit"),
        status=429,
        headers={"retry-after": "4"},
    )
    httpserver.expect_ordered_request(ACTIVITIES).respond_with_json(feed_page([make_activity(0)], False))
    events, _ = read_api(httpserver, waits)
    httpserver.check_assertions()
    assert len(events) == 1 and waits == [1.0, 4.0]


def test_a_key_without_the_scope_is_refused_with_the_apis_explanation(
    httpserver: HTTPServer, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(ACTIVITIES).respond_with_json(
        anthropic_error("permission_error", "API key is missing required scope: read:compliance_activities"),
        status=403,
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as caught:
        read_api(httpserver, waits)
    message = str(caught.value)
    assert "ANTHROPIC_ADMIN_KEY" in message and "read:compliance_activities" in message
    assert KEY not in message and KEY not in caplog.text


def test_an_invalid_key_is_reported_once(httpserver: HTTPServer, waits: list[float]) -> None:
    httpserver.expect_request(ACTIVITIES).respond_with_json(
        anthropic_error("authentication_error", "invalid x-api-key"), status=401
    )
    with pytest.raises(SourceError, match="the key in ANTHROPIC_ADMIN_KEY was rejected"):
        read_api(httpserver, waits)
    assert len(httpserver.log) == 1 and waits == []
