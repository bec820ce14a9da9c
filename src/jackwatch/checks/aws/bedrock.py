"""Bedrock checks: model invocation logging per region, and guardrails."""

from __future__ import annotations

from collections.abc import Iterator

from jackwatch.checks.aws.common import registry, resource
from jackwatch.checks.aws.fixes import guardrail_fix, logging_fix
from jackwatch.checks.base import Hit
from jackwatch.inventory.aws.assets import account_ref, bedrock_ref
from jackwatch.inventory.aws.model import AwsInventory


@registry.check("aws.bedrock.invocation_logging_disabled")
def invocation_logging(inventory: AwsInventory) -> Iterator[Hit]:
    """Every region read where Bedrock is offered and invocations are logged nowhere (regions whose setting could
    not be read are left out: they are in the failures)."""
    for region in inventory.bedrock:
        if region.logging is None or region.logging.enabled:
            continue
        yield Hit(
            subject=bedrock_ref(inventory, region.region),
            resource=resource(
                inventory,
                "bedrock_invocation_logging",
                f"Bedrock invocation logging in {region.region}",
                None,
                region.region,
            ),
            fix=logging_fix(inventory.account, region.region, inventory.partition),
            evidence={"logging_config": region.logging.as_dict()},
        )


@registry.check("aws.bedrock.no_guardrails")
def no_guardrails(inventory: AwsInventory) -> Iterator[Hit]:
    """No guardrail in any Bedrock region read (not reported when a region's guardrails could not be listed)."""
    regions = inventory.bedrock
    if not regions or any(region.guardrails is None or region.guardrails for region in regions):
        return
    home = "us-east-1" if "us-east-1" in inventory.bedrock_regions else inventory.bedrock_regions[0]
    yield Hit(
        subject=account_ref(inventory),
        resource=resource(inventory, "aws_account", inventory.account, inventory.account_arn),
        fix=guardrail_fix(home),
        evidence={"regions": [region.region for region in regions]},
    )
