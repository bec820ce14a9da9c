"""Kubernetes posture checks over a :class:`~jackwatch.inventory.kubernetes.K8sInventory`.

Metadata (title, severity, remediation, kubescape and Checkov equivalents) is in
``content/checks/kubernetes.yaml``; the functions are in this package's modules, registered in :data:`registry`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from jackwatch.checks.base import CheckRun
from jackwatch.checks.kubernetes import containers, keys, network, pods
from jackwatch.checks.kubernetes.common import registry
from jackwatch.inventory.kubernetes import K8sInventory

__all__ = ["containers", "keys", "network", "pods", "registry", "run_checks"]


def run_checks(inventory: K8sInventory, now: datetime, select: Collection[str] | None = None) -> CheckRun:
    """Run every Kubernetes check (or those in ``select``) on ``inventory``."""
    return registry.run(inventory, now, select)
