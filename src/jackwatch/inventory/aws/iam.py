"""IAM: users, groups, roles and their policies (``GetAccountAuthorizationDetails``), each principal's effective
Bedrock permissions, users' access keys with their last use, and long-term Bedrock API keys
(``ListServiceSpecificCredentials``).

When the account's authorization details are refused, users (``ListUsers``) and roles (``ListRoles``) are still
listed, without their permissions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from jackwatch.inventory.aws.clients import AwsClients, Calls, each
from jackwatch.inventory.aws.model import (
    BEDROCK_SERVICE,
    GLOBAL,
    AccessKey,
    AttachedPolicy,
    BedrockAccess,
    IamRole,
    IamUser,
    ServiceCredential,
)
from jackwatch.inventory.aws.policy import (
    ALL_BEDROCK,
    INVOKE_ACTIONS,
    PolicyError,
    PolicySource,
    Statement,
    evaluate,
    parse_document,
)
from jackwatch.inventory.aws.trust import Trust, summarize_trust

IAM_REGION = "us-east-1"
"""IAM is global; its endpoint is reached through this region (for the ``aws`` partition)."""

_IAM_REGIONS = {"aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def iam_region(partition: str) -> str:
    """The region IAM calls are signed for in ``partition``."""
    return _IAM_REGIONS.get(partition, IAM_REGION)


@dataclass(slots=True)
class _Details:
    """``GetAccountAuthorizationDetails`` gathered over its pages."""

    users: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, Any] = field(default_factory=dict)
    """Managed policy ARN → its default version's document."""


@dataclass(frozen=True, slots=True)
class IamView:
    """What IAM showed: users and roles (``None``: not listable), and Bedrock API keys."""

    users: tuple[IamUser, ...] | None
    roles: tuple[IamRole, ...] | None
    service_credentials: tuple[ServiceCredential, ...] | None


def read_iam(clients: AwsClients, calls: Calls, account: str, partition: str) -> IamView:
    """Read the account's IAM principals, their permissions and credentials."""
    iam = clients.client("iam", iam_region(partition))
    details = calls.run(
        lambda: _authorization_details(iam),
        service="iam",
        operation="GetAccountAuthorizationDetails",
        region=GLOBAL,
        scope="users', groups' and roles' policies (Bedrock permissions)",
    )
    if details is not None:
        documents = _PolicyDocuments(iam, calls, details.policies)
        users = [_user(raw, details, documents, partition) for raw in details.users]
        roles: list[IamRole] | None = [_role(raw, documents, account, partition) for raw in details.roles]
    else:
        listed = calls.run(
            lambda: _listed(iam, "list_users", "Users"),
            service="iam",
            operation="ListUsers",
            region=GLOBAL,
            scope="IAM users",
        )
        users = [_bare_user(raw) for raw in listed] if listed is not None else []
        listed_roles = calls.run(
            lambda: _listed(iam, "list_roles", "Roles"),
            service="iam",
            operation="ListRoles",
            region=GLOBAL,
            scope="IAM roles",
        )
        roles = None if listed_roles is None else [_bare_role(raw, account) for raw in listed_roles]
        if listed is None:
            return IamView(None, None if roles is None else tuple(roles), _service_credentials(iam, calls))
    with_keys = list(each(users, lambda user: _with_keys(iam, calls, user)))
    return IamView(tuple(with_keys), None if roles is None else tuple(roles), _service_credentials(iam, calls))


DETAILS_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]
"""What ``GetAccountAuthorizationDetails`` is asked for: the AWS managed policies attached to principals are read
one by one (``GetPolicy``, ``GetPolicyVersion``), once each, rather than every AWS managed policy listed."""


def _authorization_details(iam: Any) -> _Details:
    details = _Details()
    pages = iam.get_paginator("get_account_authorization_details").paginate(Filter=DETAILS_FILTER)
    for page in pages:
        details.users.extend(page.get("UserDetailList", ()))
        for group in page.get("GroupDetailList", ()):
            details.groups[group["GroupName"]] = group
        details.roles.extend(page.get("RoleDetailList", ()))
        for policy in page.get("Policies", ()):
            default = next(
                (v for v in policy.get("PolicyVersionList", ()) if v.get("IsDefaultVersion")),
                None,
            )
            if default is not None and "Arn" in policy:
                details.policies[policy["Arn"]] = default.get("Document")
    return details


