"""Fields of the openai_audit source on audit log objects in the documented shapes (and Panther's spelling)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.rules.fields.fieldskit import assert_text_lists_or_nothing, json_values, present

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.fields.openai_audit import openai_audit_fields
from jackwatch.sources.openai import to_event

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36"
)

SESSION = {
    "type": "session",
    "session": {
        "user": {"id": "user-Qw3rTy8uIoP2", "email": "dana@acme.example"},
        "ip_address": "45.140.17.63",
        "user_agent": "python-requests/2.31.0",
        "ja3": "a497151ce4338a12c4418c44d375173e",
        "ip_address_details": {"country": "NL", "city": "Amsterdam", "asn": "58061"},
    },
}
KEY_ACTOR = {
    "type": "api_key",
    "api_key": {
        "id": "key_Admin7Tq2Wz",
        "type": "user",
        "user": {"id": "user-Lk2Jh5Gf8Ds1", "email": "ops@acme.example"},
    },
}
SERVICE_ACTOR = {
    "type": "api_key",
    "api_key": {"id": "key_Svc3Lm8Np", "type": "service_account", "service_account": {"id": "svc_acct_Pq3Rs8Tu1Vw4"}},
}


@lru_cache(maxsize=1)
def fields() -> SourceFields:
    return openai_audit_fields(AsnDb.load())


def event(kind: str, actor: dict[str, Any] = SESSION, **members: Any) -> Event:
    raw: dict[str, Any] = {
        "id": "audit_log-7f3a1c2e_20260311",
        "type": kind,
        "effective_at": 1773226800,
        "object": "organization.audit_log",
        "actor": actor,
        **members,
    }
    return to_event(raw, "audit.jsonl")


def values(subject: Event) -> dict[str, object]:
    return present(fields(), subject)


def test_an_api_key_created_in_a_session_of_a_project() -> None:
    created = event(
        "api_key.created",
        project={"id": "proj_8HxQm2LrT5vW", "name": "Default project"},
        **{"api_key.created": {"id": "key_Zp4Yq9Ws1Ax6", "data": {"scopes": ["api.model.request", "api.model.read"]}}},
    )
    assert values(created) == {
        "openai.type": "api_key.created",
        "openai.actor_type": "session",
        "openai.actor": "dana@acme.example",
        "openai.actor_email": "dana@acme.example",
        "openai.api_key_id": "key_Zp4Yq9Ws1Ax6",
        "openai.ip": "45.140.17.63",
        "openai.asn": "AS58061",
        "openai.as_org": "Scalaxy B.V.",
        "openai.user_agent": "python-requests/2.31.0",
        "openai.user_agent_family": "http_library",
        "openai.country": "NL",
        "openai.project": "proj_8HxQm2LrT5vW",
        "openai.project_name": "Default project",
        "openai.scopes": ("api.model.request", "api.model.read"),
        "openai.target": "key_Zp4Yq9Ws1Ax6",
    }
    assert fields().principal(created) == "dana@acme.example"
    assert fields().evidence(created) == {
        "source_ip": "45.140.17.63",
        "asn": "AS58061 Scalaxy B.V.",
        "user_agent": "python-requests/2.31.0",
        "country": "NL",
        "api_key_id": "key_Zp4Yq9Ws1Ax6",
    }


@pytest.mark.parametrize("member", ["api_key.updated", "api_key_updated"], ids=["documented", "underscored"])
def test_an_update_by_an_api_key_reads_the_requested_scopes(member: str) -> None:
    updated = event(
        "api_key.updated", KEY_ACTOR, **{member: {"id": "key_Zp4Yq9Ws1Ax6", "changes_requested": {"scopes": ["all"]}}}
    )
    assert values(updated) == {
        "openai.type": "api_key.updated",
        "openai.actor_type": "api_key",
        "openai.actor": "key_Admin7Tq2Wz",
        "openai.actor_email": "ops@acme.example",
        "openai.api_key_id": "key_Zp4Yq9Ws1Ax6",
        "openai.scopes": ("all",),
        "openai.target": "key_Zp4Yq9Ws1Ax6",
    }
    assert fields().principal(updated) == "key_Admin7Tq2Wz"
    assert fields().evidence(updated) == {"api_key_id": "key_Zp4Yq9Ws1Ax6"}


def test_the_key_used_is_the_key_id_of_other_events() -> None:
    disabled = event("scim.disabled", SERVICE_ACTOR, **{"scim.disabled": {"id": "org-Acme42"}})
    assert values(disabled)["openai.api_key_id"] == "key_Svc3Lm8Np"
    assert values(disabled)["openai.actor"] == "key_Svc3Lm8Np"
    assert "openai.actor_email" not in values(disabled)
    keyless = event(
        "scim.disabled",
        {"type": "api_key", "api_key": {"type": "service_account", "service_account": {"id": "svc_acct_Pq3"}}},
    )
    assert fields().principal(keyless) == "svc_acct_Pq3"


def test_roles_from_assignment_ids_requests_and_invites() -> None:
    assignment = {
        "id": "role_assignment_role-api-organization-owner__api-organization__org-Acme42_user-Xc9Vb7Nm3Qa1",
        "principal_id": "user-Xc9Vb7Nm3Qa1",
        "principal_type": "user",
        "resource_id": "org-Acme42",
        "resource_type": "api.organization",
    }
    granted = values(event("role.assignment.created", **{"role.assignment.created": assignment}))
    assert (granted["openai.role"], granted["openai.target"], granted["openai.org"]) == (
        "role-api-organization-owner",
        "user-Xc9Vb7Nm3Qa1",
        "org-Acme42",
    )
    invite = values(
        event(
            "invite.sent", **{"invite.sent": {"id": "invite-Rt6", "data": {"email": "x@acme.example", "role": "owner"}}}
        )
    )
    assert invite["openai.role"] == "owner"
    updated = values(
        event("user.updated", **{"user.updated": {"id": "user-Xc9", "changes_requested": {"role": "member"}}})
    )
    assert updated["openai.role"] == "member"
    created = values(
        event("role.created", **{"role.created": {"id": "role-7", "role_name": "Key managers", "permissions": []}})
    )
    assert created["openai.role"] == "Key managers"
    odd = values(
        event("role.assignment.created", **{"role.assignment.created": {"id": "ra_123", "principal_id": "user-1"}})
    )
    assert "openai.role" not in odd


def test_organization_and_allowlists() -> None:
    renamed = values(
        event(
            "organization.updated",
            **{"organization.updated": {"id": "org-Acme42", "changes_requested": {"title": "Acme"}}},
        )
    )
    assert renamed["openai.org"] == "org-Acme42"
    tagged = values(event("login.succeeded", organization_id="org-Acme42"))
    assert tagged["openai.org"] == "org-Acme42"
    opened = values(
        event("ip_allowlist.updated", **{"ip_allowlist.updated": {"id": "ipallow_1", "allowed_ips": ["0.0.0.0/0", 7]}})
    )
    assert opened["openai.allowed_ips"] == ("0.0.0.0/0",)


def test_missing_and_malformed_values_are_missing() -> None:
    bare = to_event({"type": "login.failed", "effective_at": 1773226800}, "audit.jsonl")
    assert values(bare) == {"openai.type": "login.failed"}
    assert fields().principal(bare) == "unknown"
    assert fields().evidence(bare) == {}
    odd = event(
        "api_key.created",
        {"type": "session", "session": {"user": "dana", "ip_address": "not an ip", "user_agent": 7}},
        project="proj_1",
        **{"api_key.created": {"id": 5, "data": {"scopes": "all"}}},
    )
    assert values(odd) == {"openai.type": "api_key.created", "openai.actor_type": "session"}
    assert fields().evidence(odd) == {"source_ip": "not an ip"}  # an address that is not one: as written
    private = event("login.succeeded", {"type": "session", "session": {"ip_address": "10.1.2.3", "user_agent": ""}})
    assert values(private) == {
        "openai.type": "login.succeeded",
        "openai.actor_type": "session",
        "openai.ip": "10.1.2.3",
        "openai.user_agent_family": "empty",
    }
    assert fields().evidence(private) == {"source_ip": "10.1.2.3"}


def test_every_field_is_documented_and_list_fields_are_flagged() -> None:
    catalog = fields()
    assert catalog.source == "openai_audit" and catalog.name_field == "openai.type"
    assert all(name.startswith("openai.") and field.doc for name, field in catalog.fields.items())
    assert {name for name, field in catalog.fields.items() if field.is_list} == {"openai.scopes", "openai.allowed_ips"}


_KEYS = st.sampled_from(
    [
        "actor",
        "session",
        "api_key",
        "user",
        "email",
        "id",
        "ip_address",
        "user_agent",
        "ip_address_details",
        "country",
        "service_account",
        "type",
        "project",
        "name",
        "data",
        "changes_requested",
        "scopes",
        "role",
        "role_name",
        "principal_id",
        "resource_id",
        "resource_type",
        "allowed_ips",
        "organization_id",
        "api_key.created",
    ]
)
_JSON = json_values(_KEYS)


@given(
    kind=st.sampled_from(["api_key.created", "api_key.updated", "role.assignment.created", "organization.updated"]),
    members=st.dictionaries(_KEYS, _JSON, max_size=6),
)
def test_any_record_gives_text_lists_or_nothing_and_never_raises(kind: str, members: dict[str, Any]) -> None:
    subject = to_event({**members, "type": kind, "effective_at": 1773226800}, "audit.jsonl")
    assert_text_lists_or_nothing(fields(), subject)
