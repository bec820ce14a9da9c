"""Anthropic activities from the Compliance API Activity Feed: ``GET /v1/compliance/activities``.

Needs the Activity Feed enabled for the organization and a key with the ``read:compliance_activities`` scope
in ``ANTHROPIC_ADMIN_KEY``: an Admin API key (``sk-ant-admin01-…``, Claude Console) or a Compliance Access Key
(claude.ai).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from jackwatch.model import Event
from jackwatch.sources.http import ApiEndpoint, HttpOptions, Page, cursor_pages, open_api, read_pages
from jackwatch.sources.reading.context import ReadContext, TimeWindow

KEY_VARIABLE = "ANTHROPIC_ADMIN_KEY"
API_VERSION = "2023-06-01"
ENDPOINT = ApiEndpoint(
    "Anthropic Activity Feed API",
    "https://api.anthropic.com",
    KEY_VARIABLE,
    lambda key: {"x-api-key": key},
    {"anthropic-version": API_VERSION},
)
PATH = "/v1/compliance/activities"
PAGE_SIZE = 1000
"""Activities asked for per page (the API allows up to 5000)."""


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def window_params(window: TimeWindow, page_size: int) -> dict[str, str | int]:
    """The query of the first page: the page size and the window as ``created_at`` bounds."""
    params: dict[str, str | int] = {"limit": page_size}
    if window.since is not None:
        params["created_at.gte"] = _rfc3339(window.since)
    if window.until is not None:
        params["created_at.lt"] = _rfc3339(window.until)
    return params


def activity_pages(window: TimeWindow, options: HttpOptions) -> Iterator[Page]:
    """Every page of activities in ``window``, following the ``after_id`` cursor (the previous ``last_id``)."""
    with open_api(ENDPOINT, options) as api:
        params = window_params(window, options.page_size or PAGE_SIZE)
        yield from cursor_pages(api, PATH, params, cursor_param="after_id")


def read_activity_api(context: ReadContext, options: HttpOptions) -> Iterator[Event]:
    """The activity events of the API within the context's window, oldest first."""
    return read_pages(activity_pages(context.window, options), context)