def _listed(iam: Any, operation: str, key: str) -> list[dict[str, Any]]:
    return [item for page in iam.get_paginator(operation).paginate() for item in page.get(key, ())]


class _PolicyDocuments:
    """Managed policy documents: those the authorization details carry, the others (AWS managed) read on
    demand, once each."""

    def __init__(self, iam: Any, calls: Calls, known: Mapping[str, Any]) -> None:
        self._iam = iam
        self._calls = calls
        self._known: dict[str, Any] = dict(known)

    def get(self, arn: str) -> Any:
        if arn not in self._known:
            self._known[arn] = self._calls.run(
                lambda: self._read(arn),
                service="iam",
                operation="GetPolicyVersion",
                region=GLOBAL,
                scope=f"the policy {arn}",
            )
        return self._known[arn]

    def _read(self, arn: str) -> Any:
        version = self._iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        return self._iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def _attached(
    raw: Mapping[str, Any], inline_key: str, documents: _PolicyDocuments, group: str | None = None
) -> list[AttachedPolicy]:
    found: list[AttachedPolicy] = []
    for policy in raw.get(inline_key, ()) or ():
        name = str(policy.get("PolicyName", ""))
        found.append(AttachedPolicy(PolicySource(name, "inline", group=group), policy.get("PolicyDocument")))
    for policy in raw.get("AttachedManagedPolicies", ()) or ():
        arn = str(policy.get("PolicyArn", ""))
        source = PolicySource(str(policy.get("PolicyName", arn.rsplit("/", 1)[-1])), "managed", arn, group)
        found.append(AttachedPolicy(source, documents.get(arn)))
    return found


def _user(raw: Mapping[str, Any], details: _Details, documents: _PolicyDocuments, partition: str) -> IamUser:
    policies = _attached(raw, "UserPolicyList", documents)
    groups = [str(name) for name in raw.get("GroupList", ()) or ()]
    for name in groups:
        group = details.groups.get(name)
        if group is not None:
            policies.extend(_attached(group, "GroupPolicyList", documents, name))
    boundary = _boundary(raw)
    return IamUser(
        arn=str(raw["Arn"]),
        name=str(raw["UserName"]),
        id=str(raw.get("UserId", "")),
        created=raw.get("CreateDate"),
        groups=tuple(groups),
        policies=tuple(policies),
        boundary_arn=boundary,
        bedrock=bedrock_access(policies, boundary, documents, partition),
    )


def _role(raw: Mapping[str, Any], documents: _PolicyDocuments, account: str, partition: str) -> IamRole:
    policies = _attached(raw, "RolePolicyList", documents)
    boundary = _boundary(raw)
    last_used = (raw.get("RoleLastUsed") or {}).get("LastUsedDate")
    return IamRole(
        arn=str(raw["Arn"]),
        name=str(raw["RoleName"]),
        id=str(raw.get("RoleId", "")),
        created=raw.get("CreateDate"),
        trust=_trust(raw.get("AssumeRolePolicyDocument"), account),
        policies=tuple(policies),
        boundary_arn=boundary,
        bedrock=bedrock_access(policies, boundary, documents, partition),
        last_used=last_used,
    )


def _bare_user(raw: Mapping[str, Any]) -> IamUser:
    return IamUser(
        arn=str(raw["Arn"]),
        name=str(raw["UserName"]),
        id=str(raw.get("UserId", "")),
        created=raw.get("CreateDate"),
        groups=None,
        policies=None,
    )


def _bare_role(raw: Mapping[str, Any], account: str) -> IamRole:
    return IamRole(
        arn=str(raw["Arn"]),
        name=str(raw["RoleName"]),
        id=str(raw.get("RoleId", "")),
        created=raw.get("CreateDate"),
        trust=_trust(raw.get("AssumeRolePolicyDocument"), account),
        policies=None,
    )


def _trust(document: Any, account: str) -> Trust | None:
    if document is None:
        return None
    try:
        return summarize_trust(document, account)
    except PolicyError:
        return None


def _boundary(raw: Mapping[str, Any]) -> str | None:
    boundary = raw.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None


