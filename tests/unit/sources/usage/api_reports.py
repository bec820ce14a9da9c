"""What the tests of the usage and cost API readers share: report pages as the Admin APIs list them, the
client options pointing at a local server, and the query a request sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request

from jackwatch.sources.http import HttpOptions, RetryPolicy


def report_page(buckets: list[Any], next_page: str | None = None, **extra: Any) -> dict[str, Any]:
    """One page of a bucketed report (OpenAI adds ``"object": "page"``); more follow when ``next_page`` is set."""
    return {**extra, "data": buckets, "has_more": next_page is not None, "next_page": next_page}


def options(
    server: HTTPServer, base: str = "", page_size: int | None = None, waits: list[float] | None = None
) -> HttpOptions:
    """A client that talks to ``server`` and records its waits in ``waits`` instead of sleeping."""
    retry = RetryPolicy(sleep=(waits if waits is not None else []).append)
    return HttpOptions(base_url=server.url_for(base), retry=retry, page_size=page_size)


def sent_query(request: Request) -> dict[str, list[str]]:
    """The query parameters of a request, each with every value it was given."""
    return parse_qs(request.query_string.decode(), keep_blank_values=True)
