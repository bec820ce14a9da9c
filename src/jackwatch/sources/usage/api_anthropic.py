"""Anthropic organisation usage and costs from the Admin API (Usage and Cost API), as ``llm_usage`` events.

Two reports of the organisation of the Admin key in ``ANTHROPIC_ADMIN_KEY`` are read over the query window:

* ``GET /v1/organizations/usage_report/messages`` grouped by API key, model and workspace, in hourly or daily
  buckets: one row of tokens per key, model, workspace and bucket, without a cost;
* ``GET /v1/organizations/cost_report`` grouped by workspace and description, in daily buckets (the only width
  it has): one row of cost per workspace, cost item and day, without a key (costs are not reported per key).

Uncached input tokens are the input, cache reads are cache reads, and the 5-minute and 1-hour cache writes
together are cache writes. Cost amounts come in cents, as decimal text (``"123.45"`` is $1.2345). The rows'
account is the organisation's id, from ``GET /v1/organizations/me``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from jackwatch.errors import SourceError
from jackwatch.model import Event
from jackwatch.sources.anthropic.api import ENDPOINT as ADMIN_ENDPOINT
from jackwatch.sources.http import ApiClient, HttpOptions
from jackwatch.sources.reading.records import field_error
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_buckets import BucketContext, Report, UsageApi, count, read_usage_api, text
from jackwatch.sources.usage.api_query import Width
from jackwatch.sources.usage.row import Provider, UsageRow, iso_z, model_names
from jackwatch.sources.usage.schema import bucket_end, required_amount, required_time

ENDPOINT = replace(ADMIN_ENDPOINT, label="Anthropic usage and cost API")
ORGANIZATION_PATH = "/v1/organizations/me"

CENTS = Decimal(100)

_CACHE_WRITES = ("ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens")


def read_anthropic_usage(
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    http: HttpOptions | None = None,
) -> Iterator[Event]:
    """The usage and cost rows of the organisation of the key in ``ANTHROPIC_ADMIN_KEY`` over ``[since, until)``
    (default: the last seven days), oldest first, as :func:`~jackwatch.sources.usage.api_buckets.read_usage_api`
    reads them (and with its errors)."""
    return read_usage_api(API, stats, since, until, progress, http)


def _organization(api: ApiClient) -> Callable[[], str]:
    """The id of the key's organisation, asked for before the reports are read."""
    body = api.get_json(ORGANIZATION_PATH, {})
    found = body.get("id") if isinstance(body, dict) else None
    if not isinstance(found, str) or not found:
        raise SourceError(f"{ENDPOINT.label}: {api.url(ORGANIZATION_PATH, {})}: the response has no organization id")
    return lambda: found


def _bucket_times(bucket: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """``starting_at`` and ``ending_at``, RFC 3339."""
    start = required_time(bucket, "starting_at")
    return start, bucket_end(start, required_time(bucket, "ending_at"), "ending_at")


def _cache_writes(result: Mapping[str, Any]) -> int | None:
    """The 5-minute and 1-hour cache writes of ``cache_creation``; ``None`` when the result has none."""
    writes = result.get("cache_creation")
    if writes is None:
        return None
    if not isinstance(writes, Mapping):
        raise field_error("cache_creation", writes, "an object or null")
    return sum(count(writes, name, required=False) or 0 for name in _CACHE_WRITES)


def usage_row(result: Mapping[str, Any], bucket: BucketContext) -> UsageRow:
    """The row of one result of the messages usage report."""
    model = text(result, "model")
    return UsageRow(
        provider=Provider.ANTHROPIC,
        **bucket.row_fields(),
        key=text(result, "api_key_id"),
        project=text(result, "workspace_id"),
        **model_names(model),
        input_tokens=count(result, "uncached_input_tokens"),
        output_tokens=count(result, "output_tokens"),
        cache_read_tokens=count(result, "cache_read_input_tokens", required=False),
        cache_write_tokens=_cache_writes(result),
    )


def cost_row(result: Mapping[str, Any], bucket: BucketContext) -> UsageRow:
    """The row of one result of the cost report: ``amount`` in cents of ``currency`` (USD), as decimal text."""
    cost = required_amount(result, "amount") / CENTS
    currency = (text(result, "currency") or "USD").upper()
    model = text(result, "model")
    return UsageRow(
        provider=Provider.ANTHROPIC,
        **bucket.row_fields(),
        project=text(result, "workspace_id"),
        **model_names(model),
        cost=cost,
        currency=currency,
        cost_usd=bucket.converter.usd(cost, currency),
        usage_type=text(result, "token_type") or text(result, "cost_type"),
        description=text(result, "description"),
    )


def _bounds(start: datetime, end: datetime) -> dict[str, str | int]:
    return {"starting_at": iso_z(start), "ending_at": iso_z(end)}


USAGE = Report(
    "/v1/organizations/usage_report/messages",
    _bounds,
    ("api_key_id", "model", "workspace_id"),
    {Width.HOUR: 168, Width.DAY: 31},
    _bucket_times,
    usage_row,
)
COSTS = Report(
    "/v1/organizations/cost_report", _bounds, ("workspace_id", "description"), {Width.DAY: 31}, _bucket_times, cost_row
)
API = UsageApi(ENDPOINT, (USAGE, COSTS), _organization)