def bedrock_access(
    policies: Sequence[AttachedPolicy], boundary_arn: str | None, documents: Any, partition: str
) -> BedrockAccess:
    """A principal's effective Bedrock permissions from its policies and permissions boundary (``documents``
    gives a managed policy's document by ARN, ``None`` when unreadable)."""
    statements: list[Statement] = []
    unknown: list[str] = []
    for policy in policies:
        if policy.document is None:
            unknown.append(str(policy.source))
            continue
        try:
            statements.extend(parse_document(policy.document, policy.source))
        except PolicyError:
            unknown.append(str(policy.source))
    boundary: list[Statement] | None = None
    if boundary_arn is not None:
        source = PolicySource(boundary_arn.rsplit("/", 1)[-1], "boundary", boundary_arn)
        document = documents.get(boundary_arn)
        try:
            boundary = None if document is None else parse_document(document, source)
        except PolicyError:
            boundary = None
        if boundary is None:
            unknown.append(str(source))
    invoke = tuple(
        evaluate(statements, action, partition=partition, boundary=boundary, unknown=unknown)
        for action in INVOKE_ACTIONS
    )
    full = evaluate(statements, ALL_BEDROCK, partition=partition, boundary=boundary, unknown=unknown)
    return BedrockAccess(invoke, full)


def _with_keys(iam: Any, calls: Calls, user: IamUser) -> IamUser:
    metadata = calls.run(
        lambda: _listed_keys(iam, user.name),
        service="iam",
        operation="ListAccessKeys",
        region=GLOBAL,
        scope=f"access keys of {user.name}",
    )
    if metadata is None:
        return user
    keys = [_access_key(iam, calls, user.name, item) for item in metadata]
    return replace(user, access_keys=tuple(keys))


def _listed_keys(iam: Any, user: str) -> list[dict[str, Any]]:
    pages = iam.get_paginator("list_access_keys").paginate(UserName=user)
    return [item for page in pages for item in page.get("AccessKeyMetadata", ())]


def _access_key(iam: Any, calls: Calls, user: str, item: Mapping[str, Any]) -> AccessKey:
    key_id = str(item["AccessKeyId"])
    used = calls.run(
        lambda: iam.get_access_key_last_used(AccessKeyId=key_id).get("AccessKeyLastUsed", {}),
        service="iam",
        operation="GetAccessKeyLastUsed",
        region=GLOBAL,
        scope=f"last use of {key_id}",
    )
    used = used or {}
    return AccessKey(
        id=key_id,
        user=user,
        status=str(item.get("Status", "")),
        created=item.get("CreateDate"),
        last_used=used.get("LastUsedDate"),
        last_used_service=_known(used.get("ServiceName")),
        last_used_region=_known(used.get("Region")),
    )


def _known(value: Any) -> str | None:
    """IAM says ``N/A`` for a key never used."""
    return None if value in (None, "", "N/A") else str(value)


def _service_credentials(iam: Any, calls: Calls) -> tuple[ServiceCredential, ...] | None:
    """Every Bedrock service-specific credential of the account (``AllUsers``), page by page."""
    found = calls.run(
        lambda: _credentials_pages(iam),
        service="iam",
        operation="ListServiceSpecificCredentials",
        region=GLOBAL,
        scope="long-term Bedrock API keys",
    )
    return None if found is None else tuple(found)


def _credentials_pages(iam: Any) -> list[ServiceCredential]:
    found: list[ServiceCredential] = []
    marker: str | None = None
    while True:
        arguments: dict[str, Any] = {"AllUsers": True, "ServiceName": BEDROCK_SERVICE}
        if marker:
            arguments["Marker"] = marker
        page = iam.list_service_specific_credentials(**arguments)
        found.extend(_credential(item) for item in page.get("ServiceSpecificCredentials", ()))
        marker = page.get("Marker")
        if not page.get("IsTruncated") or not marker:
            return found


def _credential(item: Mapping[str, Any]) -> ServiceCredential:
    alias = item.get("ServiceCredentialAlias")
    return ServiceCredential(
        id=str(item.get("ServiceSpecificCredentialId", "")),
        user=str(item.get("UserName", "")),
        service=str(item.get("ServiceName", BEDROCK_SERVICE)),
        status=str(item.get("Status", "")),
        created=_moment(item.get("CreateDate")),
        expires=_moment(item.get("ExpirationDate")),
        service_user_name=item.get("ServiceUserName"),
        alias=str(alias) if alias else None,
    )


def _moment(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
