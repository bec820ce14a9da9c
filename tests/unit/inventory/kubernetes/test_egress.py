"""Which egress rules open egress to any destination (:func:`opens_egress`): any destination on a port other than
DNS, for NetworkPolicies and CiliumNetworkPolicies."""

from __future__ import annotations

from typing import Any

import pytest

from jackwatch.inventory.kubernetes import make_object
from jackwatch.inventory.kubernetes.network import opens_egress

DNS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
KUBE_DNS = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}


def network_policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"podSelector": {"matchLabels": {"app": "app"}}, "policyTypes": ["Egress"], "egress": list(rules)},
    }


def cilium_policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"endpointSelector": {"matchLabels": {"app": "app"}}, "egress": list(rules)},
    }


def opens(body: dict[str, Any]) -> bool:
    policy = make_object(body)
    assert policy is not None
    return opens_egress(policy)


OPEN = {
    "allow all": network_policy({}),
    "no to, port 443": network_policy({"ports": [{"protocol": "TCP", "port": 443}]}),
    "empty to": network_policy({"to": [], "ports": [{"protocol": "TCP", "port": 443}]}),
    "internet minus private ranges": network_policy(
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}}]}
    ),
    "every IPv6 address": network_policy({"to": [{"ipBlock": {"cidr": "::/0"}}]}),
    "/0 among other peers": network_policy({"to": [KUBE_DNS, {"ipBlock": {"cidr": "0.0.0.0/0"}}]}),
    "DNS and 443 anywhere": network_policy({"ports": [*DNS, {"protocol": "TCP", "port": 443}]}),
    "a protocol without port": network_policy({"ports": [{"protocol": "UDP"}]}),
    "a named port": network_policy({"ports": [{"protocol": "TCP", "port": "https"}]}),
    "a range from 53": network_policy({"ports": [{"protocol": "TCP", "port": 53, "endPort": 80}]}),
    "one opening rule among restricted ones": network_policy({"to": [KUBE_DNS], "ports": DNS}, {}),
    "cilium world": cilium_policy({"toEntities": ["world"]}),
    "cilium all on 443": cilium_policy({"toEntities": ["all"], "toPorts": [{"ports": [{"port": "443"}]}]}),
    "cilium world-ipv4": cilium_policy({"toEntities": ["world-ipv4"]}),
    "cilium toCIDR /0": cilium_policy({"toCIDR": ["0.0.0.0/0"]}),
    "cilium toCIDRSet /0 with except": cilium_policy({"toCIDRSet": [{"cidr": "::/0", "except": ["fd00::/8"]}]}),
    "cilium port rule without ports": cilium_policy({"toEntities": ["world"], "toPorts": [{"rules": {}}]}),
}

RESTRICTED = {
    "deny all": network_policy(),
    "DNS to anywhere": network_policy({"ports": DNS}),
    "DNS range of one port": network_policy({"ports": [{"protocol": "UDP", "port": 53, "endPort": 53}]}),
    "DNS to kube-system": network_policy({"to": [KUBE_DNS], "ports": DNS}),
    "one network": network_policy({"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}),
    "a host": network_policy({"to": [{"ipBlock": {"cidr": "0.0.0.0/32"}}], "ports": [{"port": 443}]}),
    "every namespace": network_policy({"to": [{"namespaceSelector": {}}]}),
    "cilium DNS to world": cilium_policy(
        {"toEntities": ["world"], "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": []}}]}
    ),
    "cilium cluster": cilium_policy({"toEntities": ["cluster"]}),
    "cilium FQDN": cilium_policy(
        {"toFQDNs": [{"matchName": "api.openai.com"}], "toPorts": [{"ports": [{"port": "443"}]}]}
    ),
    "cilium one network": cilium_policy({"toCIDRSet": [{"cidr": "10.0.0.0/8"}]}),
}


@pytest.mark.parametrize("body", OPEN.values(), ids=OPEN.keys())
def test_rules_to_any_destination_beyond_dns_open_egress(body: dict[str, Any]) -> None:
    assert opens(body)


@pytest.mark.parametrize("body", RESTRICTED.values(), ids=RESTRICTED.keys())
def test_dns_anywhere_and_narrow_destinations_do_not(body: dict[str, Any]) -> None:
    assert not opens(body)
