"""Realistic OpenAI audit log objects (as GET /v1/organization/audit_logs lists them) for the source tests."""

from __future__ import annotations

from typing import Any

import pytest

START = 1773226800
"""2026-03-11T11:00:00Z."""


def make_audit_log(index: int = 0, **fields: Any) -> dict[str, Any]:
    """An ``api_key.created`` audit log object, ``index`` minutes after START."""
    record: dict[str, Any] = {
        "id": f"audit_log-{index:06x}c2e_20260311",
        "type": "api_key.created",
        "effective_at": START + 60 * index,
        "object": "organization.audit_log",
        "actor": {
            "type": "session",
            "session": {
                "user": {"id": "user-Qw3rTy8uIoP2", "email": "dana@acme.example"},
                "ip_address": "45.140.17.63",
                "user_agent": "python-requests/2.31.0",
                "ip_address_details": {"country": "NL", "city": "Amsterdam"},
            },
        },
        "project": {"id": "proj_8HxQm2LrT5vW", "name": "Default project"},
        "api_key.created": {"id": f"key_Zp4Yq9Ws{index:04d}", "data": {"scopes": ["api.model.request"]}},
    }
    record.update(fields)
    return record


def list_response(records: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    """A page of ``GET /v1/organization/audit_logs`` holding ``records``."""
    return {
        "object": "list",
        "data": records,
        "first_id": records[0]["id"],
        "last_id": records[-1]["id"],
        "has_more": has_more,
    }


@pytest.fixture
def audit_log() -> Any:
    """Build audit log objects: ``audit_log(index, **overrides)``."""
    return make_audit_log
