"""Amazon Bedrock usage and spend from AWS Cost Explorer (``GetCostAndUsage``), as ``llm_usage`` events.

One query over the window, every page of it (``NextPageToken``): granularity ``HOURLY`` or ``DAILY``, metrics
``UnblendedCost`` and ``UsageQuantity``, filtered on the service ``Amazon Bedrock``, grouped by usage type and
linked account. Each group of each time period is one row: the linked account, the model and token kind of the
usage type (read as in the CUR: ``USE1-Claude3.5Sonnet-input-tokens``), the unblended cost, and the usage
quantity as tokens (scaled by its unit). Cost Explorer answers in us-east-1.

Cost Explorer keeps hourly data only when hourly granularity is turned on, and for 14 days: when it refuses an
hourly query, the window is read daily instead, and the problems say so once. Throttling
(``LimitExceededException``) and server errors are retried by boto3 (standard retry mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from jackwatch.aws import DEFAULT_REGION, aws_errors, describe, error_code
from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.reading.context import no_progress
from jackwatch.sources.reading.records import RecordError, field_error, not_an_object
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_query import QueryWindow, Width, in_time_order, query_window
from jackwatch.sources.usage.bedrock import parse_usage_type
from jackwatch.sources.usage.currency import UsdConverter
from jackwatch.sources.usage.row import Provider, UsageRow, model_names
from jackwatch.sources.usage.schema import (
    RowContext,
    bucket_end,
    required_amount,
    required_text,
    required_time,
    token_counts,
)
from jackwatch.sources.usage.values import text_of

if TYPE_CHECKING:
    from mypy_boto3_ce import CostExplorerClient
    from mypy_boto3_ce.literals import GranularityType
    from mypy_boto3_ce.type_defs import GetCostAndUsageRequestTypeDef, GetCostAndUsageResponseTypeDef

SERVICE = "Amazon Bedrock"
"""The ``SERVICE`` dimension value of Bedrock's own usage (models sold through Marketplace bill under their own)."""

ORIGIN = "cost-explorer://GetCostAndUsage"
WHAT = "Cost Explorer GetCostAndUsage (ce:GetCostAndUsage in us-east-1)"

HOURLY_REFUSALS = frozenset({"ValidationException", "DataUnavailableException"})
"""Error codes of an hourly query when hourly granularity is off, or the window reaches past its 14 days."""

_GRANULARITY: dict[Width, GranularityType] = {Width.HOUR: "HOURLY", Width.DAY: "DAILY"}
_PERIOD_FORMAT = {Width.HOUR: "%Y-%m-%dT%H:%M:%SZ", Width.DAY: "%Y-%m-%d"}


def read_cost_explorer(
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    endpoint_url: str | None = None,
    session: boto3.session.Session | None = None,
    max_attempts: int = 5,
) -> Iterator[Event]:
    """The Bedrock usage rows of every account Cost Explorer shows over ``[since, until)`` (default: the last
    seven days), oldest first. ``session`` gives the credentials (default: boto3's chain), ``endpoint_url``
    replaces Cost Explorer's endpoint, ``max_attempts`` bounds each call's attempts. An empty window raises
    :class:`~jackwatch.errors.ConfigError` at once; a call that is denied or keeps failing raises
    :class:`~jackwatch.errors.SourceError`. Bad periods and groups are counted in ``stats``."""
    window = query_window(since, until)
    config = Config(retries={"total_max_attempts": max_attempts, "mode": "standard"}, user_agent_extra="jackwatch")
    client = (session or boto3.session.Session()).client(
        "ce", region_name=DEFAULT_REGION, endpoint_url=endpoint_url, config=config
    )
    return _read(client, window, stats, progress or no_progress)


def _read(
    client: CostExplorerClient, window: QueryWindow, stats: ReadStats, progress: Callable[[str], None]
) -> Iterator[Event]:
    with aws_errors(f"cannot read {WHAT}"):
        try:
            first = client.get_cost_and_usage(**_arguments(window))
        except ClientError as exc:
            if window.width is not Width.HOUR or error_code(exc) not in HOURLY_REFUSALS:
                raise
            message = f"hourly data refused ({describe(exc)}): the window is read daily"
            stats.skip("hourly_unavailable", Location(ORIGIN), message, records=0)
            window = replace(window, width=Width.DAY)
            first = client.get_cost_and_usage(**_arguments(window))
        rows = list(_rows(client, window, first, stats, progress))
    stats.files_read += 1
    yield from in_time_order(rows, stats)


