"""Anthropic usage and costs (GET /v1/organizations/usage_report/messages and /cost_report) against a local
server speaking the documented format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_anthropic import cost_row, read_anthropic_usage
from jackwatch.sources.usage.api_buckets import BucketContext
from jackwatch.sources.usage.currency import UsdConverter

from .api_reports import options, read_api, report_page, sent_query

KEY = "sk-ant-admin01-Rk7Wq2Lm9Tx4Vb8Nc1Hd5Gf3Pz6Ys0Ja-Qw8ErtAA"
ORGANIZATION = "9b2f4c1e-7d3a-4e8b-a6c5-2f1d0e9c8b7a"
ME = "/v1/organizations/me"
USAGE = "/v1/organizations/usage_report/messages"
COSTS = "/v1/organizations/cost_report"


def usage_result(
    key: str | None = "apikey_01Rj2N8SVvo6BePZj99NhmiT", model: str = "claude-sonnet-4-20250514", **fields: Any
) -> dict[str, Any]:
    """A result of the messages usage report grouped by API key, model and workspace."""
    return {
        "uncached_input_tokens": 1_520_000,
        "cache_creation": {"ephemeral_1h_input_tokens": 40_000, "ephemeral_5m_input_tokens": 210_000},
        "cache_read_input_tokens": 3_400_000,
        "output_tokens": 96_500,
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": key,
        "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
        "model": model,
        "service_tier": None,
        "context_window": None,
        **fields,
    }


def cost_result(amount: str, token_type: str | None = "uncached_input_tokens", **fields: Any) -> dict[str, Any]:
    """A result of the cost report grouped by workspace and description (``amount`` in cents)."""
    return {
        "currency": "USD",
        "amount": amount,
        "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
        "description": "Claude Sonnet 4 Usage - Input Tokens",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": "claude-sonnet-4-20250514",
        "service_tier": "standard",
        "token_type": token_type,
        **fields,
    }


def bucket(start: str, *results: dict[str, Any], hours: int = 1) -> dict[str, Any]:
    begin = datetime.fromisoformat(start)
    end = (begin + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    return {"starting_at": start, "ending_at": end, "results": list(results)}


@pytest.fixture(autouse=True)
def admin_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)


def organization(server: HTTPServer) -> None:
    body = {"id": ORGANIZATION, "type": "organization", "name": "Acme Research"}
    server.expect_ordered_request(ME, headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"}).respond_with_json(
        body
    )


def read(server: HTTPServer, **kwargs: Any) -> tuple[list[Event], ReadStats]:
    return read_api(read_anthropic_usage, server, "", **kwargs)


def test_both_reports_are_read_page_by_page_into_rows_oldest_first(httpserver: HTTPServer) -> None:
    organization(httpserver)
    console = usage_result(None, "claude-3-5-haiku-20241022", cache_creation=None, cache_read_input_tokens=0)
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        report_page([bucket("2026-03-11T11:00:00Z", usage_result(), console)], "page_MjAyNi0wMy0xMVQxMjowMDowMFo=")
    )
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        report_page([bucket("2026-03-11T12:00:00Z", usage_result(output_tokens=12))])
    )
    costs = [cost_result("45600.5"), cost_result("19.80", None, cost_type="web_search", model=None)]
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        report_page([bucket("2026-03-11T00:00:00Z", *costs, hours=24)])
    )
    progress: list[str] = []

    events, stats = read(httpserver, page_size=1, progress=progress)

    httpserver.check_assertions()
    assert [(event.name, event.time) for event in events] == [
        ("anthropic", datetime(2026, 3, 11, 0, tzinfo=UTC)),
        ("anthropic", datetime(2026, 3, 11, 0, tzinfo=UTC)),
        ("anthropic", datetime(2026, 3, 11, 11, tzinfo=UTC)),
        ("anthropic", datetime(2026, 3, 11, 11, tzinfo=UTC)),
        ("anthropic", datetime(2026, 3, 11, 12, tzinfo=UTC)),
    ]
    keyed = events[2].raw
    assert {name: value for name, value in keyed.items() if name != "origin"} == {
        "provider": "anthropic",
        "account": ORGANIZATION,
        "start": "2026-03-11T11:00:00Z",
        "end": "2026-03-11T12:00:00Z",
        "line": 1,
        "key": "apikey_01Rj2N8SVvo6BePZj99NhmiT",
        "project": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
        "model": "claude-sonnet-4-20250514",
        "model_normalized": "claude-sonnet-4-20250514",
        "input_tokens": 1_520_000,
        "output_tokens": 96_500,
        "cache_read_tokens": 3_400_000,
        "cache_write_tokens": 250_000,
    }
    unkeyed = events[3].raw
    assert "key" not in unkeyed and "cache_write_tokens" not in unkeyed and unkeyed["cache_read_tokens"] == 0
    assert [(e.raw["cost"], e.raw["cost_usd"], e.raw["usage_type"], e.raw.get("model")) for e in events[:2]] == [
        ("456.005", "456.005", "uncached_input_tokens", "claude-sonnet-4-20250514"),
        ("0.198", "0.198", "web_search", None),
    ]
    assert events[0].raw["description"] == "Claude Sonnet 4 Usage - Input Tokens"
    assert stats.events_read == 5 and stats.files_read == 2 and not stats.problems
    assert progress == [event.origin for event in (events[2], events[4], events[0])]

    me, usage_first, usage_next, costs_first = (sent_query(request) for request, _ in httpserver.log)
    assert me == {}
    assert usage_first == {
        "starting_at": ["2026-03-11T10:00:00Z"],
        "ending_at": ["2026-03-11T13:00:00Z"],
        "bucket_width": ["1h"],
        "group_by[]": ["api_key_id", "model", "workspace_id"],
        "limit": ["1"],
    }
    assert usage_next == {**usage_first, "page": ["page_MjAyNi0wMy0xMVQxMjowMDowMFo="]}
    assert costs_first == {
        "starting_at": ["2026-03-11T00:00:00Z"],
        "ending_at": ["2026-03-12T00:00:00Z"],
        "bucket_width": ["1d"],
        "group_by[]": ["workspace_id", "description"],
        "limit": ["1"],
    }


def test_a_long_window_is_read_daily_with_the_largest_pages(httpserver: HTTPServer) -> None:
    organization(httpserver)
    httpserver.expect_ordered_request(USAGE).respond_with_json(report_page([]))
    httpserver.expect_ordered_request(COSTS).respond_with_json(report_page([]))
    read(httpserver, since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC))
    _, usage, costs = (sent_query(request) for request, _ in httpserver.log)
    assert (usage["bucket_width"], usage["limit"], costs["limit"]) == (["1d"], ["31"], ["31"])
    assert (usage["starting_at"], usage["ending_at"]) == (["2026-02-01T00:00:00Z"], ["2026-03-01T00:00:00Z"])


def test_overload_rate_limits_and_server_errors_are_retried(httpserver: HTTPServer) -> None:
    waits: list[float] = []
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    limited = {"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}}
    httpserver.expect_ordered_request(ME).respond_with_json(overloaded, status=529)
    organization(httpserver)
    httpserver.expect_ordered_request(USAGE).respond_with_json(limited, status=429, headers={"retry-after": "12"})
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        report_page([bucket("2026-03-11T10:00:00Z", usage_result())])
    )
    httpserver.expect_ordered_request(COSTS).respond_with_json({"type": "error"}, status=500)
    httpserver.expect_ordered_request(COSTS).respond_with_json(report_page([]))
    events, _ = read(httpserver, waits=waits)
    httpserver.check_assertions()
    assert waits == [1.0, 12.0, 1.0]
    assert len(events) == 1


def test_a_rejected_key_names_its_variable_never_the_key(httpserver: HTTPServer) -> None:
    refused = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    httpserver.expect_request(ME).respond_with_json(refused, status=401)
    with pytest.raises(SourceError, match="ANTHROPIC_ADMIN_KEY") as caught:
        read(httpserver)
    assert KEY not in str(caught.value)
    assert len(httpserver.log) == 1


def test_without_the_key_nothing_is_asked(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    with pytest.raises(ConfigError, match="ANTHROPIC_ADMIN_KEY"):
        read_anthropic_usage(ReadStats(), http=options(httpserver))
    assert not httpserver.log


def test_an_organization_without_an_id_stops_the_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request(ME).respond_with_json({"type": "organization", "name": "Acme Research"})
    with pytest.raises(SourceError, match="no organization id"):
        read(httpserver)


def test_bad_buckets_and_results_are_counted_with_the_page_and_bucket(httpserver: HTTPServer) -> None:
    organization(httpserver)
    buckets = [
        {"starting_at": "yesterday", "ending_at": "2026-03-11T11:00:00Z", "results": []},
        bucket(
            "2026-03-11T11:00:00Z",
            usage_result(cache_creation=[1, 2]),
            usage_result(uncached_input_tokens=None),
            usage_result(cache_creation={"ephemeral_5m_input_tokens": 1.5}),
            usage_result(model="claude-opus-4-20250514"),
        ),
        {"starting_at": "2026-03-11T13:00:00Z", "ending_at": "2026-03-11T12:00:00Z", "results": [usage_result()]},
        ["not", "a", "bucket"],
    ]
    httpserver.expect_ordered_request(USAGE).respond_with_json(report_page(buckets))
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        report_page([bucket("2026-03-11T00:00:00Z", cost_result("12,5x"), cost_result("250"), hours=24)])
    )
    events, stats = read(httpserver)

    costs, usage = events
    assert (usage.raw["model"], costs.raw["cost"]) == ("claude-opus-4-20250514", "2.5")
    assert [(p.location, p.reason, p.message) for p in stats.problems] == [
        (Location(usage.origin, 1), "invalid_field", "data[0]: starting_at 'yesterday' is not a date or time"),
        (
            Location(usage.origin, 2),
            "invalid_field",
            "data[1].results[0]: cache_creation must be an object or null, got an array [1, 2]",
        ),
        (Location(usage.origin, 2), "missing_field", "data[1].results[1]: missing uncached_input_tokens"),
        (
            Location(usage.origin, 2),
            "invalid_field",
            "data[1].results[2]: ephemeral_5m_input_tokens must be a whole number ≥ 0, got a number 1.5",
        ),
        (
            Location(usage.origin, 3),
            "invalid_field",
            "data[2]: ending_at 2026-03-11T12:00:00+00:00 is before the start 2026-03-11T13:00:00+00:00",
        ),
        (Location(usage.origin, 4), "not_an_object", "data[3]: record is an array, not a JSON object"),
        (Location(costs.origin, 1), "invalid_field", "data[0].results[0]: amount '12,5x' is not a number"),
    ]
    assert stats.events_skipped == 7


def test_costs_are_cents_and_other_currencies_are_reported(httpserver: HTTPServer) -> None:
    organization(httpserver)
    httpserver.expect_ordered_request(USAGE).respond_with_json(report_page([]))
    results = [cost_result("1234.5"), cost_result("99", currency="eur"), cost_result("7", currency=None)]
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        report_page([bucket("2026-03-11T00:00:00Z", *results, hours=24)])
    )
    events, stats = read(httpserver)
    assert [(e.raw["cost"], e.raw["currency"], e.raw.get("cost_usd")) for e in events] == [
        ("12.345", "USD", "12.345"),
        ("0.99", "EUR", None),
        ("0.07", "USD", "0.07"),
    ]
    assert [(p.reason, p.location) for p in stats.problems] == [("unconverted_currency", Location(events[0].origin))]


@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_a_cost_is_its_amount_in_cents(cents: Decimal) -> None:
    start = datetime(2026, 3, 11, tzinfo=UTC)
    bucket = BucketContext(
        ORGANIZATION, start, start + timedelta(days=1), "https://api.anthropic.com", 1, UsdConverter({})
    )
    row = cost_row(cost_result(str(cents)), bucket)
    assert row.cost is not None and row.cost * 100 == cents and row.cost_usd == row.cost
