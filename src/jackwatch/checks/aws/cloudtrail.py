"""CloudTrail check: every region read must be covered by a logging trail that records read-only management
events, Bedrock's included."""

from __future__ import annotations

from collections.abc import Iterator

from jackwatch.checks.aws.common import registry, resource
from jackwatch.checks.aws.fixes import cloudtrail_fix
from jackwatch.checks.base import Hit
from jackwatch.inventory.aws.assets import account_ref
from jackwatch.inventory.aws.model import AwsInventory


def coverage(inventory: AwsInventory) -> tuple[list[str], list[str]]:
    """The regions read that no trail covers with read management events, and those that cannot be told (their
    trails could not be listed, or a trail's status or selectors could not be read)."""
    missing: list[str] = []
    unknown: list[str] = []
    listed = set(inventory.trail_regions)
    for region in inventory.regions:
        if region not in listed:
            unknown.append(region)
            continue
        states = [trail.complete for trail in inventory.trails if trail.covers(region)]
        if True in states:
            continue
        (unknown if None in states else missing).append(region)
    return missing, unknown


@registry.check("aws.cloudtrail.read_management_events_not_logged")
def read_management_events(inventory: AwsInventory) -> Iterator[Hit]:
    """One finding for the account when some regions are not covered."""
    missing, unknown = coverage(inventory)
    if not missing:
        return
    yield Hit(
        subject=account_ref(inventory),
        resource=resource(inventory, "aws_account", inventory.account, inventory.account_arn),
        fix=cloudtrail_fix(inventory.trails, inventory.regions, inventory.account, inventory.partition),
        evidence={
            "regions_not_covered": missing,
            "regions_unknown": unknown,
            "trails": [
                {
                    "name": trail.name,
                    "arn": trail.arn,
                    "home_region": trail.home_region,
                    "multi_region": trail.multi_region,
                    "organization": trail.organization,
                    "logging": trail.logging,
                    "reads_management": trail.reads_management,
                    "why_not": trail.why_not,
                }
                for trail in inventory.trails
            ],
        },
    )
