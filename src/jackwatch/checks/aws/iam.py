"""IAM checks: users whose long-term keys can invoke Bedrock, old access keys, full Bedrock access on users, and
long-term Bedrock API keys."""

from __future__ import annotations

from collections.abc import Iterator

from jackwatch.checks.aws.common import registry, resource, user_arn
from jackwatch.checks.aws.fixes import api_key_fix, full_access_fix, invoke_fix, rotate_key_fix
from jackwatch.checks.base import Hit
from jackwatch.inventory.aws.assets import principal_ref
from jackwatch.inventory.aws.model import AwsInventory, IamUser
from jackwatch.model import Severity

MAX_KEY_AGE_DAYS = 90
"""Access keys active for longer than this are reported."""


def _user_resource(inventory: AwsInventory, user: IamUser) -> dict[str, object]:
    return resource(inventory, "iam_user", user.name, user.arn)


@registry.check("aws.iam.user_long_term_key_can_invoke_bedrock")
def long_term_key_can_invoke(inventory: AwsInventory) -> Iterator[Hit]:
    """Users with an active access key whose policies allow model inference."""
    now = inventory.collected_at
    for user in inventory.users or ():
        keys = user.active_keys
        if not keys or user.bedrock is None or not user.bedrock.can_invoke:
            continue
        verdicts = [verdict for verdict in user.bedrock.invoke if verdict.allowed]
        conditional = all(verdict.conditional for verdict in verdicts)
        yield Hit(
            subject=principal_ref(inventory, user.arn),
            resource=_user_resource(inventory, user),
            fix=invoke_fix(user.name, keys),
            evidence={
                "access_keys": [key.as_dict(now) for key in keys],
                "allowed_actions": [verdict.action for verdict in verdicts],
                "allowed_by": sorted({statement.label for v in verdicts for statement in v.allowed_by}),
                "conditional": conditional,
                "unknown_policies": list(verdicts[0].unknown),
            },
            severity=Severity.MEDIUM if conditional else None,
        )


@registry.check("aws.iam.access_key_older_than_90_days")
def old_access_keys(inventory: AwsInventory) -> Iterator[Hit]:
    """Active access keys created more than :data:`MAX_KEY_AGE_DAYS` days before the inventory."""
    now = inventory.collected_at
    for user in inventory.users or ():
        for key in user.active_keys:
            age = key.age_days(now)
            if age is None or age <= MAX_KEY_AGE_DAYS:
                continue
            yield Hit(
                subject=principal_ref(inventory, user.arn),
                key=key.id,
                resource=_user_resource(inventory, user),
                fix=rotate_key_fix(user.name, key),
                evidence={"access_key": key.as_dict(now), "age_days": age, "max_age_days": MAX_KEY_AGE_DAYS},
            )


@registry.check("aws.iam.user_bedrock_full_access")
def full_access(inventory: AwsInventory) -> Iterator[Hit]:
    """Users whose policies allow every Bedrock action."""
    for user in inventory.users or ():
        if user.bedrock is None or not user.bedrock.full.allowed:
            continue
        grants = tuple(dict.fromkeys(statement.source for statement in user.bedrock.full.allowed_by))
        yield Hit(
            subject=principal_ref(inventory, user.arn),
            resource=_user_resource(inventory, user),
            fix=full_access_fix(user.name, grants, inventory.account, inventory.partition),
            evidence={
                "granted_by": [grant.as_dict() for grant in grants],
                "statements": [statement.label for statement in user.bedrock.full.allowed_by],
                "conditional": user.bedrock.full.conditional,
                "limited_by": [statement.label for statement in user.bedrock.full.limited_by],
            },
        )


@registry.check("aws.bedrock.long_term_api_key")
def long_term_api_keys(inventory: AwsInventory) -> Iterator[Hit]:
    """Active, unexpired long-term Bedrock API keys: high when they never expire, medium otherwise."""
    now = inventory.collected_at
    for credential in inventory.service_credentials or ():
        if not credential.usable(now):
            continue
        arn = user_arn(inventory, credential.user)
        yield Hit(
            subject=principal_ref(inventory, arn),
            key=credential.id,
            resource=resource(inventory, "iam_user", credential.user, arn),
            fix=api_key_fix(credential),
            evidence={"api_key": credential.as_dict(), "expires": credential.expires is not None},
            severity=Severity.MEDIUM if credential.expires is not None else None,
        )