def _arguments(window: QueryWindow, token: str | None = None) -> GetCostAndUsageRequestTypeDef:
    """The request of one page: the window widened to whole buckets."""
    start, end = window.snapped()
    pattern = _PERIOD_FORMAT[window.width]
    arguments: GetCostAndUsageRequestTypeDef = {
        "TimePeriod": {"Start": start.strftime(pattern), "End": end.strftime(pattern)},
        "Granularity": _GRANULARITY[window.width],
        "Metrics": ["UnblendedCost", "UsageQuantity"],
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE]}},
        "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}, {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}],
    }
    if token is not None:
        arguments["NextPageToken"] = token
    return arguments


def _rows(
    client: CostExplorerClient,
    window: QueryWindow,
    reply: GetCostAndUsageResponseTypeDef,
    stats: ReadStats,
    progress: Callable[[str], None],
) -> Iterator[UsageRow]:
    """The rows of the first page ``reply`` and of every page after it."""
    granularity = _GRANULARITY[window.width]
    seen: set[str] = set()
    page = 1
    while True:
        origin = f"{ORIGIN}?granularity={granularity}&page={page}"
        progress(origin)
        converter = UsdConverter({})
        yield from page_rows(reply, origin, converter, stats)
        converter.report(stats, origin)
        token = reply.get("NextPageToken")
        if not token:
            return
        if token in seen:
            raise SourceError(f"{WHAT}: {origin}: the NextPageToken {token!r} came back: the listing does not advance")
        seen.add(token)
        page += 1
        reply = client.get_cost_and_usage(**_arguments(window, token))


def page_rows(reply: Mapping[str, Any], origin: str, converter: UsdConverter, stats: ReadStats) -> Iterator[UsageRow]:
    """The rows of one page; a bad period or group is counted with the page and the period's number (1-based)."""
    for index, period in enumerate(reply.get("ResultsByTime") or ()):
        where = Location(origin, index + 1)
        try:
            if not isinstance(period, Mapping):
                raise not_an_object(period)
            bounds = period.get("TimePeriod")
            if not isinstance(bounds, Mapping):
                raise field_error("TimePeriod", bounds, "an object")
            start = required_time(bounds, "Start")
            end = bucket_end(start, required_time(bounds, "End"), "End")
        except RecordError as exc:
            stats.skip(exc.reason, where, f"ResultsByTime[{index}]: {exc.message}")
            continue
        context = RowContext(origin, index + 1, converter, stats)
        for number, group in enumerate(period.get("Groups") or ()):
            try:
                yield group_row(group, start, end, context)
            except RecordError as exc:
                stats.skip(exc.reason, where, f"ResultsByTime[{index}].Groups[{number}]: {exc.message}")
            except ValueError as exc:
                stats.skip("invalid_field", where, f"ResultsByTime[{index}].Groups[{number}]: {exc}")


def group_row(group: object, start: datetime, end: datetime, context: RowContext) -> UsageRow:
    """The row of one group: ``{"Keys": [usage type, account], "Metrics": {"UnblendedCost": {"Amount": "1.2",
    "Unit": "USD"}, "UsageQuantity": {"Amount": "410000", "Unit": …}}}``."""
    if not isinstance(group, Mapping):
        raise not_an_object(group)
    keys = group.get("Keys")
    if not isinstance(keys, list) or len(keys) != 2 or not all(isinstance(key, str) and key for key in keys):
        raise field_error("Keys", keys, "[usage type, linked account]")
    usage_type, account = keys
    metrics = _metrics(group.get("Metrics"))
    cost = required_amount(metrics, "UnblendedCost.Amount")
    currency = required_text(metrics, "UnblendedCost.Unit").upper()
    usage = parse_usage_type(usage_type)
    unit = text_of(metrics.get("UsageQuantity.Unit"))
    tokens = token_counts(usage.kind, metrics.get("UsageQuantity.Amount"), unit, context, "UsageQuantity")
    return UsageRow(
        provider=Provider.AWS_BEDROCK,
        account=account,
        start=start,
        end=end,
        origin=context.origin,
        line=context.line,
        **model_names(usage.model),
        cost=cost,
        currency=currency,
        cost_usd=context.converter.usd(cost, currency),
        usage_type=usage_type,
        **tokens,
    )


def _metrics(value: object) -> dict[str, object]:
    """The group's metrics, flattened (``UnblendedCost.Amount``…)."""
    if not isinstance(value, Mapping):
        raise field_error("Metrics", value, "an object")
    return {
        f"{metric}.{part}": fields.get(part)
        for metric, fields in value.items()
        if isinstance(fields, Mapping)
        for part in ("Amount", "Unit")
    }
