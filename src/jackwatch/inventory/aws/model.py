"""What the AWS inventory holds: IAM users, roles and their credentials, effective Bedrock permissions, Bedrock
settings per region, CloudTrail trails, and the calls that failed (a partial view).

``None`` always means "could not be read" (the failure is in :attr:`AwsInventory.failures`), never "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jackwatch.inventory.aws.policy import PolicySource, Verdict
from jackwatch.inventory.aws.trust import Trust

GLOBAL = "global"
"""The region part of the refs of global things (IAM, the account)."""

BEDROCK_SERVICE = "bedrock.amazonaws.com"
"""The service name of Bedrock's service-specific credentials (long-term Bedrock API keys)."""

BEDROCK_API_KEY_USER_PREFIX = "BedrockAPIKey-"
"""The name prefix of the IAM users the console creates for long-term Bedrock API keys."""


@dataclass(frozen=True, slots=True)
class CallFailure:
    """An AWS call that failed: what could not be read because of it (``scope``), and why."""

    service: str
    operation: str
    region: str
    code: str
    message: str
    scope: str

    def __str__(self) -> str:
        where = "" if self.region == GLOBAL else f" in {self.region}"
        return f"{self.service}:{self.operation}{where}: {self.message} ({self.scope} unknown)"

    def as_dict(self) -> dict[str, str]:
        """The failure as JSON data."""
        return {
            "call": f"{self.service}:{self.operation}",
            "region": self.region,
            "code": self.code,
            "message": self.message,
            "unknown": self.scope,
        }


@dataclass(frozen=True, slots=True)
class AccessKey:
    """An IAM user's access key (``AKIA…``: its id is an identifier, not a secret)."""

    id: str
    user: str
    status: str
    created: datetime | None
    last_used: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None

    @property
    def active(self) -> bool:
        """Whether the key can sign requests."""
        return self.status == "Active"

    def age_days(self, now: datetime) -> int | None:
        """Whole days since the key was created (``None`` when unknown)."""
        return None if self.created is None else (now - self.created).days

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """The key as JSON data, its age at ``now``."""
        return {
            "id": self.id,
            "status": self.status,
            "created": _iso(self.created),
            "age_days": self.age_days(now),
            "last_used": _iso(self.last_used),
            "last_used_service": self.last_used_service,
            "last_used_region": self.last_used_region,
        }


@dataclass(frozen=True, slots=True)
class ServiceCredential:
    """A service-specific credential: for Bedrock, a long-term Bedrock API key. ``alias`` is the key's public part
    (IAM user name and version); IAM never returns the secret after creation."""

    id: str
    user: str
    service: str
    status: str
    created: datetime | None
    expires: datetime | None = None
    service_user_name: str | None = None
    alias: str | None = None

    def usable(self, now: datetime) -> bool:
        """Whether the credential is active and not expired at ``now``."""
        return self.status == "Active" and (self.expires is None or self.expires > now)

    def as_dict(self) -> dict[str, Any]:
        """The credential as JSON data (never its secret: IAM does not return it after creation)."""
        return {
            "id": self.id,
            "user": self.user,
            "service": self.service,
            "status": self.status,
            "created": _iso(self.created),
            "expires": _iso(self.expires),
            "service_user_name": self.service_user_name,
            "alias": self.alias,
        }


