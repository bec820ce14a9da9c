"""OpenAI audit logs from the Admin API: ``GET /v1/organization/audit_logs``, every page of the time window.

Needs an Admin API key (``sk-admin-…``, created by an organization owner) in ``OPENAI_ADMIN_KEY``, and audit
logging turned on in the organization's settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from jackwatch.model import Event
from jackwatch.sources.http import ApiEndpoint, HttpOptions, Page, bearer, cursor_pages, open_api, read_pages
from jackwatch.sources.reading.context import ReadContext, TimeWindow

KEY_VARIABLE = "OPENAI_ADMIN_KEY"
ENDPOINT = ApiEndpoint("OpenAI audit logs API", "https://api.openai.com/v1", KEY_VARIABLE, bearer)
PATH = "/organization/audit_logs"
PAGE_SIZE = 100
"""The most audit logs one page holds."""


def window_params(window: TimeWindow, page_size: int) -> dict[str, str | int]:
    """The query of the first page: the page size and the window as ``effective_at`` bounds (whole seconds,
    widened to cover the window; the reader applies the exact window)."""
    params: dict[str, str | int] = {"limit": page_size}
    if window.since is not None:
        params["effective_at[gte]"] = math.floor(window.since.timestamp())
    if window.until is not None:
        params["effective_at[lt]"] = math.ceil(window.until.timestamp())
    return params


def audit_log_pages(window: TimeWindow, options: HttpOptions) -> Iterator[Page]:
    """Every page of audit logs in ``window``, following the ``after`` cursor (the previous ``last_id``)."""
    with open_api(ENDPOINT, options) as api:
        params = window_params(window, options.page_size or PAGE_SIZE)
        yield from cursor_pages(api, PATH, params, cursor_param="after")


def read_audit_api(context: ReadContext, options: HttpOptions) -> Iterator[Event]:
    """The audit log events of the API within the context's window, oldest first."""
    return read_pages(audit_log_pages(context.window, options), context)
