"""One stable principal per identity from a CloudTrail ``userIdentity``, and the kind of credential used.

Assumed-role sessions roll up to the role (``arn:aws:iam::<account>:role/<path/name>``) and federated
users to the IAM user that issued them, each keeping the session name as detail; IAM users are their
ARN; the root user is ``arn:aws:iam::<account>:root``. Bedrock API keys (bearer tokens) keep the
identity CloudTrail shows (the ``BedrockAPIKey-*`` IAM user for long-term keys) and are told apart by
the credential kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from jackwatch.model import JSON_OBJECT
from jackwatch.normalize.useragent import UserAgentFamily, user_agent_family

UNKNOWN_ID = "unknown"
BEDROCK_API_KEY_USER_PREFIX = "BedrockAPIKey-"


class PrincipalKind(StrEnum):
    """The kind of identity (CloudTrail's ``userIdentity.type``, normalised)."""

    IAM_USER = "iam_user"
    ASSUMED_ROLE = "assumed_role"
    ROOT = "root"
    FEDERATED_USER = "federated_user"
    AWS_SERVICE = "aws_service"
    AWS_ACCOUNT = "aws_account"
    IDENTITY_CENTER_USER = "identity_center_user"
    SAML_USER = "saml_user"
    WEB_IDENTITY_USER = "web_identity_user"
    UNKNOWN = "unknown"


class CredentialKind(StrEnum):
    """The kind of credential that signed the call."""

    LONG_TERM = "long_term"
    """An IAM access key (``AKIA…``)."""
    TEMPORARY = "temporary"
    """STS credentials (``ASIA…``) outside a console session."""
    BEDROCK_API_KEY = "bedrock_api_key"
    """A Bedrock API key: a bearer token, an ``ABSK…`` key, or the ``BedrockAPIKey-*`` user."""
    CONSOLE = "console"
    """A console sign-in or a call from a console session."""
    AWS_SERVICE = "aws_service"
    """An AWS service acting on its own."""
    NONE = "none"
    """The record has no ``userIdentity`` at all."""
    UNKNOWN = "unknown"
    """An identity whose credential the record does not reveal."""


class Principal(NamedTuple):
    """The identity behind a CloudTrail record (a named tuple: one is made for most events read).

    ``id`` is stable across sessions and keys; ``name`` is a short human name (user or role name);
    ``session`` the role session or federated user name; ``access_key_id`` the key id as logged.
    """

    id: str
    kind: PrincipalKind
    account: str | None
    name: str | None
    session: str | None
    access_key_id: str | None
    credential_kind: CredentialKind


_TYPES = {
    "IAMUser": PrincipalKind.IAM_USER,
    "AssumedRole": PrincipalKind.ASSUMED_ROLE,
    "Root": PrincipalKind.ROOT,
    "FederatedUser": PrincipalKind.FEDERATED_USER,
    "AWSService": PrincipalKind.AWS_SERVICE,
    "AWSAccount": PrincipalKind.AWS_ACCOUNT,
    "IdentityCenterUser": PrincipalKind.IDENTITY_CENTER_USER,
    "SAMLUser": PrincipalKind.SAML_USER,
    "WebIdentityUser": PrincipalKind.WEB_IDENTITY_USER,
}
_ARN_KINDS = (
    ("user/", PrincipalKind.IAM_USER),
    ("assumed-role/", PrincipalKind.ASSUMED_ROLE),
    ("federated-user/", PrincipalKind.FEDERATED_USER),
    ("root", PrincipalKind.ROOT),
)
_CONSOLE_EVENT_TYPES = frozenset({"AwsConsoleSignIn", "AwsConsoleAction"})


class _Arn(NamedTuple):
    partition: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str | None) -> _Arn | None:
        if text is None or not text.startswith("arn:"):
            return None
        parts = text.split(":", 5)
        if len(parts) != 6:
            return None
        return cls(parts[1] or "aws", parts[4], parts[5])


class _Identity(NamedTuple):
    id: str
    name: str | None = None
    session: str | None = None
    account: str | None = None


def principal_from_record(record: Mapping[str, Any]) -> Principal:
    """The principal of a CloudTrail record; ``id == "unknown"`` when ``userIdentity`` is missing."""
    identity = record.get("userIdentity")
    if not isinstance(identity, JSON_OBJECT):
        return Principal(UNKNOWN_ID, PrincipalKind.UNKNOWN, None, None, None, None, CredentialKind.NONE)
    arn_text = _text(identity.get("arn"))
    arn = _Arn.parse(arn_text)
    kind = _kind(identity, arn)
    account = (
        _text(identity.get("accountId"))
        or (arn.account or None if arn else None)
        or _text(record.get("recipientAccountId"))
    )
    found = _identify(kind, identity, arn_text, arn, account)
    key = _text(identity.get("accessKeyId"))
    credential = _credential_kind(record, kind, found.name, key)
    return Principal(found.id, kind, account or found.account, found.name, found.session, key, credential)


def _kind(identity: Mapping[str, Any], arn: _Arn | None) -> PrincipalKind:
    declared = _text(identity.get("type"))
    if declared is not None:
        return _TYPES.get(declared, PrincipalKind.UNKNOWN)
    if arn is not None:
        for prefix, kind in _ARN_KINDS:
            if arn.resource.startswith(prefix):
                return kind
    return PrincipalKind.UNKNOWN


