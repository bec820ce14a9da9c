"""Realistic Anthropic activities (as GET /v1/compliance/activities lists them) for the source tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def make_activity(index: int = 0, **fields: Any) -> dict[str, Any]:
    """An ``api_key_created`` activity, ``index`` minutes after START."""
    record: dict[str, Any] = {
        "id": f"activity_01HqZ8Kd3mXbT7Vn2Yc5R{index:05d}",
        "created_at": (START + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "organization_id": "org_01Wv6QeBcDfGhJkLmNpQrSt8",
        "organization_uuid": "abcdef01-2345-6789-abcd-ef0123456789",
        "actor": {
            "type": "user_actor",
            "email_address": "platform-admin@acme.example",
            "user_id": "user_01TuVwXyZaBcDeFgH2JkLmN4",
            "ip_address": "146.70.112.90",
            "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/128.0.0.0 Safari/537.36",
        },
        "type": "api_key_created",
        "api_key_id": f"apikey_01Bz7Xc4Vn1Mq8Lw5Ke{index:05d}",
        "scopes": ["user:inference"],
    }
    record.update(fields)
    return record


def feed_page(records: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    """A page of ``GET /v1/compliance/activities`` holding ``records``."""
    return {"data": records, "has_more": has_more, "first_id": records[0]["id"], "last_id": records[-1]["id"]}
