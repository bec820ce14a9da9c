"""Bucketed usage and cost reports of the OpenAI and Anthropic Admin APIs, page by page, into usage rows.

:func:`read_usage_api` reads the reports of one :class:`UsageApi` over the query window. Both APIs list time
buckets, ``{"data": [{<start>, <end>, "results": [...]}], "has_more": …, "next_page": …}``, paged with the ``page``
cursor; each result of a bucket becomes one row. A bucket or a result that is not what the API documents is counted
with the page's URL and the bucket's number (1-based) as its location, and its JSON path in the message
(``data[2].results[0]: missing output_tokens``); the rest of the page is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.http import (
    ApiClient,
    ApiEndpoint,
    HttpOptions,
    ListShape,
    Page,
    Params,
    api_key,
    cursor_pages,
    open_api,
)
from jackwatch.sources.reading.context import no_progress
from jackwatch.sources.reading.records import RecordError, field_error, not_an_object
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_query import QueryWindow, Width, in_time_order, query_window
from jackwatch.sources.usage.currency import UsdConverter
from jackwatch.sources.usage.row import UsageRow

REPORT_SHAPE = ListShape(items="data", has_more="has_more", next_cursor="next_page")
"""Where a report page keeps its buckets and its next page's cursor."""

CURSOR = "page"
"""The parameter that asks for the next page."""

Query = Mapping[str, str | int | Sequence[str]]
"""Request parameters; a list value is sent as one ``key=item`` pair per item (``group_by[]=model``)."""


def _as_params(values: Query) -> Params:
    """``values`` as the client's parameters (httpx sends a list value as repeated keys)."""
    return cast("Params", values)


class BucketFields(TypedDict):
    """What every row of a bucket has, as keyword arguments of :class:`UsageRow`."""

    account: str
    start: datetime
    end: datetime
    origin: str
    line: int


@dataclass(frozen=True, slots=True)
class BucketContext:
    """What the results of one bucket share: the account, the bucket's bounds, the page they were read from
    and the bucket's number in it (1-based), and the currency converter of that page."""

    account: str
    start: datetime
    end: datetime
    origin: str
    line: int
    converter: UsdConverter

    def row_fields(self) -> BucketFields:
        """The account, bounds and location of the bucket's rows."""
        return {"account": self.account, "start": self.start, "end": self.end, "origin": self.origin, "line": self.line}


BucketTimes = Callable[[Mapping[str, Any]], tuple[datetime, datetime]]
"""The bounds of a bucket; raises :class:`RecordError` when they are missing or not times."""

ParseResult = Callable[[Mapping[str, Any], BucketContext], UsageRow]
"""The row of one result of a bucket; raises :class:`RecordError` (or :class:`ValueError`) for a bad result."""


WindowParams = Callable[[datetime, datetime], dict[str, str | int]]
"""The query parameters that bound a report to ``[start, end)``."""


@dataclass(frozen=True, slots=True)
class Report:
    """One report endpoint: its path, how it is bounded and grouped, the most buckets a page holds per width
    (a report without hourly buckets has only ``Width.DAY``), how its buckets give their bounds, and how a
    result becomes a row."""

    path: str
    bounds: WindowParams
    group_by: tuple[str, ...]
    page_sizes: Mapping[Width, int]
    times: BucketTimes
    parse: ParseResult

    def params(self, window: QueryWindow, page_size: int | None) -> Params:
        """The query of the first page: the window in whole buckets of its width (daily if the report has no
        other), grouped, with ``page_size`` buckets a page (default: the most the API allows)."""
        width = window.width if window.width in self.page_sizes else Width.DAY
        values: Query = {
            **self.bounds(*window.snapped(width)),
            "bucket_width": width.value,
            "group_by[]": list(self.group_by),
            "limit": page_size or self.page_sizes[width],
        }
        return _as_params(values)


Account = Callable[[ApiClient], Callable[[], str]]
"""How an API names the account of its rows: called with the client before the first report is read, it gives
what names the account once a page is fetched (a response header may be what names it)."""


