"""The shared HTTP API helper: retries (429 with retry-after, 5xx, transport errors), errors without the key,
cursor pagination, pages to events, and the ``api://`` input spec."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.secrets.redaction import redact
from jackwatch.sources.http import (
    ApiEndpoint,
    ApiSpec,
    HttpOptions,
    LogApi,
    Page,
    RetryPolicy,
    bearer,
    cursor_pages,
    open_api,
    parse_input,
    read_pages,
    retry_after,
)
from jackwatch.sources.openai.records import FORMAT
from jackwatch.sources.reading.context import TimeWindow
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, read_context
from jackwatch.sources.stats import ReadStats

VARIABLE = "JW_TEST_ADMIN_KEY"
KEY = "sk-admin-Vq2Lr8Xz5Nc1Tb7Wm4Hd0Ks6Pj3Gf9Ye"
ENDPOINT = ApiEndpoint("OpenAI audit logs API", "https://api.openai.com/v1", VARIABLE, bearer)
PATH = "/organization/audit_logs"


def audit_log(number: int, effective_at: int = 1773226800) -> dict[str, Any]:
    """An audit log object as GET /v1/organization/audit_logs lists it."""
    return {
        "id": f"audit_log-{number:04d}_20260311",
        "type": "login.succeeded",
        "effective_at": effective_at,
        "object": "organization.audit_log",
        "actor": {
            "type": "session",
            "session": {
                "user": {"id": "user-Qw3rTy8uIoP2", "email": "dana@acme.example"},
                "ip_address": "198.51.100.23",
                "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
            },
        },
    }


def listing(items: list[dict[str, Any]], *, has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def openai_error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(VARIABLE, KEY)
    return KEY


@pytest.fixture
def waits() -> list[float]:
    return []


def options(server: HTTPServer, waits: list[float], attempts: int = 5) -> HttpOptions:
    return HttpOptions(base_url=server.url_for("/v1"), retry=RetryPolicy(attempts=attempts, sleep=waits.append))


# ------------------------------------------------------------------------------------------ retry-after


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)

    def waited(value: str) -> float | None:
        return retry_after(httpx.Response(429, headers={"retry-after": value}), lambda: now)

    assert waited("2") == 2.0
    assert waited("0.5") == 0.5
    assert waited(later) == 30.0
    assert waited(earlier) == 0.0
    assert waited("soon") is None
    assert waited("inf") is None
    assert retry_after(httpx.Response(429)) is None


def test_a_429_waits_what_retry_after_says_capped_and_other_failures_back_off() -> None:
    policy = RetryPolicy(backoff=1.5, max_delay=60.0)
    limited = httpx.Response(429, headers={"retry-after": "7"})
    assert policy.delay(1, limited) == 7.0
    assert policy.delay(1, httpx.Response(429, headers={"retry-after": "3600"})) == 60.0
    assert [policy.delay(attempt, httpx.Response(500)) for attempt in (1, 2, 3)] == [1.5, 3.0, 6.0]
    assert policy.delay(2, httpx.Response(429)) == 3.0  # no retry-after: the backoff
    assert policy.delay(1, None) == 1.5  # a transport error


@given(
    attempt=st.integers(1, 60),
    backoff=st.floats(0, 100, allow_nan=False),
    max_delay=st.floats(0, 600, allow_nan=False),
    header=st.one_of(
        st.none(),
        st.floats(-1e6, 1e6, allow_nan=False).map(str),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    ),
)
def test_every_wait_is_between_zero_and_the_maximum(
    attempt: int, backoff: float, max_delay: float, header: str | None
) -> None:
    response = httpx.Response(429, headers={} if header is None else {"retry-after": header})
    delay = RetryPolicy(backoff=backoff, max_delay=max_delay).delay(attempt, response)
    assert 0.0 <= delay <= max_delay


# ------------------------------------------------------------------------------------------ the client


def test_the_client_sends_the_key_and_returns_the_json(httpserver: HTTPServer, key: str, waits: list[float]) -> None:
    body = listing([audit_log(1)], has_more=False)
    httpserver.expect_request(
        "/v1/organization/audit_logs",
        query_string={"limit": "1"},
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
    ).respond_with_json(body)
    with open_api(ENDPOINT, options(httpserver, waits)) as api:
        assert api.get_json(PATH, {"limit": 1}) == body
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"].startswith("jackwatch/")
    assert waits == []


def test_a_server_error_is_retried_after_a_backoff(httpserver: HTTPServer, key: str, waits: list[float]) -> None:
    failure = openai_error("The server had an error while processing your request.", "server_error")
    httpserver.expect_ordered_request("/v1/organization/audit_logs").respond_with_json(failure, status=500)
    httpserver.expect_ordered_request("/v1/organization/audit_logs").respond_with_json(failure, status=502)
    httpserver.expect_ordered_request("/v1/organization/audit_logs").respond_with_json(listing([], has_more=False))
    with open_api(ENDPOINT, options(httpserver, waits)) as api:
        assert api.get_json(PATH, {})["data"] == []
    assert waits == [1.0, 2.0]
    httpserver.check_assertions()


def test_a_rate_limited_request_waits_what_retry_after_says(
    httpserver: HTTPServer, key: str, waits: list[float]
) -> None:
    limited = openai_error("Rate limit reached for requests", "requests", "rate_limit_exceeded")
    httpserver.expect_ordered_request("/v1/organization/audit_logs").respond_with_json(
        limited, status=429, headers={"retry-after": "2"}
    )
    httpserver.expect_ordered_request("/v1/organization/audit_logs").respond_with_json(listing([], has_more=False))
    with open_api(ENDPOINT, options(httpserver, waits)) as api:
        api.get_json(PATH, {})
    assert waits == [2.0]


def test_failures_past_the_last_attempt_raise_with_the_servers_message(
    httpserver: HTTPServer, key: str, waits: list[float]
) -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(overloaded, status=529)
    with open_api(ENDPOINT, options(httpserver, waits, attempts=3)) as api, pytest.raises(SourceError) as caught:
        api.get_json(PATH, {})
    assert str(caught.value) == "OpenAI audit logs API: HTTP 529 after 3 attempts: Overloaded"
    assert waits == [1.0, 2.0]
    assert len(httpserver.log) == 3


def test_a_rejected_key_names_its_variable_never_the_key(
    httpserver: HTTPServer, key: str, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    refused = openai_error(f"Incorrect API key provided: {key}.", "invalid_request_error", "invalid_api_key")
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(refused, status=401)
    caplog.set_level(logging.DEBUG)
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError) as caught:
        api.get_json(PATH, {})
    message = str(caught.value)
    assert VARIABLE in message and "HTTP 401" in message
    assert key not in message and key[-6:] not in message
    assert key not in caplog.text
    assert waits == [], "a rejected key is not retried"


def test_a_forbidden_request_explains_and_redacts_an_echoed_key(
    httpserver: HTTPServer, key: str, waits: list[float]
) -> None:
    denied = openai_error(
        f"You have insufficient permissions for this operation. Missing scopes: api.audit_logs.read. Key: {key}",
        "invalid_request_error",
    )
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(denied, status=403)
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError) as caught:
        api.get_json(PATH, {})
    message = str(caught.value)
    assert "HTTP 403" in message and VARIABLE in message and "api.audit_logs.read" in message
    assert key not in message and redact(key) in message


@pytest.mark.parametrize("echoed", [slice(0, 30), slice(9, None), slice(4, 20)])
def test_a_key_echoed_in_part_is_redacted(httpserver: HTTPServer, key: str, waits: list[float], echoed: slice) -> None:
    piece = key[echoed]
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(
        openai_error(f"bad key {piece}", "invalid_request_error"), status=400
    )
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError) as caught:
        api.get_json(PATH, {})
    message = str(caught.value)
    assert "HTTP 400" in message and "bad key" in message
    assert piece not in message and redact(piece) in message


def test_a_body_that_is_not_json_is_an_error(httpserver: HTTPServer, key: str, waits: list[float]) -> None:
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_data(
        "<html>gateway</html>", content_type="text/html"
    )
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError, match="is not JSON"):
        api.get_json(PATH, {})


def test_transport_errors_are_retried_then_reported(key: str, waits: list[float]) -> None:
    calls: list[httpx.Request] = []

    def unreachable(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectTimeout("timed out", request=request)

    policy = HttpOptions(retry=RetryPolicy(attempts=3, sleep=waits.append))
    with open_api(ENDPOINT, policy, httpx.MockTransport(unreachable)) as api, pytest.raises(SourceError) as caught:
        api.get_json(PATH, {})
    assert str(caught.value) == "OpenAI audit logs API: request failed after 3 attempts: timed out"
    assert len(calls) == 3 and waits == [1.0, 2.0]


def test_a_request_that_outlasts_the_timeout_is_retried_then_reported(
    httpserver: HTTPServer, key: str, waits: list[float]
) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.3)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/organization/audit_logs").respond_with_handler(slow)
    settings = HttpOptions(base_url=httpserver.url_for("/v1"), timeout=0.05, retry=RetryPolicy(2, sleep=waits.append))
    with open_api(ENDPOINT, settings) as api, pytest.raises(SourceError, match="request failed after 2 attempts"):
        api.get_json(PATH, {})
    assert waits == [1.0]
    deadline = time.monotonic() + 5  # the server still answers the abandoned requests: let it finish
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(httpserver.log) == 2


def test_the_key_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with pytest.raises(ConfigError, match=f"{VARIABLE} is not set"):
        open_api(ENDPOINT, HttpOptions())
    monkeypatch.setenv(VARIABLE, "   ")
    with pytest.raises(ConfigError, match=f"{VARIABLE} is not set"):
        open_api(ENDPOINT, HttpOptions())


# ------------------------------------------------------------------------------------------ pagination


def test_pages_follow_the_cursor_until_has_more_is_false(httpserver: HTTPServer, key: str, waits: list[float]) -> None:
    first = [audit_log(1), audit_log(2)]
    second = [audit_log(3), audit_log(4)]
    third = [audit_log(5)]
    base = "/v1/organization/audit_logs"
    httpserver.expect_ordered_request(base, query_string={"limit": "2"}).respond_with_json(
        listing(first, has_more=True)
    )
    httpserver.expect_ordered_request(base, query_string={"limit": "2", "after": first[-1]["id"]}).respond_with_json(
        listing(second, has_more=True)
    )
    httpserver.expect_ordered_request(base, query_string={"limit": "2", "after": second[-1]["id"]}).respond_with_json(
        listing(third, has_more=False)
    )
    with open_api(ENDPOINT, options(httpserver, waits)) as api:
        pages = list(cursor_pages(api, PATH, {"limit": 2}, cursor_param="after"))
    assert [[item["id"] for item in page.items] for page in pages] == [
        [item["id"] for item in chunk] for chunk in (first, second, third)
    ]
    assert pages[1].origin == httpserver.url_for(base) + f"?limit=2&after={first[-1]['id']}"
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"object": "list", "has_more": False}, "has no 'data' array"),
        ([audit_log(1)], "has no 'data' array"),
        ({"object": "list", "data": [audit_log(1)], "has_more": True, "last_id": None}, "there is no last_id"),
    ],
    ids=["no data", "an array", "more without a cursor"],
)
def test_a_malformed_page_stops_the_listing(
    httpserver: HTTPServer, key: str, waits: list[float], body: object, problem: str
) -> None:
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(body)
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError, match=problem):
        list(cursor_pages(api, PATH, {}, cursor_param="after"))


def test_a_cursor_that_comes_back_stops_the_listing(httpserver: HTTPServer, key: str, waits: list[float]) -> None:
    httpserver.expect_request("/v1/organization/audit_logs").respond_with_json(listing([audit_log(1)], has_more=True))
    with open_api(ENDPOINT, options(httpserver, waits)) as api, pytest.raises(SourceError, match="does not advance"):
        list(cursor_pages(api, PATH, {}, cursor_param="after"))
    assert len(httpserver.log) == 2


# ------------------------------------------------------------------------------------------ pages to events


def test_pages_become_events_oldest_first_with_bad_records_located() -> None:
    stats = ReadStats()
    context = read_context(stats, FORMAT, datetime(2026, 3, 11, tzinfo=UTC), None, None, None)
    newest_first = [
        Page([audit_log(3, 1773226900), {"id": "audit_log-bad", "effective_at": 1773226850}], "https://x/p1"),
        Page([audit_log(2, 1773226800), audit_log(1, 1700000000)], "https://x/p2?after=audit_log-bad"),
    ]
    events = list(read_pages(newest_first, context))
    assert [event.id for event in events] == ["audit_log-0002_20260311", "audit_log-0003_20260311"]
    assert stats.events_read == 2 and stats.files_read == 1
    assert dict(stats.skipped) == {"missing_field": 1}
    assert stats.problems[0].location == Location("https://x/p1")
    assert stats.problems[0].message == "record 2: missing type"


# ------------------------------------------------------------------------------------------ the inputs


def test_input_specs(tmp_path: Path) -> None:
    assert parse_input("api://") == ApiSpec()
    assert parse_input("api:") == ApiSpec()
    assert parse_input("-") == StdinSpec()
    assert parse_input(str(tmp_path / "audit.jsonl")) == PathSpec(tmp_path / "audit.jsonl")
    for bad in ("s3://bucket/audit/", "lookup://", "api://org-1", "https://api.openai.com/v1", ""):
        with pytest.raises(ConfigError):
            parse_input(bad)


def test_a_listing_sends_the_bounds_of_the_window_it_has() -> None:
    def seconds(moment: datetime) -> int:
        return int(moment.timestamp())

    listing = LogApi(ENDPOINT, "/logs", 100, "after", ("from", seconds), ("to", datetime.isoformat))
    since, until = datetime(2026, 3, 11, 9, tzinfo=UTC), datetime(2026, 3, 11, 10, tzinfo=UTC)
    assert listing.params(TimeWindow(since, until)) == {"limit": 100, "from": 1773219600, "to": until.isoformat()}
    assert listing.params(TimeWindow(since=since), page_size=2) == {"limit": 2, "from": 1773219600}
    assert listing.params(TimeWindow()) == {"limit": 100}


def test_read_context_rejects_an_empty_window() -> None:
    moment = datetime(2026, 3, 11, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be before until"):
        read_context(ReadStats(), FORMAT, moment, moment, None, None)
