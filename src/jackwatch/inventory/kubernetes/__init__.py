"""The Kubernetes inventory: objects from manifests or a live cluster, sorted into workloads, containers,
identities, Secrets and ConfigMaps (values only through the key detector), and the assets they make."""

from jackwatch.inventory.kubernetes.identity import WorkloadIdentity
from jackwatch.inventory.kubernetes.inventory import (
    Container,
    K8sInventory,
    K8sSettings,
    KeyHolder,
    Workload,
    build_inventory,
)
from jackwatch.inventory.kubernetes.manifests import read_manifest_text, read_manifests
from jackwatch.inventory.kubernetes.objects import K8sObject, make_object, object_ref

__all__ = [
    "Container",
    "K8sInventory",
    "K8sObject",
    "K8sSettings",
    "KeyHolder",
    "Workload",
    "WorkloadIdentity",
    "build_inventory",
    "make_object",
    "object_ref",
    "read_manifest_text",
    "read_manifests",
]
