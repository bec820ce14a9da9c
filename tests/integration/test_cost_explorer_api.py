"""Amazon Bedrock usage from Cost Explorer GetCostAndUsage, against a local endpoint speaking Cost Explorer's JSON
protocol (``X-Amz-Target: AWSInsightsIndexService.GetCostAndUsage``) with real boto3 clients, request signing,
retries and pagination. moto does not serve Cost Explorer's grouped results, hence the local endpoint
(pytest-httpserver answering the JSON protocol)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_cost_explorer import read_cost_explorer

PROD = "111122223333"
STAGING = "444455556666"
TARGET = "AWSInsightsIndexService.GetCostAndUsage"


def group(usage_type: str, account: str, cost: str, quantity: str, unit: str = "1K tokens") -> dict[str, Any]:
    return {
        "Keys": [usage_type, account],
        "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


def period(start: str, end: str, *groups: dict[str, Any]) -> dict[str, Any]:
    return {"TimePeriod": {"Start": start, "End": end}, "Total": {}, "Groups": list(groups), "Estimated": True}


def page(*periods: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """A GetCostAndUsage answer grouped by usage type and linked account; more pages follow with ``token``."""
    groups = [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}, {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
    reply = {"GroupDefinitions": groups, "ResultsByTime": list(periods), "DimensionValueAttributes": []}
    return reply | ({"NextPageToken": token} if token else {})


NEXT = "AAMA-EFRSURBSGpNM1JVRlhPU1ZKZW1rSW"
HOURLY_PAGES = {
    "": page(
        period(
            "2026-03-11T10:00:00Z",
            "2026-03-11T11:00:00Z",
            group("USE1-Claude3.5Sonnet-input-tokens", PROD, "3.75", "1250"),
            group("USE1-Claude3.5Sonnet-output-tokens", PROD, "3", "200"),
        ),
        token=NEXT,
    ),
    NEXT: page(
        period(
            "2026-03-11T11:00:00Z",
            "2026-03-11T12:00:00Z",
            group("USW2-Claude3.7Sonnet-cache-read-input-token-count", STAGING, "0.12", "400"),
            group("USE1-ProvisionedThroughput-ModelUnits", STAGING, "39.6", "1", "Hrs"),
            group("USE1-NovaPro-input-tokens-flex", STAGING, "0.4", "500", "N/A"),
            {"Keys": ["USE1-NovaPro-output-tokens"], "Metrics": {}},
        ),
        {"TimePeriod": {"Start": "2026-03-11T12:00:00Z"}, "Groups": []},
    ),
}


@dataclass
class FakeCostExplorer:
    """A local Cost Explorer: pages by NextPageToken, a number of throttled answers first, and optionally no
    hourly data or no access."""

    pages: dict[str, dict[str, Any]]
    throttled: int = 0
    hourly_refused: bool = False
    denied: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append(body)
        if self.denied:
            message = f"User: arn:aws:iam::{PROD}:user/ci is not authorized to perform: ce:GetCostAndUsage"
            return 400, {"__type": "AccessDeniedException", "Message": message}
        if self.throttled:
            self.throttled -= 1
            return 400, {"__type": "LimitExceededException", "Message": "Rate exceeded"}
        if self.hourly_refused and body["Granularity"] == "HOURLY":
            return 400, {"__type": "ValidationException", "Message": "Hourly granularity is not enabled"}
        return 200, self.pages[body.get("NextPageToken", "")]


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeCostExplorer:
    fake = FakeCostExplorer(dict(HOURLY_PAGES), url=httpserver.url_for("/"))

    def handle(request: Request) -> Response:
        assert "/us-east-1/ce/aws4_request" in request.headers.get("Authorization", "")
        status, reply = fake.answer(json.loads(request.get_data()))
        return Response(json.dumps(reply), status, content_type="application/x-amz-json-1.1")

    httpserver.expect_request("/", method="POST", headers={"X-Amz-Target": TARGET}).respond_with_handler(handle)
    return fake


def read(fake: FakeCostExplorer, session: boto3.session.Session, **kwargs: Any) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    window = {"since": datetime(2026, 3, 11, 10, 20, tzinfo=UTC), "until": datetime(2026, 3, 11, 12, 30, tzinfo=UTC)}
    events = read_cost_explorer(stats, endpoint_url=fake.url, session=session, **{**window, **kwargs})
    return list(events), stats


@pytest.fixture
def session(aws_env: None) -> boto3.session.Session:
    return boto3.session.Session(region_name="eu-west-1")


def test_every_page_is_read_throttling_retried_and_groups_become_rows(
    fake: FakeCostExplorer, session: boto3.session.Session
) -> None:
    fake.throttled = 1
    events, stats = read(fake, session)

    assert len(fake.requests) == 3
    first, retried, second = fake.requests
    assert (
        first
        == retried
        == {
            "TimePeriod": {"Start": "2026-03-11T10:00:00Z", "End": "2026-03-11T13:00:00Z"},
            "Granularity": "HOURLY",
            "Metrics": ["UnblendedCost", "UsageQuantity"],
            "Filter": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
            "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}, {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}],
        }
    )
    assert second == {**first, "NextPageToken": NEXT}

    rows = [{k: v for k, v in event.raw.items() if k not in ("origin", "start", "end")} for event in events]
    assert rows == [
        {
            "provider": "aws_bedrock",
            "account": PROD,
            "line": 1,
            "model": "Claude3.5Sonnet",
            "model_normalized": "claude-3.5-sonnet",
            "input_tokens": 1_250_000,
            "cost": "3.75",
            "currency": "USD",
            "cost_usd": "3.75",
            "usage_type": "USE1-Claude3.5Sonnet-input-tokens",
        },
        {
            "provider": "aws_bedrock",
            "account": PROD,
            "line": 1,
            "model": "Claude3.5Sonnet",
            "model_normalized": "claude-3.5-sonnet",
            "output_tokens": 200_000,
            "cost": "3",
            "currency": "USD",
            "cost_usd": "3",
            "usage_type": "USE1-Claude3.5Sonnet-output-tokens",
        },
        {
            "provider": "aws_bedrock",
            "account": STAGING,
            "line": 1,
            "model": "Claude3.7Sonnet",
            "model_normalized": "claude-3.7-sonnet",
            "cache_read_tokens": 400_000,
            "cost": "0.12",
            "currency": "USD",
            "cost_usd": "0.12",
            "usage_type": "USW2-Claude3.7Sonnet-cache-read-input-token-count",
        },
        {
            "provider": "aws_bedrock",
            "account": STAGING,
            "line": 1,
            "cost": "39.6",
            "currency": "USD",
            "cost_usd": "39.6",
            "usage_type": "USE1-ProvisionedThroughput-ModelUnits",
        },
        {
            "provider": "aws_bedrock",
            "account": STAGING,
            "line": 1,
            "model": "NovaPro",
            "model_normalized": "nova-pro",
            "cost": "0.4",
            "currency": "USD",
            "cost_usd": "0.4",
            "usage_type": "USE1-NovaPro-input-tokens-flex",
        },
    ]
    assert [(event.raw["start"], event.raw["end"]) for event in events[:3]] == [
        ("2026-03-11T10:00:00Z", "2026-03-11T11:00:00Z"),
        ("2026-03-11T10:00:00Z", "2026-03-11T11:00:00Z"),
        ("2026-03-11T11:00:00Z", "2026-03-11T12:00:00Z"),
    ]
    second_page = "cost-explorer://GetCostAndUsage?granularity=HOURLY&page=2"
    assert events[0].origin == "cost-explorer://GetCostAndUsage?granularity=HOURLY&page=1"
    assert [(p.location, p.reason, p.message) for p in stats.problems] == [
        (
            Location(second_page, 1),
            "invalid_tokens",
            "input_tokens: unit 'N/A' is not a count of tokens; count left out",
        ),
        (
            Location(second_page, 1),
            "invalid_field",
            "ResultsByTime[0].Groups[3]: Keys must be [usage type, linked account],"
            " got an array ['USE1-NovaPro-output-tokens']",
        ),
        (Location(second_page, 2), "missing_field", "ResultsByTime[1]: missing End"),
    ]
    assert (stats.events_read, stats.events_skipped, stats.files_read) == (5, 2, 1)


def test_refused_hourly_data_is_read_daily_and_said_once(
    fake: FakeCostExplorer, session: boto3.session.Session
) -> None:
    fake.hourly_refused = True
    fake.pages = {
        "": page(period("2026-03-11", "2026-03-12", group("USE1-Claude3Haiku-input-tokens", PROD, "2.5", "10000")))
    }
    events, stats = read(fake, session)
    assert [body["Granularity"] for body in fake.requests] == ["HOURLY", "DAILY"]
    assert fake.requests[1]["TimePeriod"] == {"Start": "2026-03-11", "End": "2026-03-12"}
    assert [(event.raw["start"], event.raw["end"], event.raw["input_tokens"]) for event in events] == [
        ("2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z", 10_000_000)
    ]
    (problem,) = stats.problems
    assert (problem.reason, problem.location) == ("hourly_unavailable", Location("cost-explorer://GetCostAndUsage"))
    assert "Hourly granularity is not enabled" in problem.message and stats.events_skipped == 0


def test_a_long_window_is_read_daily(fake: FakeCostExplorer, session: boto3.session.Session) -> None:
    fake.pages = {"": page()}
    events, _ = read(fake, session, since=datetime(2026, 2, 1, 6, tzinfo=UTC))
    assert events == []
    assert [(body["Granularity"], body["TimePeriod"]) for body in fake.requests] == [
        ("DAILY", {"Start": "2026-02-01", "End": "2026-03-12"})
    ]


def test_denied_access_stops_the_read_naming_the_permission(
    fake: FakeCostExplorer, session: boto3.session.Session
) -> None:
    fake.denied = True
    with pytest.raises(SourceError, match=r"ce:GetCostAndUsage.*access denied \(AccessDeniedException"):
        read(fake, session)
    assert len(fake.requests) == 1


def test_throttling_past_the_last_attempt_stops_the_read(
    fake: FakeCostExplorer, session: boto3.session.Session
) -> None:
    fake.throttled = 5
    with pytest.raises(SourceError, match="LimitExceededException: Rate exceeded"):
        read(fake, session, max_attempts=2)
    assert len(fake.requests) == 2


def test_a_page_token_that_comes_back_stops_the_read(fake: FakeCostExplorer, session: boto3.session.Session) -> None:
    looping = page(token="AAMA-loop")
    fake.pages = {"": looping, "AAMA-loop": looping}
    with pytest.raises(SourceError, match="came back"):
        read(fake, session, until=datetime(2026, 3, 11, 11, tzinfo=UTC) + timedelta(hours=1))
