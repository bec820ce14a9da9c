"""Fields of the ``openai_audit`` source: OpenAI organization audit logs (``openai.*``).

A record is an audit log object of ``GET /v1/organization/audit_logs``: ``type``, ``effective_at``, the
``actor`` (a ``session`` with its user, IP address and user agent, or an ``api_key`` with its owner),
``project``, and a member named after the type with the details (``api_key.created: {id, data: {scopes}}``;
``api_key_created`` as some exports spell it is read too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import Extractor, Field, SourceFields
from jackwatch.rules.fields.audit import ActorNetwork, audit_source_fields, text_of, texts_of, value_at

SOURCE = "openai_audit"
NAME_FIELD = "openai.type"

_ROLE_ASSIGNMENT = "role_assignment_"

# ------------------------------------------------------------------------------------ the record


def _detail(raw: Mapping[str, Any], name: str) -> object:
    """The member holding the details of the record's type (``api_key.created``, or ``api_key_created``)."""
    found = raw.get(name)
    return raw.get(name.replace(".", "_")) if found is None else found


def _session(raw: Mapping[str, Any]) -> object:
    return value_at(raw, "actor", "session")


def _api_key(raw: Mapping[str, Any]) -> object:
    return value_at(raw, "actor", "api_key")


def _actor_email(event: Event, _arg: str | None) -> str | None:
    raw = event.raw
    return text_of(value_at(_session(raw), "user", "email")) or text_of(value_at(_api_key(raw), "user", "email"))


def _actor(event: Event, _arg: str | None) -> str | None:
    raw = event.raw
    session, key = _session(raw), _api_key(raw)
    return (
        text_of(value_at(session, "user", "email"))
        or text_of(value_at(session, "user", "id"))
        or text_of(value_at(key, "id"))
        or text_of(value_at(key, "user", "email"))
        or text_of(value_at(key, "service_account", "id"))
    )


def _api_key_id(event: Event, _arg: str | None) -> str | None:
    if event.name.startswith("api_key."):
        acted_on = text_of(value_at(_detail(event.raw, event.name), "id"))
        if acted_on is not None:
            return acted_on
    return text_of(value_at(_api_key(event.raw), "id"))


def _requested(event: Event, key: str) -> object:
    """``key`` of the payload of a create (``data``) or update (``changes_requested``)."""
    detail = _detail(event.raw, event.name)
    found = value_at(detail, "changes_requested", key)
    return value_at(detail, "data", key) if found is None else found


def _scopes(event: Event, _arg: str | None) -> tuple[str, ...] | None:
    return texts_of(_requested(event, "scopes"))


def _assigned_role(assignment_id: object) -> str | None:
    """The role in a role assignment id: ``role_assignment_<role>__<resource>_<principal>`` → ``<role>``."""
    text = text_of(assignment_id)
    if text is None or not text.startswith(_ROLE_ASSIGNMENT) or "__" not in text:
        return None
    return text[len(_ROLE_ASSIGNMENT) :].partition("__")[0] or None


def _role(event: Event, _arg: str | None) -> str | None:
    detail = _detail(event.raw, event.name)
    return (
        text_of(value_at(detail, "role"))
        or text_of(value_at(detail, "role_name"))
        or text_of(_requested(event, "role"))
        or text_of(_requested(event, "role_name"))
        or _assigned_role(value_at(detail, "id"))
    )


def _org(event: Event, _arg: str | None) -> str | None:
    raw = event.raw
    found = text_of(raw.get("organization_id"))
    if found is not None:
        return found
    detail = _detail(raw, event.name)
    if event.name == "organization.updated":
        return text_of(value_at(detail, "id"))
    if value_at(detail, "resource_type") == "api.organization":
        return text_of(value_at(detail, "resource_id"))
    return None


def _target(event: Event, _arg: str | None) -> str | None:
    detail = _detail(event.raw, event.name)
    return text_of(value_at(detail, "principal_id")) or text_of(value_at(detail, "id"))


def _path(*path: str) -> Extractor:
    return lambda event, _arg: text_of(value_at(event.raw, *path))


_country = _path("actor", "session", "ip_address_details", "country")


def _session_ip(event: Event) -> object:
    return value_at(event.raw, "actor", "session", "ip_address")


def _session_agent(event: Event) -> object:
    return value_at(event.raw, "actor", "session", "user_agent")


_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    (
        NAME_FIELD,
        lambda event, _arg: event.name,
        "The event type (``type``): ``api_key.created``, ``api_key.updated``, ``role.assignment.created``,"
        " ``login.failed``, ``ip_allowlist.deleted``…",
    ),
    ("openai.actor_type", _path("actor", "type"), "``session`` (a signed-in user) or ``api_key`` (``actor.type``)."),
    (
        "openai.actor",
        _actor,
        "Who acted: the session user's email (else id); for an API key actor, the key's id (else its user's"
        " email or service account id).",
    ),
    (
        "openai.actor_email",
        _actor_email,
        "The acting user's email: the session's user, or the user an acting API key belongs to.",
    ),
    (
        "openai.api_key_id",
        _api_key_id,
        "The API key acted on (the details' ``id`` of ``api_key.*`` events), else the key that acted"
        " (``actor.api_key.id``). A tracking id, not a secret.",
    ),
    (
        "openai.country",
        _country,
        "The country OpenAI located the session's IP in (``ip_address_details.country``, ``US``).",
    ),
    ("openai.project", _path("project", "id"), "The project the action was scoped to (``project.id``)."),
    ("openai.project_name", _path("project", "name"), "That project's name (``project.name``)."),
    (
        "openai.role",
        _role,
        "The role given: ``role``/``role_name`` of the details, the ``role`` requested (``data`` or"
        " ``changes_requested``: ``owner``, ``member``), or the role in a role assignment id"
        " (``role-api-organization-owner``).",
    ),
    (
        "openai.org",
        _org,
        "The organization: ``organization_id`` when the record has one, the id of an ``organization.updated``,"
        " or the resource of a role assignment scoped to ``api.organization``.",
    ),
    (
        "openai.target",
        _target,
        "What was acted on: the principal of a role assignment (``principal_id``), else the details' ``id``.",
    ),
)

_LIST_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    (
        "openai.scopes",
        _scopes,
        "List: the scopes requested for an API key (``data.scopes`` of ``api_key.created``,"
        " ``changes_requested.scopes`` of ``api_key.updated``), e.g. ``api.model.request``.",
    ),
    (
        "openai.allowed_ips",
        lambda event, _arg: texts_of(value_at(_detail(event.raw, event.name), "allowed_ips")),
        "List: the addresses or CIDR ranges of an IP allowlist event (``allowed_ips``).",
    ),
)


def openai_audit_fields(asn_db: AsnDb) -> SourceFields:
    """The fields of the ``openai_audit`` source; ``asn_db`` answers IP → ASN lookups."""
    network = ActorNetwork("openai", asn_db, _session_ip, _session_agent)
    fields = [Field(name, extract, doc) for name, extract, doc in _FIELDS]
    fields += [Field(name, extract, doc, is_list=True) for name, extract, doc in _LIST_FIELDS]
    fields += network.actor_fields("actor.session.ip_address", "actor.session.user_agent")
    evidence = {"country": _country, "api_key_id": _api_key_id}
    return audit_source_fields(SOURCE, NAME_FIELD, fields, network, _actor, evidence)