def _identify(
    kind: PrincipalKind,
    identity: Mapping[str, Any],
    arn_text: str | None,
    arn: _Arn | None,
    account: str | None,
) -> _Identity:
    principal_id = _text(identity.get("principalId"))
    partition = arn.partition if arn else "aws"
    if kind is PrincipalKind.IAM_USER:
        name = _text(identity.get("userName")) or (_last(arn.resource) if arn else None)
        if arn_text is None and name and account:
            arn_text = f"arn:{partition}:iam::{account}:user/{name}"
        return _Identity(arn_text or principal_id or UNKNOWN_ID, name)
    if kind is PrincipalKind.ROOT:
        owner = account or principal_id
        return _Identity(f"arn:{partition}:iam::{owner}:root" if owner else UNKNOWN_ID, "root", None, owner)
    if kind is PrincipalKind.ASSUMED_ROLE:
        return _assumed_role(identity, arn, partition, account, principal_id)
    if kind is PrincipalKind.FEDERATED_USER:
        return _federated_user(identity, arn_text, arn, principal_id)
    if kind is PrincipalKind.AWS_SERVICE:
        service = _text(identity.get("invokedBy")) or principal_id or "AWSService"
        return _Identity(service, service)
    if kind is PrincipalKind.AWS_ACCOUNT:
        session = (principal_id or "").partition(":")[2] or None
        return _Identity(f"account:{account}" if account else UNKNOWN_ID, account, session)
    if kind is PrincipalKind.IDENTITY_CENTER_USER:
        return _identity_center_user(identity)
    name = _text(identity.get("userName"))
    if kind in (PrincipalKind.SAML_USER, PrincipalKind.WEB_IDENTITY_USER):
        scheme = "saml" if kind is PrincipalKind.SAML_USER else "web-identity"
        provider = _text(identity.get("identityProvider")) or ""
        subject = name or principal_id
        return _Identity(f"{scheme}:{provider}:{subject}" if subject else UNKNOWN_ID, subject)
    subject = principal_id or name
    return _Identity(arn_text or (f"unknown:{subject}" if subject else UNKNOWN_ID), name)


def _assumed_role(
    identity: Mapping[str, Any],
    arn: _Arn | None,
    partition: str,
    account: str | None,
    principal_id: str | None,
) -> _Identity:
    role_id, _, session = (principal_id or "").partition(":")
    role = None
    if arn is not None and arn.resource.startswith("assumed-role/"):
        role, _, arn_session = arn.resource.removeprefix("assumed-role/").partition("/")
        session = arn_session or session
    issuer = _issuer(identity)
    issuer_arn = _text(issuer.get("arn"))
    if issuer_arn is not None and ":role/" in issuer_arn:
        role = _text(issuer.get("userName")) or _last(issuer_arn)
        return _Identity(issuer_arn, role, session or None)
    if role and account:
        return _Identity(f"arn:{partition}:iam::{account}:role/{role}", role, session or None)
    return _Identity(role_id or UNKNOWN_ID, role or None, session or None)


def _federated_user(
    identity: Mapping[str, Any], arn_text: str | None, arn: _Arn | None, principal_id: str | None
) -> _Identity:
    federated = _last(arn.resource) if arn else (principal_id or "").partition(":")[2] or None
    issuer = _issuer(identity)
    issuer_arn = _text(issuer.get("arn"))
    if issuer_arn is not None:
        return _Identity(issuer_arn, _text(issuer.get("userName")) or _last(issuer_arn), federated)
    return _Identity(arn_text or principal_id or UNKNOWN_ID, federated, federated)


def _identity_center_user(identity: Mapping[str, Any]) -> _Identity:
    on_behalf = identity.get("onBehalfOf")
    on_behalf = on_behalf if isinstance(on_behalf, JSON_OBJECT) else {}
    user = _text(on_behalf.get("userId")) or _text(identity.get("userName"))
    store = _text(on_behalf.get("identityStoreArn"))
    if user is None:
        return _Identity(UNKNOWN_ID)
    return _Identity(f"{store}/user/{user}" if store else f"identity-center:{user}", user)


def _credential_kind(
    record: Mapping[str, Any], kind: PrincipalKind, name: str | None, key: str | None
) -> CredentialKind:
    if kind is PrincipalKind.AWS_SERVICE:
        return CredentialKind.AWS_SERVICE
    extra = record.get("additionalEventData")
    if (isinstance(extra, JSON_OBJECT) and _is_true(extra.get("callWithBearerToken"))) or (
        key is not None and key.startswith("ABSK")
    ):
        return CredentialKind.BEDROCK_API_KEY
    if _is_true(record.get("sessionCredentialFromConsole")) or record.get("eventType") in _CONSOLE_EVENT_TYPES:
        return CredentialKind.CONSOLE
    if key is not None and key.startswith("AKIA"):
        return CredentialKind.LONG_TERM
    if key is not None and key.startswith("ASIA"):
        if user_agent_family(record.get("userAgent")) is UserAgentFamily.AWS_CONSOLE:
            return CredentialKind.CONSOLE
        return CredentialKind.TEMPORARY
    if kind is PrincipalKind.IAM_USER and name is not None and name.startswith(BEDROCK_API_KEY_USER_PREFIX):
        return CredentialKind.BEDROCK_API_KEY
    return CredentialKind.UNKNOWN


def _issuer(identity: Mapping[str, Any]) -> Mapping[str, Any]:
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, JSON_OBJECT) else None
    return issuer if isinstance(issuer, JSON_OBJECT) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _last(path: str) -> str | None:
    return path.rpartition("/")[2] or None
