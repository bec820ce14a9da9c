"""Anthropic activities from the Compliance API Activity Feed: ``GET /v1/compliance/activities``.

Needs the Activity Feed enabled for the organization and a key with the ``read:compliance_activities`` scope
in ``ANTHROPIC_ADMIN_KEY``: an Admin API key (``sk-ant-admin01-…``, Claude Console) or a Compliance Access Key
(claude.ai).
"""

from __future__ import annotations

from datetime import datetime

from jackwatch.sources.http import ApiEndpoint, LogApi

KEY_VARIABLE = "ANTHROPIC_ADMIN_KEY"
API_VERSION = "2023-06-01"
ENDPOINT = ApiEndpoint(
    "Anthropic Activity Feed API",
    "https://api.anthropic.com",
    KEY_VARIABLE,
    lambda key: {"x-api-key": key},
    {"anthropic-version": API_VERSION},
)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


ACTIVITIES = LogApi(
    ENDPOINT,
    "/v1/compliance/activities",
    page_size=1000,
    cursor_param="after_id",
    since=("created_at.gte", _rfc3339),
    until=("created_at.lt", _rfc3339),
)
"""The activity feed: 1000 a page (the API allows up to 5000), the next page after the previous ``last_id``
(``after_id``), the window as ``created_at`` bounds."""
