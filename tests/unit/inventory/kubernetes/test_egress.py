"""Which egress rules open egress to any destination (:func:`opens_egress`): any destination on a port other than
DNS, for NetworkPolicies and CiliumNetworkPolicies; which Cilium deny rules close it (:func:`closes_egress`); which
policies put pods in default deny (:func:`restricts_egress`)."""

from __future__ import annotations

from typing import Any

import pytest

from jackwatch.inventory.kubernetes import make_object
from jackwatch.inventory.kubernetes.network import closes_egress, opens_egress, restricts_egress
from jackwatch.inventory.kubernetes.objects import K8sObject

DNS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
KUBE_DNS = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}


def network_policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"podSelector": {"matchLabels": {"app": "app"}}, "policyTypes": ["Egress"], "egress": list(rules)},
    }


def cilium_policy(*rules: dict[str, Any], deny: tuple[dict[str, Any], ...] = (), **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "endpointSelector": {"matchLabels": {"app": "app"}},
            "egress": list(rules),
            **({"egressDeny": list(deny)} if deny else {}),
            **spec,
        },
    }


def made(body: dict[str, Any]) -> K8sObject:
    policy = make_object(body)
    assert policy is not None
    return policy


def opens(body: dict[str, Any]) -> bool:
    return opens_egress(made(body))


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
    "cilium layer 4 only": cilium_policy({"toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}),
    "cilium DNS and 443 to no destination": cilium_policy(
        {"toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}, {"port": "443", "protocol": "TCP"}]}]}
    ),
    "cilium any name": cilium_policy({"toFQDNs": [{"matchPattern": "*"}], "toPorts": [{"ports": [{"port": "443"}]}]}),
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
    "cilium empty rule": cilium_policy({}),
    "cilium layer 4 DNS only": cilium_policy({"toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}]}]}),
    "cilium kube-dns on 53": cilium_policy(
        {"toEndpoints": [{"matchLabels": {"k8s-app": "kube-dns"}}], "toPorts": [{"ports": [{"port": "53"}]}]}
    ),
    "cilium names under a domain": cilium_policy(
        {"toFQDNs": [{"matchPattern": "*.openai.com"}], "toPorts": [{"ports": [{"port": "443"}]}]}
    ),
}


@pytest.mark.parametrize("body", OPEN.values(), ids=OPEN.keys())
def test_rules_to_any_destination_beyond_dns_open_egress(body: dict[str, Any]) -> None:
    assert opens(body)


@pytest.mark.parametrize("body", RESTRICTED.values(), ids=RESTRICTED.keys())
def test_dns_anywhere_and_narrow_destinations_do_not(body: dict[str, Any]) -> None:
    assert not opens(body)


WORLD_DENIED = {
    "world": {"toEntities": ["world"]},
    "all": {"toEntities": ["all"]},
    "both families by entity": {"toEntities": ["world-ipv4", "world-ipv6"]},
    "both families by CIDR": {"toCIDR": ["0.0.0.0/0"], "toCIDRSet": [{"cidr": "::/0"}]},
}
WORLD_NOT_DENIED = {
    "IPv4 only": {"toCIDR": ["0.0.0.0/0"]},
    "world-ipv6 only": {"toEntities": ["world-ipv6"]},
    "world on 443 only": {"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443"}]}]},
    "one network": {"toCIDR": ["203.0.113.0/24"]},
    "the cluster": {"toEntities": ["cluster"]},
}


@pytest.mark.parametrize("rule", WORLD_DENIED.values(), ids=WORLD_DENIED.keys())
def test_a_deny_of_the_world_on_every_port_closes_egress(rule: dict[str, Any]) -> None:
    assert closes_egress(made(cilium_policy({"toEntities": ["world"]}, deny=(rule,))))
    assert closes_egress(made({**cilium_policy(deny=(rule,)), "kind": "CiliumClusterwideNetworkPolicy"}))


@pytest.mark.parametrize("rule", WORLD_NOT_DENIED.values(), ids=WORLD_NOT_DENIED.keys())
def test_narrower_denies_do_not(rule: dict[str, Any]) -> None:
    assert not closes_egress(made(cilium_policy({"toEntities": ["world"]}, deny=(rule,))))


def test_network_policies_deny_nothing_and_always_restrict() -> None:
    policy = made(network_policy({}))
    assert not closes_egress(policy) and restricts_egress(policy)


def test_a_cilium_policy_restricts_unless_it_turns_default_deny_off() -> None:
    assert restricts_egress(made(cilium_policy({"toEntities": ["cluster"]})))
    assert restricts_egress(made(cilium_policy({}, enableDefaultDeny={"ingress": False})))
    assert not restricts_egress(made(cilium_policy({}, enableDefaultDeny={"egress": False})))
