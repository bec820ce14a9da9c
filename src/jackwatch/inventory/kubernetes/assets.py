"""The assets of a Kubernetes inventory: workloads, their containers, the images they run, Services, Ingresses and
service accounts.

Refs: ``k8s://<cluster>/<namespace>/<Kind>/<name>`` for objects, ``…/<Kind>/<name>/container/<container>`` for a
container (whose parent is its workload), ``image://<canonical reference>`` for an image named by a manifest. Attrs
never hold a secret: env variables by name only, keys by kind and fingerprint.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.kubernetes.ai import ai_signals
from jackwatch.inventory.kubernetes.images import parse_image
from jackwatch.inventory.kubernetes.inventory import Container, K8sInventory, Workload
from jackwatch.inventory.kubernetes.network import (
    ROUTE_KINDS,
    exposures,
    ingress_services,
    route_exposed,
    route_services,
    service_exposure,
)
from jackwatch.inventory.kubernetes.objects import K8sObject, mapping, sequence, string_map
from jackwatch.model import Asset

WORKLOAD = "k8s_workload"
CONTAINER = "k8s_container"
SERVICE = "k8s_service"
INGRESS = "k8s_ingress"
SERVICE_ACCOUNT = "k8s_service_account"
IMAGE = "image"


def inventory_assets(inventory: K8sInventory, catalog: AiCatalog | None = None) -> list[Asset]:
    """Every asset of ``inventory``, workloads (each followed by its containers) first."""
    found: list[Asset] = []
    exposed = exposures(inventory)
    images: dict[str, Asset] = {}
    for workload in inventory.workloads:
        via = [exposure.as_dict() for exposure in exposed.get(workload.ref, [])]
        asset = _with_ai(workload_asset(workload, inventory, via), inventory, workload, catalog)
        found.append(asset)
        for container in workload.containers:
            found.append(container_asset(workload, container, asset.id))
            if container.image and container.image not in images:
                images[container.image] = image_asset(container.image)
    found.extend(images.values())
    found.extend(
        _object_asset(obj, SERVICE, inventory.cluster, _service_attrs(obj)) for obj in inventory.of_kind("Service")
    )
    found.extend(
        _object_asset(obj, INGRESS, inventory.cluster, {"services": sorted(ingress_services(obj))})
        for obj in inventory.of_kind("Ingress")
    )
    found.extend(
        _object_asset(obj, INGRESS, inventory.cluster, {"kind": obj.kind, "services": _route_backends(obj, inventory)})
        for obj in inventory.of_kind(*ROUTE_KINDS)
        if route_exposed(obj, inventory)
    )
    found.extend(
        _object_asset(obj, SERVICE_ACCOUNT, inventory.cluster, {"annotations": obj.annotations})
        for obj in inventory.of_kind("ServiceAccount")
    )
    return found


def _with_ai(asset: Asset, inventory: K8sInventory, workload: Workload, catalog: AiCatalog | None) -> Asset:
    reasons = ai_signals(inventory, workload, catalog)
    return Asset(asset.ref, asset.kind, asset.name, {**asset.attrs, "ai": bool(reasons), "ai_signals": reasons})


def workload_asset(workload: Workload, inventory: K8sInventory, exposed: list[dict[str, Any]]) -> Asset:
    """A workload: kind, namespace, service account, identities, images, where it is written, how it is exposed."""
    obj = workload.obj
    return Asset(
        ref=workload.ref,
        kind=WORKLOAD,
        name=f"{obj.namespace}/{obj.kind}/{obj.name}",
        attrs={
            "cluster": inventory.cluster,
            "kind": obj.kind,
            "namespace": obj.namespace,
            "name": obj.name,
            "file": obj.file,
            "line": obj.line,
            "labels": workload.pod_labels,
            "service_account": workload.service_account,
            "identities": [identity.as_dict() for identity in workload.identities],
            "images": sorted({container.image for container in workload.containers if container.image}),
            "exposed": exposed,
            "owner": workload.owner,
        },
    )


def container_asset(workload: Workload, container: Container, parent: str) -> Asset:
    """A container of a workload: image, list, env variable names (never values), keys found in its environment
    (``variable``) and in its command and args (``argument``: ``args[1]``), by kind and fingerprint."""
    env_names = [
        str(mapping(item).get("name")) for item in sequence(container.body.get("env")) if mapping(item).get("name")
    ]
    return Asset(
        ref=f"{workload.ref}/container/{quote(container.name, safe='')}",
        kind=CONTAINER,
        name=container.name,
        parent=parent,
        attrs={
            "image": container.image,
            "list": container.field,
            "env": env_names,
            "keys": [
                *(
                    {"kind": leak.kind, "fingerprint": leak.fingerprint, "variable": leak.within}
                    for leak in container.env_leaks
                ),
                *(
                    {"kind": leak.kind, "fingerprint": leak.fingerprint, "argument": leak.within}
                    for leak in container.command_leaks
                ),
            ],
        },
    )


def image_asset(reference: str) -> Asset:
    """An image named by a manifest, ref ``image://<canonical reference>``."""
    image = parse_image(reference)
    return Asset(
        ref=f"image://{image.canonical}",
        kind=IMAGE,
        name=reference,
        attrs={
            "reference": reference,
            "repository": image.repository,
            "tag": image.tag,
            "digest": image.digest,
            "source": "kubernetes",
        },
    )


def _route_backends(route: K8sObject, inventory: K8sInventory) -> list[str]:
    """A route's Services by name, ``<namespace>/<name>`` for those of another namespace (a name has no ``/``)."""
    return sorted(
        name if namespace == route.namespace else f"{namespace}/{name}"
        for namespace, name in route_services(route, inventory)
    )


def _service_attrs(service: K8sObject) -> dict[str, Any]:
    spec = mapping(service.body.get("spec"))
    return {
        "type": spec.get("type") or "ClusterIP",
        "selector": string_map(spec.get("selector")),
        "exposed": service_exposure(service),
    }


def _object_asset(obj: K8sObject, kind: str, cluster: str, attrs: dict[str, Any]) -> Asset:
    return Asset(
        ref=obj.ref(cluster),
        kind=kind,
        name=f"{obj.namespace}/{obj.name}",
        attrs={"cluster": cluster, "namespace": obj.namespace, "name": obj.name, "file": obj.file, **attrs},
    )
