"""AWS posture checks over an :class:`~jackwatch.inventory.aws.AwsInventory`: the settings and credentials that
make LLMjacking possible, or invisible.

Metadata (title, severity, remediation, Prowler and CIS equivalents) is in ``content/checks/aws.yaml``; the
functions are in this package's modules, registered in :data:`registry`. Findings are seen at the inventory's
``collected_at``; key ages are counted to that moment.
"""

from __future__ import annotations

from collections.abc import Collection

from jackwatch.checks.aws import bedrock, cloudtrail, iam
from jackwatch.checks.aws.common import registry
from jackwatch.checks.base import CheckRun
from jackwatch.inventory.aws.model import AwsInventory

__all__ = ["bedrock", "cloudtrail", "iam", "registry", "run_checks"]


def run_checks(inventory: AwsInventory, select: Collection[str] | None = None) -> CheckRun:
    """Run every AWS check (or those in ``select``) on ``inventory``."""
    return registry.run(inventory, inventory.collected_at, select)