@dataclass(frozen=True, slots=True)
class UsageApi:
    """The usage and cost reports of one organisation's Admin API: its endpoint (and key), its reports in the
    order they are read, and how it names the account of the rows."""

    endpoint: ApiEndpoint
    reports: tuple[Report, ...]
    account: Account


def read_usage_api(
    api: UsageApi,
    stats: ReadStats,
    since: datetime | None,
    until: datetime | None,
    progress: Callable[[str], None] | None,
    http: HttpOptions | None,
) -> Iterator[Event]:
    """The rows of every report of ``api`` over ``[since, until)`` (default: the last seven days), oldest first.

    An empty window, or no key in the endpoint's variable, raises :class:`~jackwatch.errors.ConfigError` at once;
    an API that refuses the key or keeps failing raises :class:`~jackwatch.errors.SourceError` while reading.
    Bad buckets and results are counted in ``stats``.
    """
    window = query_window(since, until)
    api_key(api.endpoint.key_variable)
    return _read_usage_api(api, window, http or HttpOptions(), stats, progress or no_progress)


def _read_usage_api(
    api: UsageApi, window: QueryWindow, options: HttpOptions, stats: ReadStats, progress: Callable[[str], None]
) -> Iterator[Event]:
    with open_api(api.endpoint, options) as client:
        account = api.account(client)
        rows = read_reports(client, api.reports, window, options.page_size, account, stats, progress)
    yield from in_time_order(rows, stats)


def read_reports(
    api: ApiClient,
    reports: Sequence[Report],
    window: QueryWindow,
    page_size: int | None,
    account: Callable[[], str],
    stats: ReadStats,
    progress: Callable[[str], None],
) -> list[UsageRow]:
    """The rows of every page of each report in turn; ``account`` names the account once a page is fetched."""
    rows: list[UsageRow] = []
    for report in reports:
        params = report.params(window, page_size)
        for page in cursor_pages(api, report.path, params, cursor_param=CURSOR, shape=REPORT_SHAPE):
            progress(page.origin)
            converter = UsdConverter({})
            rows.extend(page_rows(page, report, account(), converter, stats))
            converter.report(stats, page.origin)
        stats.files_read += 1
    return rows


def page_rows(
    page: Page, report: Report, account: str, converter: UsdConverter, stats: ReadStats
) -> Iterator[UsageRow]:
    """The rows of the buckets of one page, each bad bucket or result counted with its location."""
    for index, bucket in enumerate(page.items):
        where = Location(page.origin, index + 1)
        try:
            if not isinstance(bucket, Mapping):
                raise not_an_object(bucket)
            start, end = report.times(bucket)
            results = bucket.get("results")
            if not isinstance(results, list):
                raise field_error("results", results, "an array")
        except RecordError as exc:
            stats.skip(exc.reason, where, f"data[{index}]: {exc.message}")
            continue
        context = BucketContext(account, start, end, page.origin, index + 1, converter)
        for number, result in enumerate(results):
            path = f"data[{index}].results[{number}]"
            try:
                if not isinstance(result, Mapping):
                    raise not_an_object(result)
                yield report.parse(result, context)
            except RecordError as exc:
                stats.skip(exc.reason, where, f"{path}: {exc.message}")
            except ValueError as exc:
                stats.skip("invalid_field", where, f"{path}: {exc}")


# ------------------------------------------------------------------------------- values of a result


def count(result: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    """A token or request count: a whole number ≥ 0; ``None`` when absent and not ``required``."""
    value = result.get(name)
    if value is None and not required:
        return None
    if type(value) is not int or value < 0:
        raise field_error(name, value, "a whole number ≥ 0")
    return value


def text(result: Mapping[str, Any], name: str) -> str | None:
    """An id or a name: text, ``None`` when null, absent or empty."""
    value = result.get(name)
    if value is not None and not isinstance(value, str):
        raise field_error(name, value, "text or null")
    return value or None
