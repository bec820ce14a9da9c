"""Fields of the ``anthropic_activity`` source: the Anthropic Compliance API Activity Feed (``anthropic.*``).

A record is an activity of ``GET /v1/compliance/activities``: ``type``, ``created_at``, ``organization_id``,
the ``actor`` (``user_actor`` with email, user id, IP address and user agent; ``api_actor`` or
``admin_api_key_actor`` with the key's id; ``unauthenticated_user_actor``; ``scim_directory_sync_actor``…)
and the fields of the type at the top level (``admin_api_key_id`` and ``scopes`` of
``admin_api_key_created``, ``role`` of ``role_assignment_granted``…).
"""

from __future__ import annotations

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import Extractor, Field, SourceFields
from jackwatch.rules.fields.audit import ActorNetwork, audit_source_fields, text_of, texts_of, value_at

SOURCE = "anthropic_activity"
NAME_FIELD = "anthropic.type"

_EMAILS = ("email_address", "unauthenticated_email_address")
_ACTOR_IDS = (*_EMAILS, "api_key_id", "admin_api_key_id", "user_id")
_ACTOR_OTHER_IDS = ("directory_id", "subject")
_KEY_IDS = ("admin_api_key_id", "api_key_id", "service_key_id", "scoped_api_key_id")
_ROLES = ("role", "current_role", "invited_role")
_TARGETS = ("target_id", "principal_id", "user_id", "deleted_user_id", "invited_email")


def _first(value: object, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` of ``value`` that holds non-empty text."""
    for key in keys:
        found = text_of(value_at(value, key))
        if found is not None:
            return found
    return None


def _actor(event: Event, _arg: str | None) -> str | None:
    actor = event.raw.get("actor")
    return _first(actor, _ACTOR_IDS) or _first(actor, _ACTOR_OTHER_IDS)


def _api_key_id(event: Event, _arg: str | None) -> str | None:
    return _first(event.raw, _KEY_IDS) or _first(event.raw.get("actor"), ("api_key_id", "admin_api_key_id"))


def _top(*keys: str) -> Extractor:
    return lambda event, _arg: _first(event.raw, keys)


def _actor_ip(event: Event) -> object:
    return value_at(event.raw, "actor", "ip_address")


def _actor_agent(event: Event) -> object:
    return value_at(event.raw, "actor", "user_agent")


_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    (
        NAME_FIELD,
        lambda event, _arg: event.name,
        "The activity type (``type``): ``admin_api_key_created``, ``api_key_created``,"
        " ``role_assignment_granted``, ``platform_spend_limit_deleted``, ``sso_login_failed``…",
    ),
    (
        "anthropic.actor_type",
        lambda event, _arg: text_of(value_at(event.raw, "actor", "type")),
        "``user_actor``, ``api_actor``, ``admin_api_key_actor``, ``unauthenticated_user_actor``,"
        " ``anthropic_actor``, ``scim_directory_sync_actor``… (``actor.type``).",
    ),
    (
        "anthropic.actor",
        _actor,
        "Who acted: the actor's email (``email_address``, or ``unauthenticated_email_address`` before sign-in),"
        " else its API key id (``api_key_id``, ``admin_api_key_id``), user id, SCIM directory or federated subject.",
    ),
    (
        "anthropic.actor_email",
        lambda event, _arg: _first(event.raw.get("actor"), _EMAILS),
        "The acting user's email (``email_address``, else ``unauthenticated_email_address``).",
    ),
    (
        "anthropic.api_key_id",
        _api_key_id,
        "The key acted on (``admin_api_key_id``, ``api_key_id``, ``service_key_id`` of the activity), else the"
        " key that acted (the actor's ``api_key_id`` or ``admin_api_key_id``). An id, not a secret.",
    ),
    ("anthropic.workspace", _top("workspace_id"), "The workspace of a ``platform_workspace_*`` activity."),
    (
        "anthropic.role",
        _top(*_ROLES),
        "The role given: ``role`` (``role_assignment_granted``: ``chat_project:viewer``…), ``current_role``"
        " (``claude_user_role_updated``) or ``invited_role`` (``org_user_invite_sent``).",
    ),
    (
        "anthropic.previous_role",
        _top("previous_role"),
        "The role held before a ``claude_user_role_updated``.",
    ),
    (
        "anthropic.org",
        _top("organization_id", "organization_uuid"),
        "The organization of the activity (``organization_id``, else ``organization_uuid``).",
    ),
    (
        "anthropic.target",
        _top(*_TARGETS),
        "Who or what was acted on: ``target_id``, ``principal_id``, ``user_id``, ``deleted_user_id`` or"
        " ``invited_email``, the first the activity has.",
    ),
)


def anthropic_activity_fields(asn_db: AsnDb) -> SourceFields:
    """The fields of the ``anthropic_activity`` source; ``asn_db`` answers IP → ASN lookups."""
    network = ActorNetwork("anthropic", asn_db, _actor_ip, _actor_agent)
    fields = [Field(name, extract, doc) for name, extract, doc in _FIELDS]
    fields += network.actor_fields("actor.ip_address", "actor.user_agent")
    fields.append(
        Field(
            "anthropic.scopes",
            lambda event, _arg: texts_of(event.raw.get("scopes")),
            "List: the scopes granted to a key created (``scopes`` of ``admin_api_key_created``,"
            " ``api_key_created``, ``service_key_created``).",
            is_list=True,
        )
    )
    return audit_source_fields(SOURCE, NAME_FIELD, fields, network, _actor, {"api_key_id": _api_key_id})
