"""OpenAI organisation usage and costs from the Admin API, as ``llm_usage`` events.

Two reports of the organisation of the Admin key in ``OPENAI_ADMIN_KEY`` are read over the query window:

* ``GET /v1/organization/usage/completions`` grouped by API key, model and project, in hourly or daily
  buckets: one row of tokens and requests per key, model, project and bucket, without a cost;
* ``GET /v1/organization/costs`` grouped by project and line item, in daily buckets (the only width it has):
  one row of cost per project, line item and day, without a key (costs are not reported per key).

Input tokens exclude the cached ones, which are counted as cache reads. The rows' account is the organisation:
``OPENAI_ORG_ID`` when set, else the ``openai-organization`` header of the API's responses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

from jackwatch.errors import SourceError
from jackwatch.model import Event
from jackwatch.sources.http import ApiClient, HttpOptions
from jackwatch.sources.openai.api import ENDPOINT as ADMIN_ENDPOINT
from jackwatch.sources.reading.records import RecordError, field_error
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_buckets import BucketContext, Report, UsageApi, count, read_usage_api, text
from jackwatch.sources.usage.api_query import Width
from jackwatch.sources.usage.row import Provider, UsageRow, model_names
from jackwatch.sources.usage.schema import bucket_end
from jackwatch.sources.usage.values import decimal_of

ENDPOINT = replace(ADMIN_ENDPOINT, label="OpenAI usage API")
ORGANIZATION_VARIABLE = "OPENAI_ORG_ID"
ORGANIZATION_HEADER = "openai-organization"


def read_openai_usage(
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    http: HttpOptions | None = None,
) -> Iterator[Event]:
    """The usage and cost rows of the organisation of the key in ``OPENAI_ADMIN_KEY`` over ``[since, until)``
    (default: the last seven days), oldest first, as :func:`~jackwatch.sources.usage.api_buckets.read_usage_api`
    reads them (and with its errors)."""
    return read_usage_api(API, stats, since, until, progress, http)


def _organization(api: ApiClient) -> Callable[[], str]:
    """The organisation of the rows: ``OPENAI_ORG_ID``, else the header of the latest response."""
    given = os.environ.get(ORGANIZATION_VARIABLE, "").strip()
    if given:
        return lambda: given
    seen: list[str] = []

    def remember(response: httpx.Response) -> None:
        found = response.headers.get(ORGANIZATION_HEADER, "").strip()
        if found:
            seen.append(found)

    api.client.event_hooks["response"].append(remember)

    def latest() -> str:
        if not seen:
            raise SourceError(
                f"{ENDPOINT.label}: the responses do not name the organization (no {ORGANIZATION_HEADER} header): "
                f"set {ORGANIZATION_VARIABLE} to its id (org-…)"
            )
        return seen[-1]

    return latest


def _unix_time(bucket: Mapping[str, Any], name: str) -> datetime:
    value = bucket.get(name)
    if type(value) is not int:
        raise field_error(name, value, "a time in Unix seconds")
    return datetime.fromtimestamp(value, UTC)


def _bucket_times(bucket: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """``start_time`` and ``end_time``, in Unix seconds."""
    start = _unix_time(bucket, "start_time")
    return start, bucket_end(start, _unix_time(bucket, "end_time"), "end_time")


def usage_row(result: Mapping[str, Any], bucket: BucketContext) -> UsageRow:
    """The row of one ``organization.usage.completions.result``."""
    model = text(result, "model")
    inputs = count(result, "input_tokens")
    cached = count(result, "input_cached_tokens", required=False) or 0
    if inputs is None or cached > inputs:
        raise RecordError("invalid_field", f"input_cached_tokens {cached} exceeds input_tokens {inputs}")
    return UsageRow(
        provider=Provider.OPENAI,
        **bucket.row_fields(),
        key=text(result, "api_key_id"),
        project=text(result, "project_id"),
        input_tokens=inputs - cached,
        cache_read_tokens=cached,
        output_tokens=count(result, "output_tokens"),
        requests=count(result, "num_model_requests", required=False),
        **model_names(model),
    )


def cost_row(result: Mapping[str, Any], bucket: BucketContext) -> UsageRow:
    """The row of one ``organization.costs.result``: ``amount`` is ``{"value": 0.06, "currency": "usd"}``; the
    model is the line item's part before its first comma (``gpt-4o-2024-08-06, input``)."""
    amount = result.get("amount")
    if not isinstance(amount, Mapping):
        raise field_error("amount", amount, "an object")
    cost = decimal_of(amount.get("value"), "amount.value")
    currency = text(amount, "currency")
    if currency is None:
        raise field_error("amount.currency", None)
    line_item = text(result, "line_item")
    model = line_item.split(",", 1)[0].strip() if line_item and "," in line_item else None
    return UsageRow(
        provider=Provider.OPENAI,
        **bucket.row_fields(),
        project=text(result, "project_id"),
        cost=cost,
        currency=currency.upper(),
        cost_usd=bucket.converter.usd(cost, currency.upper()),
        usage_type=line_item,
        **model_names(model),
    )


def _bounds(start: datetime, end: datetime) -> dict[str, str | int]:
    return {"start_time": int(start.timestamp()), "end_time": int(end.timestamp())}


USAGE = Report(
    "/organization/usage/completions",
    _bounds,
    ("api_key_id", "model", "project_id"),
    {Width.HOUR: 168, Width.DAY: 31},
    _bucket_times,
    usage_row,
)
COSTS = Report("/organization/costs", _bounds, ("project_id", "line_item"), {Width.DAY: 180}, _bucket_times, cost_row)
API = UsageApi(ENDPOINT, (USAGE, COSTS), _organization)
