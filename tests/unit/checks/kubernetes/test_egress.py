"""``k8s.workload.ai_egress_unrestricted``: an AI workload is restricted only when a policy that selects it restricts
egress and none opens it (policies add up), or a Cilium deny rule closes egress to the world (denies win); its fix
creates a NetworkPolicy that replaces none of the namespace."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.checks.kubernetes.kit import apply_fix, container, deployment, hits, inventory

CHECK = "k8s.workload.ai_egress_unrestricted"
AI = deployment({"containers": [container(image="ollama/ollama:0.3.0")]}, name="llm")
DNS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
TO_KUBE_DNS = {
    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
    "ports": DNS,
}
TO_OPENAI = {"to": [{"ipBlock": {"cidr": "162.159.140.245/32"}}], "ports": [{"protocol": "TCP", "port": 443}]}


def policy(name: str, types: list[str], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"podSelector": {"matchLabels": {"app": "llm"}}, "policyTypes": types, **spec},
    }


def egress(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return policy(name, ["Egress"], egress=list(rules))


INGRESS_ONLY = policy("llm-egress", ["Ingress"], ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}])


def cilium(name: str, selector: dict[str, str], kind: str = "CiliumNetworkPolicy", **spec: Any) -> dict[str, Any]:
    metadata = {"name": name} if kind == "CiliumClusterwideNetworkPolicy" else {"name": name, "namespace": "ns"}
    return {
        "apiVersion": "cilium.io/v2",
        "kind": kind,
        "metadata": metadata,
        "spec": {"endpointSelector": {"matchLabels": selector}, **spec},
    }


LLM = {"app": "llm"}
CILIUM_WORLD = cilium("to-world", LLM, egress=[{"toEntities": ["world"]}])
HTTPS_ANYWHERE = cilium("https", LLM, egress=[{"toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}])
NAMESPACE_TO_WORLD = cilium(
    "ns-to-world",
    {"k8s:io.kubernetes.pod.namespace": "ns"},
    "CiliumClusterwideNetworkPolicy",
    egress=[{"toEntities": ["all"]}],
)
DENY_WORLD = cilium("no-world", {}, "CiliumClusterwideNetworkPolicy", egressDeny=[{"toEntities": ["world"]}])

UNRESTRICTED = {
    "allow all": [egress("all", {})],
    "internet minus private ranges": [
        egress("internet", {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "192.168.0.0/16"]}}]})
    ],
    "every IPv6 address": [egress("v6", TO_KUBE_DNS, {"to": [{"ipBlock": {"cidr": "::/0"}}]})],
    "443 anywhere": [egress("https", {"ports": [{"protocol": "TCP", "port": 443}]})],
    "a restricting and an allow-all policy": [egress("restrict", TO_KUBE_DNS, TO_OPENAI), egress("open", {})],
    "cilium world": [CILIUM_WORLD],
    "cilium 443 to any destination": [HTTPS_ANYWHERE],
    "a clusterwide policy for the namespace": [NAMESPACE_TO_WORLD],
    "a deny of one port does not close the rest": [
        cilium("no-443", LLM, egressDeny=[{"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443"}]}]}]),
        CILIUM_WORLD,
    ],
}

RESTRICTED = {
    "DNS to anywhere and one endpoint": [egress("dns", {"ports": DNS}, TO_OPENAI)],
    "DNS and one endpoint": [egress("restrict", TO_KUBE_DNS, TO_OPENAI)],
    "deny all": [egress("deny")],
    "a clusterwide deny of the world beats an allow-all": [egress("open", {}), DENY_WORLD],
    "a deny of the world in the policy that allows it": [
        cilium("both", LLM, egress=[{"toEntities": ["all"]}], egressDeny=[{"toEntities": ["world"]}])
    ],
    "a clusterwide policy for another namespace, and a restricting one": [
        {
            **NAMESPACE_TO_WORLD,
            "spec": {
                **NAMESPACE_TO_WORLD["spec"],
                "endpointSelector": {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "other"}},
            },
        },
        egress("restrict", TO_KUBE_DNS),
    ],
}


def test_a_cilium_policy_without_default_deny_restricts_nothing_by_itself() -> None:
    allow_only = cilium(
        "add-openai", LLM, egress=[{"toFQDNs": [{"matchName": "api.openai.com"}]}], enableDefaultDeny={"egress": False}
    )
    [hit] = hits(CHECK, inventory(AI, allow_only))
    assert "egress_opened_by" not in hit.evidence and hit.fix is not None
    assert hits(CHECK, apply_fix(inventory(AI, allow_only), hit.fix)) == []
    assert hits(CHECK, inventory(AI, allow_only, cilium("lockdown", LLM, egress=[{}]))) == []


@pytest.mark.parametrize("policies", UNRESTRICTED.values(), ids=UNRESTRICTED.keys())
def test_a_policy_that_opens_egress_leaves_the_workload_unrestricted(policies: list[dict[str, Any]]) -> None:
    [hit] = hits(CHECK, inventory(AI, *policies))
    opener = policies[-1]
    assert hit.evidence["egress_opened_by"] == [f"{opener['kind']}/{opener['metadata']['name']}"]
    assert hit.fix is None  # a new policy would not close what another opens


@pytest.mark.parametrize("policies", RESTRICTED.values(), ids=RESTRICTED.keys())
def test_restricting_policies_and_dns_anywhere_pass(policies: list[dict[str, Any]]) -> None:
    assert hits(CHECK, inventory(AI, *policies)) == []


def test_without_a_policy_the_fix_creates_workload_egress() -> None:
    [hit] = hits(CHECK, inventory(AI))
    assert hit.fix is not None and hit.fix["create"]["metadata"] == {"name": "llm-egress", "namespace": "ns"}
    assert "egress_opened_by" not in hit.evidence


def test_the_fix_does_not_replace_a_policy_of_the_same_name() -> None:
    other_namespace = {**egress("llm-egress-2"), "metadata": {"name": "llm-egress-2", "namespace": "other"}}
    built = inventory(AI, INGRESS_ONLY, other_namespace)
    [hit] = hits(CHECK, built)
    assert hit.fix is not None
    created = hit.fix["create"]["metadata"]["name"]
    assert created == "llm-egress-2" and '"llm-egress"' not in hit.fix["kubectl"]
    assert hit.fix["kubectl"].startswith("kubectl create -f -")  # refuses a same-named policy the scan missed
    fixed = apply_fix(built, hit.fix)
    assert hits(CHECK, fixed) == []
    kept = [obj.body for obj in fixed.in_namespace("NetworkPolicy", "ns") if obj.name == "llm-egress"]
    assert kept == [INGRESS_ONLY]


def created_name(workload: str, *taken: str) -> str:
    """The name of the policy the fix creates for the AI Deployment ``workload`` beside ingress-only ``taken``."""
    named = deployment({"containers": [container(image="ollama/ollama:0.3.0")]}, name=workload)
    others = [{**INGRESS_ONLY, "metadata": {"name": name, "namespace": "ns"}} for name in taken]
    [hit] = hits(CHECK, inventory(named, *others))
    assert hit.fix is not None
    return str(hit.fix["create"]["metadata"]["name"])


def test_policy_names_skip_every_taken_name_and_fit_dns_1123() -> None:
    assert created_name("llm", "llm-egress", "llm-egress-2", "llm-egress-4") == "llm-egress-3"
    cut = "a" * 245 + ".bcd"  # cut after the dot, which goes too: a name ends in a letter or digit
    assert created_name(cut) == "a" * 245 + "-egress"
    assert created_name(cut, "a" * 245 + "-egress") == "a" * 244 + "-egress-2"
    assert len(created_name("x" * 253)) == len(created_name("x" * 253, "x" * 246 + "-egress")) == 253
