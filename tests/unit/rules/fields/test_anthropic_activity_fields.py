"""Fields of the anthropic_activity source on activities in the Activity Feed's documented shapes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tests.unit.rules.fields.fieldskit import assert_text_lists_or_nothing, json_values, present

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.fields.anthropic_activity import anthropic_activity_fields
from jackwatch.sources.anthropic import to_event

ORG = "org_01Wv6QeBcDfGhJkLmNpQrSt8"
USER = {
    "type": "user_actor",
    "email_address": "platform-admin@acme.example",
    "user_id": "user_01TuVwXyZaBcDeFgH2JkLmN4",
    "ip_address": "2a01:4f8::1",
    "user_agent": "curl/8.5.0",
}


@lru_cache(maxsize=1)
def fields() -> SourceFields:
    return anthropic_activity_fields(AsnDb.load())


def activity(kind: str, actor: dict[str, Any] | None = None, **details: Any) -> Event:
    raw: dict[str, Any] = {
        "id": "activity_01HqZ8Kd3mXbT7Vn2Yc5Rw9LpA",
        "created_at": "2026-03-11T09:14:22Z",
        "organization_id": ORG,
        "type": kind,
        **details,
    }
    if actor is not None:
        raw["actor"] = actor
    return to_event(raw, "activities.jsonl")


def values(subject: Event) -> dict[str, object]:
    return present(fields(), subject)


def test_an_admin_key_created_by_a_user() -> None:
    created = activity(
        "admin_api_key_created", USER, admin_api_key_id="adminkey_01Mh4Ns8", scopes=["read:compliance_activities"]
    )
    assert values(created) == {
        "anthropic.type": "admin_api_key_created",
        "anthropic.actor_type": "user_actor",
        "anthropic.actor": "platform-admin@acme.example",
        "anthropic.actor_email": "platform-admin@acme.example",
        "anthropic.api_key_id": "adminkey_01Mh4Ns8",
        "anthropic.scopes": ("read:compliance_activities",),
        "anthropic.org": ORG,
        "anthropic.ip": "2a01:4f8::1",
        "anthropic.asn": "AS24940",
        "anthropic.as_org": "Hetzner Online GmbH",
        "anthropic.user_agent": "curl/8.5.0",
        "anthropic.user_agent_family": "http_library",
    }
    assert fields().principal(created) == "platform-admin@acme.example"
    assert fields().evidence(created) == {
        "source_ip": "2a01:4f8::1",
        "asn": "AS24940 Hetzner Online GmbH",
        "user_agent": "curl/8.5.0",
        "api_key_id": "adminkey_01Mh4Ns8",
    }


def test_key_actors_roles_workspaces_and_targets() -> None:
    admin_key = {"type": "admin_api_key_actor", "admin_api_key_id": "adminkey_01Mh4", "ip_address": "146.70.112.90"}
    invited = activity("org_user_invite_sent", admin_key, invited_email="ops@proton.example", invited_role="admin")
    assert {
        k: v
        for k, v in values(invited).items()
        if k in ("anthropic.actor", "anthropic.api_key_id", "anthropic.role", "anthropic.target")
    } == {
        "anthropic.actor": "adminkey_01Mh4",
        "anthropic.api_key_id": "adminkey_01Mh4",
        "anthropic.role": "admin",
        "anthropic.target": "ops@proton.example",
    }
    promoted = values(
        activity("claude_user_role_updated", USER, user_id="user_01Gh5", previous_role="user", current_role="admin")
    )
    assert (promoted["anthropic.role"], promoted["anthropic.previous_role"], promoted["anthropic.target"]) == (
        "admin",
        "user",
        "user_01Gh5",
    )
    granted = values(
        activity("role_assignment_granted", USER, target_id="user_01DEF", role="chat_project:viewer", resource_id="p")
    )
    assert (granted["anthropic.role"], granted["anthropic.target"]) == ("chat_project:viewer", "user_01DEF")
    member = values(activity("platform_workspace_member_added", USER, workspace_id="wrkspc_01Pq8", user_id="user_9"))
    assert (member["anthropic.workspace"], member["anthropic.target"]) == ("wrkspc_01Pq8", "user_9")
    used = values(
        activity("compliance_api_accessed", {"type": "api_actor", "api_key_id": "apikey_01Fg"}, status_code=200)
    )
    assert (used["anthropic.actor"], used["anthropic.api_key_id"]) == ("apikey_01Fg", "apikey_01Fg")


def test_actors_without_an_email_or_key() -> None:
    before_sign_in = {"type": "unauthenticated_user_actor", "unauthenticated_email_address": "x@acme.example"}
    assert values(activity("sso_login_initiated", before_sign_in))["anthropic.actor_email"] == "x@acme.example"
    scim = {"type": "scim_directory_sync_actor", "workos_event_id": "evt_1", "directory_id": "directory_01Hb"}
    assert fields().principal(activity("scim_user_created", scim, user_id="user_1")) == "directory_01Hb"
    anthropic_operator = {"type": "anthropic_actor", "email_address": None}
    assert fields().principal(activity("org_taint_added", anthropic_operator, taint="x")) == "unknown"


def test_missing_and_malformed_values_are_missing() -> None:
    bare = to_event({"type": "sso_login_failed", "created_at": "2026-03-11T09:00:00Z"}, "activities.jsonl")
    assert values(bare) == {"anthropic.type": "sso_login_failed"}
    assert fields().principal(bare) == "unknown" and fields().evidence(bare) == {}
    odd = activity(
        "api_key_created", {"type": 3, "ip_address": "nowhere", "email_address": ["x"]}, scopes="all", role=5
    )
    assert values(odd) == {"anthropic.type": "api_key_created", "anthropic.org": ORG}


def test_every_field_is_documented_and_list_fields_are_flagged() -> None:
    catalog = fields()
    assert catalog.source == "anthropic_activity" and catalog.name_field == "anthropic.type"
    assert all(name.startswith("anthropic.") and field.doc for name, field in catalog.fields.items())
    assert [name for name, field in catalog.fields.items() if field.is_list] == ["anthropic.scopes"]


_KEYS = st.sampled_from(
    [
        "actor",
        "type",
        "email_address",
        "unauthenticated_email_address",
        "api_key_id",
        "admin_api_key_id",
        "user_id",
        "directory_id",
        "subject",
        "ip_address",
        "user_agent",
        "service_key_id",
        "scopes",
        "role",
        "current_role",
        "invited_role",
        "previous_role",
        "workspace_id",
        "organization_id",
        "target_id",
        "invited_email",
    ]
)
_JSON = json_values(_KEYS)


@given(members=st.dictionaries(_KEYS, _JSON, max_size=8))
def test_any_activity_gives_text_lists_or_nothing_and_never_raises(members: dict[str, Any]) -> None:
    subject = to_event({**members, "type": "api_key_created", "created_at": "2026-03-11T09:00:00Z"}, "a.jsonl")
    assert_text_lists_or_nothing(fields(), subject)
