"""How workloads meet the network: the Services and Ingresses that reach them, and the NetworkPolicies that
select them.

Selection follows Kubernetes: a Service selects the pods of its namespace whose labels include its ``selector``
(an empty or missing selector selects none); a NetworkPolicy's ``podSelector`` (``matchLabels`` and
``matchExpressions``) selects pods of its namespace (an empty selector selects all); a CiliumNetworkPolicy's
``endpointSelector`` likewise, and a CiliumClusterwideNetworkPolicy's pods of any namespace (which it may name with
the ``io.kubernetes.pod.namespace`` label). An Ingress reaches the workloads of the Services its rules and default
backend name; a Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) those of the Services its
rules name (in its namespace, or in another one that grants it with a ReferenceGrant), when it is attached to a
Gateway that is not known to be internal.

Egress follows Kubernetes and Cilium: once a policy that selects the pods applies to their egress (and puts them in
default deny: every NetworkPolicy does, a Cilium policy unless its ``enableDefaultDeny.egress`` is false), they may
reach only the union of what every such policy allows, so a single policy that opens egress to any destination
leaves it open; and a Cilium ``egressDeny`` rule wins over every allow, so one that denies the world on every port
closes egress to it whatever the others allow.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jackwatch.inventory.kubernetes.inventory import K8sInventory, Workload
from jackwatch.inventory.kubernetes.objects import K8sObject, mapping, sequence, string_map

INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
    "service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
    "networking.gke.io/load-balancer-type": {"internal"},
    "cloud.google.com/load-balancer-type": {"internal"},
    "service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
    "service.beta.kubernetes.io/oci-load-balancer-internal": {"true"},
}
"""Annotations that make a cloud LoadBalancer internal (values compared in lower case)."""

DNS_PORT = 53
"""The port an egress rule to any destination may allow without opening egress (name resolution)."""

OPEN_CILIUM_ENTITIES = {"world", "world-ipv4", "world-ipv6", "all"}
"""Cilium entities that include every address (IPv4, IPv6 or both) outside the cluster."""

WORLD_CILIUM_ENTITIES = {"world", "all"}
"""Cilium entities that include every address outside the cluster, of both families."""

CILIUM_DESTINATIONS = (
    "toEndpoints",
    "toRequires",
    "toEntities",
    "toCIDR",
    "toCIDRSet",
    "toServices",
    "toFQDNs",
    "toGroups",
    "toNodes",
)
"""The layer 3 destinations of a Cilium egress rule: a rule with ports and none of them allows every destination on
those ports."""

ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
"""Gateway API routes (``gateway.networking.k8s.io``: HTTP and gRPC in ``v1``, the others in ``v1alpha2``), which
bring a Gateway's traffic to Services; all name them the same way (``rules[].backendRefs``)."""

GATEWAY_GROUP = "gateway.networking.k8s.io"

INTERNAL_GATEWAY_CLASSES = frozenset(
    {
        "gke-l7-rilb",
        "gke-l7-rilb-mc",
        "gke-l7-cross-regional-internal-managed-mc",
        "amazon-vpc-lattice",
    }
)
"""GatewayClasses whose Gateways are internal by design (GKE's internal Application Load Balancers, Amazon VPC
Lattice); a Gateway of any other class is public unless its infrastructure annotations say it is internal."""

NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
"""The label Cilium gives every pod: its namespace (how a clusterwide policy selects the pods of one)."""


