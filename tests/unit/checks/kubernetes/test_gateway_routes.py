"""``k8s.workload.internet_exposed`` through the Gateway API: an HTTPRoute or GRPCRoute attached to a Gateway that is
not known to be internal exposes the workloads of the Services of its namespace it sends traffic to."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.checks.kubernetes.kit import deployment, hits, inventory

from jackwatch.inventory.kubernetes.assets import inventory_assets

CHECK = "k8s.workload.internet_exposed"
APP = deployment({"containers": [{"name": "app", "image": "vllm/vllm-openai:v0.6.0"}]})
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "app", "namespace": "ns"},
    "spec": {"selector": {"app": "app"}, "ports": [{"port": 80}]},
}


def gateway(name: str = "public", namespace: str = "ns", **annotations: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"gatewayClassName": "eg", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}
    if annotations:
        spec["infrastructure"] = {"annotations": annotations}
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def route(
    *backends: dict[str, Any], parents: list[dict[str, Any]] | None = None, kind: str = "HTTPRoute"
) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": "chat", "namespace": "ns"},
        "spec": {
            "parentRefs": [{"name": "public"}] if parents is None else parents,
            "rules": [{"backendRefs": list(backends or [{"name": "app", "port": 80}])}],
        },
    }


INTERNAL = gateway(**{"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})

EXPOSED = {
    "a route to a public Gateway": [gateway(), route()],
    "a route to a Gateway the scan does not see": [route()],
    "a GRPCRoute": [gateway(), route(kind="GRPCRoute")],
    "a TCPRoute (v1alpha2)": [
        gateway(),
        {**route(kind="TCPRoute"), "apiVersion": "gateway.networking.k8s.io/v1alpha2"},
    ],
    "a Gateway of another namespace": [
        gateway(namespace="infra"),
        route(parents=[{"name": "public", "namespace": "infra"}]),
    ],
    "one public Gateway among internal ones": [
        INTERNAL,
        gateway("edge"),
        route(parents=[{"name": "public"}, {"name": "edge", "sectionName": "http"}]),
    ],
}
NOT_EXPOSED = {
    "an internal Gateway": [INTERNAL, route()],
    "a Gateway of an internal class": [
        {**gateway(), "spec": {**gateway()["spec"], "gatewayClassName": "gke-l7-rilb"}},
        route(),
    ],
    "no parent": [gateway(), route(parents=[])],
    "a mesh route (parent Service)": [gateway(), route(parents=[{"group": "", "kind": "Service", "name": "app"}])],
}
FOREIGN_BACKENDS = {
    "a backend in another namespace, without a ReferenceGrant": {"name": "app", "namespace": "other", "port": 80},
    "a backend that is not a Service": {"group": "example.com", "kind": "Bucket", "name": "app"},
}


@pytest.mark.parametrize("objects", EXPOSED.values(), ids=EXPOSED.keys())
def test_routes_attached_to_a_gateway_not_known_internal_expose_their_backends(objects: list[dict[str, Any]]) -> None:
    built = inventory(APP, SERVICE, *objects)
    [hit] = hits(CHECK, built)
    kind = objects[-1]["kind"]
    via = {"kind": kind, "name": "chat", "how": kind, "service": "app"}
    assert hit.key == f"{kind}/chat" and hit.evidence["via"] == via
    assert hit.fix is None
    [asset] = [a for a in inventory_assets(built) if a.ref == f"k8s://test/ns/{kind}/chat"]
    assert asset.kind == "k8s_ingress" and asset.attrs["services"] == ["app"] and asset.attrs["kind"] == kind


@pytest.mark.parametrize("objects", NOT_EXPOSED.values(), ids=NOT_EXPOSED.keys())
def test_routes_not_attached_to_a_public_gateway_expose_nothing(objects: list[dict[str, Any]]) -> None:
    built = inventory(APP, SERVICE, *objects)
    assert hits(CHECK, built) == []
    assert not [a for a in inventory_assets(built) if a.kind == "k8s_ingress"]


@pytest.mark.parametrize("backend", FOREIGN_BACKENDS.values(), ids=FOREIGN_BACKENDS.keys())
def test_backends_outside_the_routes_namespace_or_not_services_are_not_followed(backend: dict[str, Any]) -> None:
    built = inventory(APP, SERVICE, gateway(), route(backend))
    assert hits(CHECK, built) == []
    [asset] = [a for a in inventory_assets(built) if a.kind == "k8s_ingress"]
    assert asset.attrs["services"] == []  # the route is an entry point all the same


def reference_grant(kind: str = "HTTPRoute", source: str = "ns", **target: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "ReferenceGrant",
        "metadata": {"name": "from-ns", "namespace": "models"},
        "spec": {
            "from": [{"group": "gateway.networking.k8s.io", "kind": kind, "namespace": source}],
            "to": [{"group": "", "kind": "Service", **target}],
        },
    }


MODELS_APP = deployment({"containers": [{"name": "app", "image": "vllm/vllm-openai:v0.6.0"}]}, namespace="models")
MODELS_SERVICE = {**SERVICE, "metadata": {"name": "app", "namespace": "models"}}
TO_MODELS = {"name": "app", "namespace": "models", "port": 80}


@pytest.mark.parametrize(
    "grant", [reference_grant(), reference_grant(name="app")], ids=["every Service", "this Service"]
)
def test_a_reference_grant_lets_a_route_expose_a_service_of_another_namespace(grant: dict[str, Any]) -> None:
    built = inventory(MODELS_APP, MODELS_SERVICE, gateway(), route(TO_MODELS), grant)
    [hit] = hits(CHECK, built)
    assert hit.subject == "k8s://test/models/Deployment/app" and hit.key == "HTTPRoute/chat"
    [asset] = [a for a in inventory_assets(built) if a.kind == "k8s_ingress"]
    assert asset.attrs["services"] == ["models/app"]


@pytest.mark.parametrize(
    "grant",
    [reference_grant(kind="GRPCRoute"), reference_grant(source="other"), reference_grant(name="another")],
    ids=["for another kind of route", "for another namespace", "for another Service"],
)
def test_a_grant_for_something_else_lets_nothing_through(grant: dict[str, Any]) -> None:
    assert hits(CHECK, inventory(MODELS_APP, MODELS_SERVICE, gateway(), route(TO_MODELS), grant)) == []
