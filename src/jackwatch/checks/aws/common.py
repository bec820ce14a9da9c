"""What the AWS checks share: the registry, and how an account, a principal or a region is described in a hit."""

from __future__ import annotations

from typing import Any

from jackwatch.checks.base import CheckRegistry
from jackwatch.inventory.aws.model import GLOBAL, AwsInventory

registry: CheckRegistry[AwsInventory] = CheckRegistry("aws")
"""The AWS checks, metadata in ``content/checks/aws.yaml``."""


def resource(
    inventory: AwsInventory, kind: str, name: str, arn: str | None, region: str = GLOBAL, **extra: Any
) -> dict[str, Any]:
    """A resource as a finding shows it: kind, name, ARN (``None`` for a setting that has none), account,
    region."""
    return {"kind": kind, "name": name, "arn": arn, "account": inventory.account, "region": region, **extra}


def user_arn(inventory: AwsInventory, name: str) -> str:
    """The ARN of the IAM user ``name`` (as listed; else built without a path)."""
    for user in inventory.users or ():
        if user.name == name:
            return user.arn
    return f"arn:{inventory.partition}:iam::{inventory.account}:user/{name}"
