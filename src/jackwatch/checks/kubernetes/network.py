"""Network checks: workloads reachable from the internet, and AI workloads whose egress nothing restricts (a
stolen LLM key or a hijacked agent then talks to anything)."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from typing import Any

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes.common import registry, workload_hit
from jackwatch.checks.kubernetes.fixes import Patch, create_fix
from jackwatch.inventory.kubernetes import K8sInventory, K8sObject, Workload
from jackwatch.inventory.kubernetes.ai import ai_signals
from jackwatch.inventory.kubernetes.network import (
    Exposure,
    closes_egress,
    egress_policies,
    exposures,
    opens_egress,
    restricts_egress,
    selects,
)
from jackwatch.inventory.kubernetes.objects import mapping, sequence

_LOAD_BALANCER_FIELDS = (
    "externalTrafficPolicy",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "loadBalancerClass",
    "allocateLoadBalancerNodePorts",
    "healthCheckNodePort",
    "externalIPs",
)
"""Service fields the API accepts only for NodePort or LoadBalancer Services (or that expose on their own)."""

_NAME_LIMIT = 253
"""The longest name of an object such as a NetworkPolicy (a DNS-1123 subdomain)."""


@registry.check("k8s.workload.internet_exposed")
def internet_exposed(inventory: K8sInventory) -> Iterator[Hit]:
    """A workload reached from outside the cluster through a LoadBalancer, NodePort or external-IP Service, or an
    Ingress (one hit per exposing object)."""
    found = exposures(inventory)
    for workload in inventory.checked_workloads:
        for exposure in found.get(workload.ref, []):
            fix = _service_fix(exposure.via) if exposure.via.kind == "Service" else None
            yield workload_hit(
                workload,
                key=f"{exposure.via.kind}/{exposure.via.name}",
                fix=fix,
                evidence={"via": exposure.as_dict(), "exposed_by": _exposed_by(exposure)},
            )


def _exposed_by(exposure: Exposure) -> dict[str, Any]:
    return exposure.via.resource()


def _service_fix(service: K8sObject) -> dict[str, Any]:
    """Make the Service internal: ``type: ClusterIP`` without node ports and load-balancer settings."""
    spec = mapping(service.body.get("spec"))
    patch = Patch(service).set(("spec", "type"), "ClusterIP")
    for field in _LOAD_BALANCER_FIELDS:
        if field in spec:
            patch.remove(("spec", field))
    for index, port in enumerate(sequence(spec.get("ports"))):
        if "nodePort" in mapping(port):
            patch.remove(("spec", "ports", index, "nodePort"))
    return patch.fix(f"make the Service {service.name} internal (type: ClusterIP); publish through a reviewed path")


@registry.check("k8s.workload.ai_egress_unrestricted")
def ai_egress_unrestricted(inventory: K8sInventory) -> Iterator[Hit]:
    """An AI workload (its images or environment say so) whose egress no policy restricts, or that a policy selecting
    it opens to any destination (policies add up, so that one leaves egress open whatever the others allow; no fix
    then: the opening rule is for people to narrow, and the evidence names its policies). A Cilium deny rule that
    closes egress to the world settles it, whatever the allow rules say."""
    for workload in inventory.checked_workloads:
        reasons = ai_signals(inventory, workload)
        if not reasons:
            continue
        policies = list(egress_policies(inventory, workload))
        if any(closes_egress(policy) for policy in policies):
            continue
        opening = [f"{policy.kind}/{policy.name}" for policy in policies if opens_egress(policy)]
        if opening:
            yield workload_hit(workload, evidence={"ai": reasons, "egress_opened_by": opening})
        elif not any(restricts_egress(policy) for policy in policies):
            yield workload_hit(workload, fix=_egress_fix(inventory, workload), evidence={"ai": reasons})


def _egress_fix(inventory: K8sInventory, workload: Workload) -> dict[str, Any] | None:
    """A NetworkPolicy that lets the pods reach only the cluster DNS (allow the LLM endpoints they need), named so
    that it replaces no NetworkPolicy of the namespace."""
    labels = _selector_labels(workload)
    if not labels:
        return None
    taken = {policy.name for policy in inventory.in_namespace("NetworkPolicy", workload.obj.namespace)}
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": _policy_name(workload.obj.name, taken), "namespace": workload.obj.namespace},
        "spec": {
            "podSelector": {"matchLabels": labels},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }
    return create_fix("restrict egress to DNS; add rules for the endpoints the workload must reach", policy)


def _policy_name(workload: str, taken: Collection[str]) -> str:
    """``<workload>-egress``, else ``<workload>-egress-2``, ``-3``…: the first name not ``taken``, the workload's
    name cut so that it fits the 253 characters of an object name and still ends in a letter or digit (DNS-1123)."""
    suffixes = (f"-egress-{number}" if number > 1 else "-egress" for number in itertools.count(1))
    names = (workload[: _NAME_LIMIT - len(suffix)].rstrip("-.") + suffix for suffix in suffixes)
    return next(name for name in names if name not in taken)


def _selector_labels(workload: Workload) -> dict[str, str]:
    """The labels that pick out the workload's pods: its ``selector.matchLabels``, else its pod labels."""
    selector = mapping(mapping(workload.obj.body.get("spec")).get("selector"))
    labels = {str(key): str(value) for key, value in mapping(selector.get("matchLabels")).items()}
    if labels and selects({"matchLabels": labels}, workload.pod_labels):
        return labels
    return dict(workload.pod_labels)
