"""What the tests of the usage and cost API readers share: report pages as the Admin APIs list them, the
client options pointing at a local server, a read against that server, and the query a request sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request

from jackwatch.model import Event
from jackwatch.sources.http import HttpOptions, RetryPolicy
from jackwatch.sources.stats import ReadStats

SINCE = datetime(2026, 3, 11, 10, 30, tzinfo=UTC)
UNTIL = datetime(2026, 3, 11, 12, 15, tzinfo=UTC)


def report_page(buckets: list[Any], next_page: str | None = None, **extra: Any) -> dict[str, Any]:
    """One page of a bucketed report (OpenAI adds ``"object": "page"``); more follow when ``next_page`` is set."""
    return {**extra, "data": buckets, "has_more": next_page is not None, "next_page": next_page}


def options(
    server: HTTPServer, base: str = "", page_size: int | None = None, waits: list[float] | None = None
) -> HttpOptions:
    """A client that talks to ``server`` and records its waits in ``waits`` instead of sleeping."""
    retry = RetryPolicy(sleep=(waits if waits is not None else []).append)
    return HttpOptions(base_url=server.url_for(base), retry=retry, page_size=page_size)


def read_api(
    read_usage: Callable[..., Iterator[Event]],
    server: HTTPServer,
    base: str,
    waits: list[float] | None = None,
    since: datetime = SINCE,
    until: datetime = UNTIL,
    page_size: int | None = None,
    progress: list[str] | None = None,
) -> tuple[list[Event], ReadStats]:
    """The events ``read_usage`` reads from ``server`` (its API under ``base``) over ``[since, until)``, and the
    stats of the read; ``progress`` collects what the reader reports."""
    stats = ReadStats()
    http = options(server, base, page_size, waits)
    seen = progress.append if progress is not None else None
    return list(read_usage(stats, since=since, until=until, http=http, progress=seen)), stats


def sent_query(request: Request) -> dict[str, list[str]]:
    """The query parameters of a request, each with every value it was given."""
    return parse_qs(request.query_string.decode(), keep_blank_values=True)
