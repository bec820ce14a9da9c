"""OpenAI audit logs from the Admin API: ``GET /v1/organization/audit_logs``, every page of the time window.

Needs an Admin API key (``sk-admin-…``, created by an organization owner) in ``OPENAI_ADMIN_KEY``, and audit
logging turned on in the organization's settings.
"""

from __future__ import annotations

import math

from jackwatch.sources.http import ApiEndpoint, LogApi, bearer

KEY_VARIABLE = "OPENAI_ADMIN_KEY"
ENDPOINT = ApiEndpoint("OpenAI audit logs API", "https://api.openai.com/v1", KEY_VARIABLE, bearer)

AUDIT_LOGS = LogApi(
    ENDPOINT,
    "/organization/audit_logs",
    page_size=100,
    cursor_param="after",
    since=("effective_at[gte]", lambda moment: math.floor(moment.timestamp())),
    until=("effective_at[lt]", lambda moment: math.ceil(moment.timestamp())),
)
"""The audit logs: 100 a page (the most the API gives), the next page after the previous ``last_id``, the
window as ``effective_at`` bounds in whole seconds, widened to cover it (the reader applies the exact window)."""
