"""OpenAI usage and costs (GET /v1/organization/usage/completions and /costs) against a local server speaking
the documented format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.model import Event
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import Engine, compile_ruleset
from jackwatch.rules.loader import builtin_rule_files, load_rules
from jackwatch.rules.sources import default_registry
from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_buckets import BucketContext
from jackwatch.sources.usage.api_openai import read_openai_usage, usage_row
from jackwatch.sources.usage.currency import UsdConverter

from .api_reports import options, read_api, report_page, sent_query

KEY = "sk-admin-Jq4Tn8Wc2Lx6Rb1Vz9Mk3Hf7Gd5Ps0Ya"
ORGANIZATION = "org-Xq2Lw8Rt5Nv1Bc7M"
USAGE = "/v1/organization/usage/completions"
COSTS = "/v1/organization/costs"
HOUR = 3600
DAY = 86400
T0 = 1773223200
"""2026-03-11T10:00:00Z."""
DAY0 = 1773187200
"""2026-03-11T00:00:00Z."""
HEADERS = {"openai-organization": ORGANIZATION, "openai-version": "2020-10-01", "x-request-id": "req_7f3a9c"}


def usage_result(
    key: str = "key_9fKx2LmQ7rT4vW1p", model: str | None = "gpt-4o-2024-08-06", **counts: Any
) -> dict[str, Any]:
    """An ``organization.usage.completions.result`` grouped by API key, model and project."""
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": 182_340,
        "output_tokens": 20_411,
        "input_cached_tokens": 51_200,
        "input_audio_tokens": 0,
        "output_audio_tokens": 0,
        "num_model_requests": 143,
        "project_id": "proj_Qd8Lw2Xn5Vb7Tc1M",
        "user_id": None,
        "api_key_id": key,
        "model": model,
        "batch": None,
        "service_tier": None,
        **counts,
    }


def usage_bucket(start: int, *results: object, width: int = HOUR) -> dict[str, Any]:
    return {"object": "bucket", "start_time": start, "end_time": start + width, "results": list(results)}


def cost_result(value: float, line_item: str | None, currency: str = "usd") -> dict[str, Any]:
    """An ``organization.costs.result`` grouped by project and line item."""
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": currency},
        "line_item": line_item,
        "project_id": "proj_Qd8Lw2Xn5Vb7Tc1M",
    }


def page(buckets: list[dict[str, Any]], next_page: str | None = None) -> dict[str, Any]:
    return report_page(buckets, next_page, object="page")


@pytest.fixture(autouse=True)
def admin_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    monkeypatch.delenv("OPENAI_ORG_ID", raising=False)


def read(server: HTTPServer, **kwargs: Any) -> tuple[list[Event], ReadStats]:
    return read_api(read_openai_usage, server, "/v1", **kwargs)


def no_costs(server: HTTPServer) -> None:
    server.expect_ordered_request(COSTS).respond_with_json(page([]), headers=HEADERS)


def test_both_reports_are_read_page_by_page_into_rows_oldest_first(httpserver: HTTPServer) -> None:
    other = usage_result("key_2HsP8mZq4Lt7Vc1x", "gpt-4o-mini-2024-07-18", input_cached_tokens=None)
    httpserver.expect_ordered_request(USAGE, headers={"Authorization": f"Bearer {KEY}"}).respond_with_json(
        page([usage_bucket(T0 + HOUR, usage_result()), usage_bucket(T0 + 2 * HOUR, other)], "page_AAAAAGdGxdEi"),
        headers=HEADERS,
    )
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        page([usage_bucket(T0, usage_result(output_tokens=9))]), headers=HEADERS
    )
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        page(
            [
                usage_bucket(
                    DAY0,
                    cost_result(41.27, "gpt-4o-2024-08-06, input"),
                    cost_result(0.06, "web search tool calls"),
                    width=DAY,
                )
            ],
            "page_AAAAAGdHzbKl",
        ),
        headers=HEADERS,
    )
    httpserver.expect_ordered_request(COSTS).respond_with_json(page([]), headers=HEADERS)

    events, stats = read(httpserver, page_size=2)

    httpserver.check_assertions()
    assert [event.time for event in events] == [
        datetime(2026, 3, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 11, 10, tzinfo=UTC),
        datetime(2026, 3, 11, 11, tzinfo=UTC),
        datetime(2026, 3, 11, 12, tzinfo=UTC),
    ]
    assert {event.source for event in events} == {"llm_usage"}
    assert {event.name for event in events} == {"openai"}
    first_usage = next(event.raw for event in events if event.time == datetime(2026, 3, 11, 11, tzinfo=UTC))
    assert first_usage == {
        "provider": "openai",
        "account": ORGANIZATION,
        "start": "2026-03-11T11:00:00Z",
        "end": "2026-03-11T12:00:00Z",
        "origin": httpserver.url_for(USAGE) + first_usage["origin"].split(USAGE, 1)[1],
        "line": 1,
        "key": "key_9fKx2LmQ7rT4vW1p",
        "project": "proj_Qd8Lw2Xn5Vb7Tc1M",
        "model": "gpt-4o-2024-08-06",
        "model_normalized": "gpt-4o-2024-08-06",
        "input_tokens": 182_340 - 51_200,
        "output_tokens": 20_411,
        "cache_read_tokens": 51_200,
        "requests": 143,
    }
    uncached = next(event.raw for event in events if event.raw.get("key") == "key_2HsP8mZq4Lt7Vc1x")
    assert (uncached["input_tokens"], uncached["cache_read_tokens"], uncached["line"]) == (182_340, 0, 2)
    costs = [event.raw for event in events if "cost" in event.raw]
    assert [(c["cost"], c["currency"], c["cost_usd"], c.get("model"), c["usage_type"]) for c in costs] == [
        ("41.27", "USD", "41.27", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06, input"),
        ("0.06", "USD", "0.06", None, "web search tool calls"),
    ]
    assert all("key" not in c and c["project"] == "proj_Qd8Lw2Xn5Vb7Tc1M" for c in costs)
    assert stats.events_read == 5 and stats.files_read == 2 and not stats.problems

    usage_first, usage_next, costs_first, costs_next = (sent_query(request) for request, _ in httpserver.log)
    assert usage_first == {
        "start_time": [str(T0)],
        "end_time": [str(T0 + 3 * HOUR)],
        "bucket_width": ["1h"],
        "group_by[]": ["api_key_id", "model", "project_id"],
        "limit": ["2"],
    }
    assert usage_next == {**usage_first, "page": ["page_AAAAAGdGxdEi"]}
    assert costs_first == {
        "start_time": [str(DAY0)],
        "end_time": [str(DAY0 + DAY)],
        "bucket_width": ["1d"],
        "group_by[]": ["project_id", "line_item"],
        "limit": ["2"],
    }
    assert costs_next == {**costs_first, "page": ["page_AAAAAGdHzbKl"]}


def test_a_window_longer_than_seven_days_is_read_in_daily_buckets_of_the_largest_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        page([usage_bucket(DAY0, usage_result(), width=DAY)]), headers=HEADERS
    )
    no_costs(httpserver)
    since = datetime(2026, 3, 1, 6, tzinfo=UTC)
    events, _ = read(httpserver, since=since, until=since + timedelta(days=10))
    usage, costs = (sent_query(request) for request, _ in httpserver.log)
    assert (usage["bucket_width"], usage["limit"], costs["limit"]) == (["1d"], ["31"], ["180"])
    assert usage["start_time"] == [str(int(datetime(2026, 3, 1, tzinfo=UTC).timestamp()))]
    assert usage["end_time"] == [str(int(datetime(2026, 3, 12, tzinfo=UTC).timestamp()))]
    assert [(event.raw["start"], event.raw["end"]) for event in events] == [
        ("2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z")
    ]


def test_an_hourly_window_asks_for_the_largest_hourly_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(USAGE).respond_with_json(page([]), headers=HEADERS)
    no_costs(httpserver)
    read(httpserver)
    assert sent_query(httpserver.log[0][0])["limit"] == ["168"]


def test_rate_limits_and_server_errors_are_retried(httpserver: HTTPServer) -> None:
    waits: list[float] = []
    limited = {"error": {"message": "Rate limit reached for organization usage", "type": "requests"}}
    httpserver.expect_ordered_request(USAGE).respond_with_json(limited, status=429, headers={"retry-after": "7"})
    httpserver.expect_ordered_request(USAGE).respond_with_json(
        page([usage_bucket(T0, usage_result())]), headers=HEADERS
    )
    httpserver.expect_ordered_request(COSTS).respond_with_json({"error": {"message": "internal"}}, status=500)
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        page([usage_bucket(DAY0, cost_result(2.5, "gpt-4o-2024-08-06, output"), width=DAY)]), headers=HEADERS
    )
    events, stats = read(httpserver, waits=waits)
    httpserver.check_assertions()
    assert waits == [7.0, 1.0]
    assert len(events) == 2 and stats.events_read == 2


def test_a_rejected_key_names_its_variable_never_the_key(httpserver: HTTPServer) -> None:
    refused = {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}}
    httpserver.expect_request(USAGE).respond_with_json(refused, status=401)
    with pytest.raises(SourceError, match="OPENAI_ADMIN_KEY") as caught:
        read(httpserver)
    assert KEY not in str(caught.value) and KEY[4:-3] not in str(caught.value)
    assert len(httpserver.log) == 1


def test_without_the_key_nothing_is_asked(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    with pytest.raises(ConfigError, match="OPENAI_ADMIN_KEY"):
        read_openai_usage(ReadStats(), http=options(httpserver, "/v1"))
    with pytest.raises(ConfigError, match="must be before"):
        read_openai_usage(ReadStats(), since=datetime(2026, 3, 2, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC))
    assert not httpserver.log


def test_bad_buckets_and_results_are_counted_with_the_page_and_bucket(httpserver: HTTPServer) -> None:
    buckets = [
        {"object": "bucket", "end_time": T0 + HOUR, "results": [usage_result()]},
        usage_bucket(T0 + HOUR, usage_result(input_cached_tokens=200_000), "not a result", usage_result(model=None)),
        {"object": "bucket", "start_time": T0 + 2 * HOUR, "end_time": T0 + 3 * HOUR, "results": None},
        usage_bucket(T0 + 2 * HOUR, usage_result(output_tokens=-4), usage_result(output_tokens="12")),
    ]
    httpserver.expect_ordered_request(USAGE).respond_with_json(page(buckets), headers=HEADERS)
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        page([usage_bucket(DAY0, cost_result(1.5, "o3, output"), {"object": "organization.costs.result"}, width=DAY)]),
        headers=HEADERS,
    )
    events, stats = read(httpserver)

    assert [event.raw.get("model") for event in events] == ["o3", None]
    costs_url, usage_url = (event.origin for event in events)
    assert usage_url.startswith(httpserver.url_for(USAGE)) and costs_url.startswith(httpserver.url_for(COSTS))
    assert [(p.location, p.reason, p.message) for p in stats.problems] == [
        (Location(usage_url, 1), "missing_field", "data[0]: missing start_time"),
        (
            Location(usage_url, 2),
            "invalid_field",
            "data[1].results[0]: input_cached_tokens 200000 exceeds input_tokens 182340",
        ),
        (Location(usage_url, 2), "not_an_object", "data[1].results[1]: record is a string, not a JSON object"),
        (Location(usage_url, 3), "missing_field", "data[2]: missing results"),
        (
            Location(usage_url, 4),
            "invalid_field",
            "data[3].results[0]: output_tokens must be a whole number ≥ 0, got a number -4",
        ),
        (
            Location(usage_url, 4),
            "invalid_field",
            "data[3].results[1]: output_tokens must be a whole number ≥ 0, got a string '12'",
        ),
        (Location(costs_url, 1), "missing_field", "data[0].results[1]: missing amount"),
    ]
    assert stats.events_skipped == 7 and stats.events_read == 2


def test_costs_in_other_currencies_are_kept_without_a_usd_cost_and_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(USAGE).respond_with_json(page([]), headers=HEADERS)
    results = [cost_result(12.5, "gpt-4.1, output", "eur"), cost_result(3, "gpt-4.1, input", "USD")]
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        page([usage_bucket(DAY0, *results, width=DAY)]), headers=HEADERS
    )
    events, stats = read(httpserver)
    assert [(e.raw["cost"], e.raw["currency"], e.raw.get("cost_usd")) for e in events] == [
        ("12.5", "EUR", None),
        ("3", "USD", "3"),
    ]
    (problem,) = stats.problems
    assert (problem.reason, problem.location) == ("unconverted_currency", Location(events[0].origin))
    assert "1 EUR row not converted to USD" in problem.message
    assert stats.events_skipped == 0


def test_the_organization_comes_from_the_environment_or_the_responses(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(USAGE).respond_with_json(page([usage_bucket(T0, usage_result())]))
    httpserver.expect_request(COSTS).respond_with_json(page([]))
    with pytest.raises(SourceError, match=r"no openai-organization header.*OPENAI_ORG_ID"):
        read(httpserver)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-Given5Ld8Qw2")
    events, _ = read(httpserver)
    assert [event.raw["account"] for event in events] == ["org-Given5Ld8Qw2"]


def test_the_same_bucket_read_twice_is_the_same_event(httpserver: HTTPServer) -> None:
    httpserver.expect_request(USAGE).respond_with_json(page([usage_bucket(T0, usage_result())]), headers=HEADERS)
    httpserver.expect_request(COSTS).respond_with_json(page([]), headers=HEADERS)
    first, _ = read(httpserver)
    again, _ = read(httpserver, until=datetime(2026, 3, 11, 11, tzinfo=UTC))
    assert [event.id for event in first] == [event.id for event in again]
    assert first[0].origin != again[0].origin


def test_a_burst_meets_the_builtin_token_and_spend_spike_rules(httpserver: HTTPServer) -> None:
    usual = [usage_bucket(T0 - (72 - hour) * HOUR, usage_result()) for hour in range(72)]
    burst = usage_bucket(T0, usage_result(input_tokens=9_000_000, input_cached_tokens=0, output_tokens=600_000))
    httpserver.expect_ordered_request(USAGE).respond_with_json(page([*usual, burst]), headers=HEADERS)
    cost = cost_result(950.0, "gpt-4o-2024-08-06, input")
    httpserver.expect_ordered_request(COSTS).respond_with_json(
        page(
            [
                usage_bucket(DAY0 - 3 * DAY + day * DAY, cost_result(20.0, "gpt-4o-2024-08-06, input"), width=DAY)
                for day in range(3)
            ]
            + [usage_bucket(DAY0, cost, width=DAY)]
        ),
        headers=HEADERS,
    )
    events, _ = read(httpserver, since=datetime(2026, 3, 8, 10, tzinfo=UTC))
    registry = default_registry(AsnDb.load())
    engine = Engine(compile_ruleset(load_rules(builtin_rule_files(), registry).ruleset, registry))

    matches = [match for event in events for match in engine.process(event)]

    by_rule = {match.rule.spec.id: match for match in matches}
    assert len(matches) == 2
    assert sorted(by_rule) == ["cost.llm_spend_spike_daily", "openai.usage_spike"]
    tokens = by_rule["openai.usage_spike"]
    assert tokens.key == (ORGANIZATION, "key_9fKx2LmQ7rT4vW1p", "gpt-4o-2024-08-06")
    assert tokens.facts == {
        "bucket_total": 9_600_000.0,
        "baseline": 202_751.0,
        "limit": 2_000_000.0,
        "excess": 9_600_000.0 - 202_751.0,
    }
    spend = by_rule["cost.llm_spend_spike_daily"]
    assert spend.key == (ORGANIZATION, "<NA>", "gpt-4o-2024-08-06")
    assert spend.facts == {"bucket_total": 950.0, "baseline": 20.0, "limit": 500.0, "excess": 930.0}


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12))
def test_moving_cached_tokens_out_of_the_input_keeps_the_total(inputs: int, cached: int, outputs: int) -> None:
    start = datetime.fromtimestamp(T0, UTC)
    bucket = BucketContext(
        ORGANIZATION, start, start + timedelta(hours=1), "https://api.openai.com/v1", 1, UsdConverter({})
    )
    result = usage_result(input_tokens=inputs, input_cached_tokens=cached, output_tokens=outputs)
    if cached > inputs:
        with pytest.raises(RecordError, match="exceeds input_tokens"):
            usage_row(result, bucket)
        return
    row = usage_row(result, bucket)
    assert row.tokens == inputs + outputs
    assert (row.input_tokens, row.cache_read_tokens) == (inputs - cached, cached)