@dataclass(frozen=True, slots=True)
class Exposure:
    """An object that brings outside traffic to a workload: a Service (``LoadBalancer``, ``NodePort``, external
    IPs) or an Ingress (through ``service``)."""

    via: K8sObject
    how: str
    service: K8sObject | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        described: dict[str, Any] = {"kind": self.via.kind, "name": self.via.name, "how": self.how}
        if self.service is not None and self.service is not self.via:
            described["service"] = self.service.name
        return described


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a label selector (``matchLabels`` and ``matchExpressions``) matches ``labels``."""
    for key, value in string_map(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expression in sequence(selector.get("matchExpressions")):
        entry = mapping(expression)
        key, operator = str(entry.get("key", "")), entry.get("operator")
        values = {str(value) for value in sequence(entry.get("values"))}
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def service_selects(service: K8sObject, workload: Workload) -> bool:
    """Whether ``service`` sends its traffic to the pods of ``workload``."""
    selector = string_map(mapping(service.body.get("spec")).get("selector"))
    if not selector or service.namespace != workload.obj.namespace:
        return False
    return all(workload.pod_labels.get(key) == value for key, value in selector.items())


def service_exposure(service: K8sObject) -> str | None:
    """How a Service reaches outside the cluster: ``LoadBalancer``, ``NodePort``, ``externalIPs``, or ``None``."""
    spec = mapping(service.body.get("spec"))
    kind = spec.get("type")
    if kind == "LoadBalancer":
        annotations = {key: value.lower() for key, value in service.annotations.items()}
        internal = any(annotations.get(key) in values for key, values in INTERNAL_LB_ANNOTATIONS.items())
        if not internal:
            return "LoadBalancer"
    if kind == "NodePort":
        return "NodePort"
    if sequence(spec.get("externalIPs")):
        return "externalIPs"
    return None


def ingress_services(ingress: K8sObject) -> set[str]:
    """The names of the Services an Ingress sends traffic to (``networking.k8s.io/v1`` and ``v1beta1`` forms)."""
    spec = mapping(ingress.body.get("spec"))
    backends = [mapping(spec.get("defaultBackend")), mapping(spec.get("backend"))]
    backends.extend(
        mapping(mapping(path).get("backend"))
        for rule in sequence(spec.get("rules"))
        for path in sequence(mapping(mapping(rule).get("http")).get("paths"))
    )
    names: set[str] = set()
    for backend in backends:
        name = mapping(backend.get("service")).get("name") or backend.get("serviceName")
        if isinstance(name, str) and name:
            names.add(name)
    return names


def route_services(route: K8sObject, inventory: K8sInventory) -> set[tuple[str | None, str]]:
    """The Services (namespace, name) a Gateway API route sends traffic to: its rules' ``backendRefs`` of kind Service
    (the default), in its own namespace, or in another one whose ReferenceGrant lets routes of the route's kind and
    namespace refer to that Service (or to every Service there)."""
    found: set[tuple[str | None, str]] = set()
    for rule in sequence(mapping(route.body.get("spec")).get("rules")):
        for ref in map(mapping, sequence(mapping(rule).get("backendRefs"))):
            name, namespace = ref.get("name"), ref.get("namespace") or route.namespace
            if ref.get("group", "") != "" or ref.get("kind", "Service") != "Service" or not isinstance(name, str):
                continue
            if name and (namespace == route.namespace or _granted(inventory, route, str(namespace), name)):
                found.add((str(namespace), name))
    return found


def _granted(inventory: K8sInventory, route: K8sObject, namespace: str, service: str) -> bool:
    """Whether a ReferenceGrant of ``namespace`` lets ``route`` (its kind, from its namespace) refer to ``service``."""
    for grant in inventory.in_namespace("ReferenceGrant", namespace):
        spec = mapping(grant.body.get("spec"))
        sources = [mapping(item) for item in sequence(spec.get("from"))]
        targets = [mapping(item) for item in sequence(spec.get("to"))]
        if any(
            item.get("group") == GATEWAY_GROUP
            and item.get("kind") == route.kind
            and item.get("namespace") == route.namespace
            for item in sources
        ) and any(
            item.get("group", "") == "" and item.get("kind") == "Service" and item.get("name") in (None, service)
            for item in targets
        ):
            return True
    return False


def route_exposed(route: K8sObject, inventory: K8sInventory) -> bool:
    """Whether a Gateway API route takes traffic from outside the cluster: it is attached to a Gateway (its
    ``parentRefs``) and not every Gateway it is attached to is in the inventory and internal (an internal
    load-balancer annotation in its ``spec.infrastructure.annotations``, or a class of
    :data:`INTERNAL_GATEWAY_CLASSES`)."""
    gateways = [
        ref
        for ref in map(mapping, sequence(mapping(route.body.get("spec")).get("parentRefs")))
        if ref.get("group", GATEWAY_GROUP) == GATEWAY_GROUP and ref.get("kind", "Gateway") == "Gateway"
    ]
    if not gateways:
        return False
    known = {(gateway.namespace, gateway.name): gateway for gateway in inventory.of_kind("Gateway")}
    for ref in gateways:
        gateway = known.get((str(ref.get("namespace") or route.namespace), str(ref.get("name"))))
        if gateway is None or not _internal_gateway(gateway):
            return True
    return False


def _internal_gateway(gateway: K8sObject) -> bool:
    spec = mapping(gateway.body.get("spec"))
    if spec.get("gatewayClassName") in INTERNAL_GATEWAY_CLASSES:
        return True
    infrastructure = mapping(spec.get("infrastructure"))
    annotations = {key: str(value).lower() for key, value in string_map(infrastructure.get("annotations")).items()}
    return any(annotations.get(key) in values for key, values in INTERNAL_LB_ANNOTATIONS.items())


def exposures(inventory: K8sInventory) -> dict[str, list[Exposure]]:
    """Every internet-facing path to each workload, by workload ref."""
    services = inventory.of_kind("Service")
    by_name = {(service.namespace, service.name): service for service in services}
    found: dict[str, list[Exposure]] = {}
    workloads: dict[str | None, list[Workload]] = {}
    for workload in inventory.checked_workloads:
        workloads.setdefault(workload.obj.namespace, []).append(workload)
    for service in services:
        how = service_exposure(service)
        if how is None:
            continue
        for workload in workloads.get(service.namespace, []):
            if service_selects(service, workload):
                found.setdefault(workload.ref, []).append(Exposure(service, how, service))
    routes = [
        (ingress, {(ingress.namespace, name) for name in ingress_services(ingress)})
        for ingress in inventory.of_kind("Ingress")
    ]
    routes += [
        (route, route_services(route, inventory))
        for route in inventory.of_kind(*ROUTE_KINDS)
        if route_exposed(route, inventory)
    ]
    for route, names in routes:
        for key in sorted(names, key=str):
            backend = by_name.get(key)
            if backend is None:
                continue
            for workload in workloads.get(backend.namespace, []):
                if service_selects(backend, workload):
                    found.setdefault(workload.ref, []).append(Exposure(route, route.kind, backend))
    return found


def egress_policies(inventory: K8sInventory, workload: Workload) -> Iterator[K8sObject]:
    """The NetworkPolicies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies that select ``workload``'s
    pods and apply to their egress. Egress is restricted when one of them :func:`restricts_egress` and none
    :func:`opens_egress`, or when one :func:`closes_egress`."""
    namespace = workload.obj.namespace
    for policy in inventory.in_namespace("NetworkPolicy", namespace):
        spec = mapping(policy.body.get("spec"))
        types = [str(kind) for kind in sequence(spec.get("policyTypes"))]
        restricts = "Egress" in types if types else "egress" in spec
        if restricts and selects(mapping(spec.get("podSelector")), workload.pod_labels):
            yield policy
    labels = {**workload.pod_labels, NAMESPACE_LABEL: namespace or "default"}
    cilium = [
        *inventory.in_namespace("CiliumNetworkPolicy", namespace),
        *inventory.of_kind("CiliumClusterwideNetworkPolicy"),
    ]
    for policy in cilium:
        spec = mapping(policy.body.get("spec"))
        if ("egress" in spec or "egressDeny" in spec) and selects(
            _cilium_selector(mapping(spec.get("endpointSelector"))), labels
        ):
            yield policy


def restricts_egress(policy: K8sObject) -> bool:
    """Whether ``policy`` puts the pods it selects in default deny for egress (only what some policy allows may
    leave): a NetworkPolicy always, a Cilium policy unless its ``enableDefaultDeny.egress`` is false (a policy that
    only adds what others allow)."""
    if not _is_cilium(policy):
        return True
    return mapping(mapping(policy.body.get("spec")).get("enableDefaultDeny")).get("egress") is not False


def closes_egress(policy: K8sObject) -> bool:
    """Whether an ``egressDeny`` rule of a Cilium policy denies every address outside the cluster, of both
    families, on every port: the entity ``world`` or ``all``, both ``world-ipv4`` and ``world-ipv6``, or a /0
    CIDR of both families, without ``toPorts``. Deny rules win over every allow rule of every policy."""
    if not _is_cilium(policy):
        return False
    rules = sequence(mapping(policy.body.get("spec")).get("egressDeny"))
    return any(_denies_world(mapping(rule)) for rule in rules)


def _denies_world(rule: Mapping[str, Any]) -> bool:
    if rule.get("toPorts"):
        return False
    entities = {str(entity) for entity in sequence(rule.get("toEntities"))}
    families = {network.version for network in map(_network, _cidrs(rule)) if network and network.prefixlen == 0}
    return bool(entities & WORLD_CILIUM_ENTITIES) or {"world-ipv4", "world-ipv6"} <= entities or families == {4, 6}


def opens_egress(policy: K8sObject) -> bool:
    """Whether one of the egress rules of ``policy`` (a NetworkPolicy or a CiliumNetworkPolicy) allows any
    destination on a port other than DNS.

    A rule allows any destination when it has no ``to`` (or an empty one), or a peer ``ipBlock`` of prefix length 0
    (``0.0.0.0/0``, ``::/0``, whatever its ``except``); for Cilium, when its ``toEntities`` include ``world`` (or
    ``world-ipv4``, ``world-ipv6``, ``all``) or its ``toCIDR``/``toCIDRSet`` a prefix of length 0. Its ports
    (``ports``; Cilium's ``toPorts``) go beyond DNS unless every one is port 53 (without an ``endPort`` past it):
    no ports, a port without a number, a named port or a range count as other ports. So ``egress: [{}]`` opens
    egress and "DNS to anywhere" does not. A Cilium rule with ports and no destination (no ``toEndpoints``,
    ``toEntities``, ``toCIDR``… a layer 4 rule) allows every destination on them, and a ``toFQDNs`` pattern ``*``
    every name; an empty Cilium rule allows nothing."""
    rules = sequence(mapping(policy.body.get("spec")).get("egress"))
    if _is_cilium(policy):
        return any(_cilium_rule_opens(mapping(rule)) for rule in rules)
    return any(_rule_opens(mapping(rule)) for rule in rules)


def _rule_opens(rule: Mapping[str, Any]) -> bool:
    peers = sequence(rule.get("to"))
    anywhere = not peers or any(_all_addresses(mapping(mapping(peer).get("ipBlock")).get("cidr")) for peer in peers)
    return anywhere and not _dns_only(sequence(rule.get("ports")))


def _cilium_rule_opens(rule: Mapping[str, Any]) -> bool:
    entities = {str(entity) for entity in sequence(rule.get("toEntities"))}
    names = {str(mapping(entry).get("matchPattern")) for entry in sequence(rule.get("toFQDNs"))}
    port_rules = [mapping(entry) for entry in sequence(rule.get("toPorts"))]
    anywhere = (
        bool(entities & OPEN_CILIUM_ENTITIES)
        or any(_all_addresses(cidr) for cidr in _cidrs(rule))
        or "*" in names
        or (bool(port_rules) and not any(rule.get(field) for field in CILIUM_DESTINATIONS))
    )
    every_port = any(not sequence(entry.get("ports")) for entry in port_rules)  # a port rule without ports
    ports = [port for entry in port_rules for port in sequence(entry.get("ports"))]
    return anywhere and (every_port or not _dns_only(ports))


def _cidrs(rule: Mapping[str, Any]) -> list[Any]:
    """The CIDRs of a Cilium rule's ``toCIDR`` and ``toCIDRSet``."""
    return [*sequence(rule.get("toCIDR")), *(mapping(entry).get("cidr") for entry in sequence(rule.get("toCIDRSet")))]


def _all_addresses(cidr: Any) -> bool:
    """Whether ``cidr`` is a prefix of length 0 (every IPv4 or every IPv6 address)."""
    network = _network(cidr)
    return network is not None and network.prefixlen == 0


def _network(cidr: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return None


def _is_cilium(policy: K8sObject) -> bool:
    return policy.kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")


def _dns_only(ports: Sequence[Any]) -> bool:
    """Whether the ports of a rule allow port 53 alone (no ports allow every port)."""
    return bool(ports) and all(_is_dns(mapping(port)) for port in ports)


def _is_dns(port: Mapping[str, Any]) -> bool:
    number = port.get("port")
    if isinstance(number, str) and number.isdigit():  # Cilium writes port numbers as strings
        number = int(number)
    return number == DNS_PORT and port.get("endPort") in (None, DNS_PORT)


def _cilium_selector(selector: Mapping[str, Any]) -> Mapping[str, Any]:
    """Cilium writes labels as ``k8s:app`` or ``any:app`` sometimes: compare on the bare key."""
    labels = {key.split(":", 1)[-1]: value for key, value in string_map(selector.get("matchLabels")).items()}
    return {"matchLabels": labels, "matchExpressions": selector.get("matchExpressions")}