@dataclass(frozen=True, slots=True)
class BedrockAccess:
    """A principal's effective Bedrock permissions: each inference action, and all of Bedrock (``bedrock:*``)."""

    invoke: tuple[Verdict, ...]
    full: Verdict

    @property
    def can_invoke(self) -> bool:
        """Whether some inference action is allowed."""
        return any(verdict.allowed for verdict in self.invoke)

    @property
    def grants(self) -> tuple[PolicySource, ...]:
        """The policies whose statements allow inference, in order, once each."""
        found: dict[PolicySource, None] = {}
        for verdict in self.invoke:
            if verdict.allowed:
                found.update((statement.source, None) for statement in verdict.allowed_by)
        return tuple(found)

    def as_dict(self) -> dict[str, Any]:
        """The permissions as JSON data."""
        return {
            "can_invoke": self.can_invoke,
            "full_access": self.full.allowed,
            "invoke": [verdict.as_dict() for verdict in self.invoke],
            "full": self.full.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A policy that applies to a principal (directly or through a group), by name and, if managed, ARN."""

    source: PolicySource
    document: Any = None
    """The policy document, ``None`` when it could not be read."""


@dataclass(frozen=True, slots=True)
class IamUser:
    """An IAM user with its credentials and effective Bedrock permissions."""

    arn: str
    name: str
    id: str
    created: datetime | None
    groups: tuple[str, ...] | None
    policies: tuple[AttachedPolicy, ...] | None
    boundary_arn: str | None = None
    bedrock: BedrockAccess | None = None
    access_keys: tuple[AccessKey, ...] | None = None

    @property
    def active_keys(self) -> tuple[AccessKey, ...]:
        """The user's active access keys (none when unknown)."""
        return tuple(key for key in self.access_keys or () if key.active)

    @property
    def bedrock_api_key_user(self) -> bool:
        """Whether the user looks like the one the console makes for a long-term Bedrock API key."""
        return self.name.startswith(BEDROCK_API_KEY_USER_PREFIX)


@dataclass(frozen=True, slots=True)
class IamRole:
    """An IAM role: who may assume it and what it may do in Bedrock."""

    arn: str
    name: str
    id: str
    created: datetime | None
    trust: Trust | None
    policies: tuple[AttachedPolicy, ...] | None
    boundary_arn: str | None = None
    bedrock: BedrockAccess | None = None
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Bedrock model invocation logging of one region (``GetModelInvocationLoggingConfiguration``)."""

    s3_bucket: str | None = None
    s3_prefix: str | None = None
    log_group: str | None = None
    role_arn: str | None = None
    text: bool = False
    image: bool = False
    embedding: bool = False

    @property
    def enabled(self) -> bool:
        """Whether invocations are delivered somewhere (an S3 bucket or a CloudWatch log group)."""
        return bool(self.s3_bucket or self.log_group)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as JSON data."""
        return {
            "enabled": self.enabled,
            "s3_bucket": self.s3_bucket,
            "s3_prefix": self.s3_prefix,
            "log_group": self.log_group,
            "role_arn": self.role_arn,
            "text": self.text,
            "image": self.image,
            "embedding": self.embedding,
        }


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A Bedrock guardrail (its working draft, as ``ListGuardrails`` lists them)."""

    id: str
    arn: str
    name: str
    status: str
    version: str
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class BedrockRegion:
    """Bedrock's settings in one region: invocation logging and guardrails (``None``: not readable)."""

    region: str
    logging: LoggingConfig | None
    guardrails: tuple[Guardrail, ...] | None


@dataclass(frozen=True, slots=True)
class Trail:
    """A CloudTrail trail, its status and what its selectors log.

    ``logging`` is ``GetTrailStatus``'s ``IsLogging``; ``reads_management`` whether its selectors log read-only
    management events including Bedrock's (``None``: the selectors could not be read); ``selectors`` are the
    event selectors as read (``kind`` ``basic`` or ``advanced``).
    """

    arn: str
    name: str
    home_region: str
    multi_region: bool
    organization: bool
    logging: bool | None
    reads_management: bool | None
    selectors_kind: str | None = None
    selectors: tuple[Mapping[str, Any], ...] = ()
    s3_bucket: str | None = None
    why_not: str | None = None
    """Why the selectors do not log read management events, in words."""

    def covers(self, region: str) -> bool:
        """Whether the trail records events of ``region``."""
        return self.multi_region or self.home_region == region

    @property
    def complete(self) -> bool | None:
        """Whether it logs read management events now (``None``: not known)."""
        if self.logging is False or self.reads_management is False:
            return False
        if self.logging is None or self.reads_management is None:
            return None
        return True


@dataclass(slots=True)
class AwsInventory:
    """One account as read at ``collected_at``: ``regions`` are the regions read, ``bedrock_regions`` those of
    them where Bedrock is offered. ``users``/``roles`` are ``None`` when IAM could not be listed."""

    account: str
    partition: str
    caller: str
    collected_at: datetime
    regions: tuple[str, ...]
    bedrock_regions: tuple[str, ...]
    users: tuple[IamUser, ...] | None = None
    roles: tuple[IamRole, ...] | None = None
    service_credentials: tuple[ServiceCredential, ...] | None = None
    bedrock: tuple[BedrockRegion, ...] = ()
    trails: tuple[Trail, ...] = ()
    trail_regions: tuple[str, ...] = ()
    """The regions whose trails could be listed."""
    failures: list[CallFailure] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Whether some calls failed, so part of the account is unknown."""
        return bool(self.failures)

    @property
    def account_arn(self) -> str:
        """The account as an ARN (its root principal)."""
        return f"arn:{self.partition}:iam::{self.account}:root"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
