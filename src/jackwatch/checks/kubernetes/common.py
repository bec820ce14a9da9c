"""What the Kubernetes checks share: the registry, and how a hit on a workload or a container is described."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.checks.base import CheckRegistry, Hit
from jackwatch.inventory.kubernetes import Container, K8sInventory, K8sObject, Workload
from jackwatch.inventory.kubernetes.objects import line_of, mapping
from jackwatch.model import Severity

registry: CheckRegistry[K8sInventory] = CheckRegistry("kubernetes")
"""The Kubernetes checks, metadata in ``content/checks/kubernetes.yaml``."""


def resource(obj: K8sObject, line: int | None = None, **extra: Any) -> dict[str, Any]:
    """An object as a finding shows it; ``line`` is the most precise line known (a field's, else the object's)."""
    described = obj.resource(**extra)
    described["object_line"] = obj.line
    if line is not None:
        described["line"] = line
    return described


def container_hit(
    workload: Workload,
    container: Container,
    *,
    field: str | None = None,
    fix: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    key: str | None = None,
    severity: Severity | None = None,
    line: int | None = None,
) -> Hit:
    """A hit on ``container`` of ``workload``: key is the container name, the line ``line``, else that of ``field``
    of its securityContext, else the container's."""
    if line is None:
        line = _line(container, field)
    return Hit(
        subject=workload.ref,
        key=key or container.key or container.name,
        resource=resource(workload.obj, line, container=container.name, container_list=container.field),
        fix=fix,
        evidence=evidence or {},
        severity=severity,
    )


def _line(container: Container, field: str | None) -> int | None:
    line = line_of(container.body)
    if field is not None:
        context = container.body.get("securityContext")
        line = line_of(context, field) if field in mapping(context) else line_of(container.body, "securityContext")
        line = line or line_of(container.body)
    return line


def workload_hit(
    workload: Workload,
    *,
    field: str | None = None,
    fix: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    key: str = "",
    severity: Severity | None = None,
) -> Hit:
    """A hit on ``workload`` itself (its pod spec): the line that of ``field`` of the pod spec when written."""
    line = line_of(workload.spec, field) if field is not None else None
    return Hit(
        subject=workload.ref,
        key=key,
        resource=resource(workload.obj, line),
        fix=fix,
        evidence=evidence or {},
        severity=severity,
    )
