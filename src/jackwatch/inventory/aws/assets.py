"""The AWS inventory as assets: refs ``aws://<account>/<region>/<arn>`` (region ``global`` for IAM and the account;
where a setting has no ARN — Bedrock's settings in a region — the service name stands in its place).

The account is the parent of every other asset. Attributes never hold a secret: access key ids and Bedrock API key
aliases are identifiers (IAM returns no secret after a key is made).
"""

from __future__ import annotations

from typing import Any

from jackwatch.inventory.aws.model import GLOBAL, AwsInventory, IamRole, IamUser
from jackwatch.model import Asset

ACCOUNT = "aws_account"
USER = "aws_iam_user"
ROLE = "aws_iam_role"
BEDROCK = "aws_bedrock"
GUARDRAIL = "aws_bedrock_guardrail"
TRAIL = "aws_cloudtrail_trail"


def aws_ref(account: str, region: str, arn: str) -> str:
    """``aws://<account>/<region>/<arn>``."""
    return f"aws://{account}/{region}/{arn}"


def account_ref(inventory: AwsInventory) -> str:
    """The ref of the account."""
    return aws_ref(inventory.account, GLOBAL, inventory.account_arn)


def bedrock_ref(inventory: AwsInventory, region: str) -> str:
    """The ref of Bedrock's settings in ``region``."""
    return aws_ref(inventory.account, region, "bedrock")


def principal_ref(inventory: AwsInventory, arn: str) -> str:
    """The ref of an IAM user or role."""
    return aws_ref(inventory.account, GLOBAL, arn)


def aws_assets(inventory: AwsInventory) -> list[Asset]:
    """The account first, then its users, roles, Bedrock regions, guardrails and trails."""
    account = Asset(
        ref=account_ref(inventory),
        kind=ACCOUNT,
        name=inventory.account,
        attrs={
            "account": inventory.account,
            "partition": inventory.partition,
            "regions": list(inventory.regions),
            "bedrock_regions": list(inventory.bedrock_regions),
            "partial": inventory.partial,
            "failures": [failure.as_dict() for failure in inventory.failures],
        },
    )
    parent = account.id
    found = [account]
    found.extend(_user(inventory, user, parent) for user in inventory.users or ())
    found.extend(_role(inventory, role, parent) for role in inventory.roles or ())
    for region in inventory.bedrock:
        found.append(
            Asset(
                ref=bedrock_ref(inventory, region.region),
                kind=BEDROCK,
                name=f"Bedrock {region.region}",
                parent=parent,
                attrs={
                    "account": inventory.account,
                    "region": region.region,
                    "invocation_logging": None if region.logging is None else region.logging.as_dict(),
                    "guardrails": None if region.guardrails is None else len(region.guardrails),
                },
            )
        )
        found.extend(
            Asset(
                ref=aws_ref(inventory.account, region.region, guardrail.arn),
                kind=GUARDRAIL,
                name=guardrail.name,
                parent=parent,
                attrs={"region": region.region, "id": guardrail.id, "status": guardrail.status},
            )
            for guardrail in region.guardrails or ()
        )
    found.extend(
        Asset(
            ref=aws_ref(inventory.account, trail.home_region, trail.arn),
            kind=TRAIL,
            name=trail.name,
            parent=parent,
            attrs={
                "home_region": trail.home_region,
                "multi_region": trail.multi_region,
                "organization": trail.organization,
                "logging": trail.logging,
                "reads_management": trail.reads_management,
                "why_not": trail.why_not,
                "s3_bucket": trail.s3_bucket,
            },
        )
        for trail in inventory.trails
    )
    return found


def _user(inventory: AwsInventory, user: IamUser, parent: str) -> Asset:
    now = inventory.collected_at
    credentials = [
        credential.as_dict() for credential in inventory.service_credentials or () if credential.user == user.name
    ]
    attrs: dict[str, Any] = {
        "arn": user.arn,
        "account": inventory.account,
        "groups": None if user.groups is None else list(user.groups),
        "policies": None if user.policies is None else [policy.source.as_dict() for policy in user.policies],
        "permissions_boundary": user.boundary_arn,
        "bedrock": None if user.bedrock is None else user.bedrock.as_dict(),
        "access_keys": None if user.access_keys is None else [key.as_dict(now) for key in user.access_keys],
        "bedrock_api_keys": credentials if inventory.service_credentials is not None else None,
        "bedrock_api_key_user": user.bedrock_api_key_user,
    }
    return Asset(ref=principal_ref(inventory, user.arn), kind=USER, name=user.name, parent=parent, attrs=attrs)


def _role(inventory: AwsInventory, role: IamRole, parent: str) -> Asset:
    attrs: dict[str, Any] = {
        "arn": role.arn,
        "account": inventory.account,
        "trust": None if role.trust is None else role.trust.as_dict(),
        "policies": None if role.policies is None else [policy.source.as_dict() for policy in role.policies],
        "permissions_boundary": role.boundary_arn,
        "bedrock": None if role.bedrock is None else role.bedrock.as_dict(),
        "last_used": None if role.last_used is None else role.last_used.isoformat(),
    }
    return Asset(ref=principal_ref(inventory, role.arn), kind=ROLE, name=role.name, parent=parent, attrs=attrs)
