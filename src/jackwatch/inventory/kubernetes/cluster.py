"""Kubernetes objects from a live cluster, through the official ``kubernetes`` client (kubeconfig or in-cluster).

Every workload kind, Pods, Services, Ingresses, NetworkPolicies, ServiceAccounts, RBAC roles and bindings,
ConfigMaps and Secrets are listed (all namespaces, or the given ones), page by page, and the Gateway API's Gateways
and routes and Cilium's network policies where the cluster has them. The responses are read as JSON as the API
server sent them (nothing is lost to client models). A list the credentials may not read (403), or that the
cluster does not serve (404), is recorded in ``denied`` and the inventory marked partial, except a custom resource
the cluster does not define (404: the Gateway API or Cilium is not installed, so there is nothing to miss); a
cluster that cannot be reached at all is a :class:`~jackwatch.errors.SourceError`. Secret values go straight to the
key detector (:func:`~jackwatch.inventory.kubernetes.inventory.build_inventory`) and are not kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.inventory.kubernetes.inventory import K8sInventory, K8sSettings, build_inventory
from jackwatch.inventory.kubernetes.objects import K8sObject, make_object
from jackwatch.sources.stats import ReadStats

PAGE_SIZE = 500
REQUEST_TIMEOUT = 30.0


CUSTOM_OBJECTS = "CustomObjectsApi"


@dataclass(frozen=True, slots=True)
class Resource:
    """A listed resource: the client's API class, the method stem (``list_<stem>_for_all_namespaces``,
    ``list_namespaced_<stem>``, or ``list_<stem>`` when cluster-scoped; for a custom resource, its plural), its kind
    and apiVersion. A custom resource (:data:`CUSTOM_OBJECTS`) is listed through the API of custom objects, and may
    be missing from the cluster."""

    api: str
    stem: str
    kind: str
    api_version: str
    namespaced: bool = True

    @property
    def custom(self) -> bool:
        """Whether it is a custom resource, which a cluster serves only when its definition is installed."""
        return self.api == CUSTOM_OBJECTS

    @property
    def plural(self) -> str:
        """The resource's name in the API (``networkpolicies``), in messages and in RBAC rules."""
        if self.custom:
            return self.stem
        name = self.kind.lower()
        if name.endswith("y"):
            return name[:-1] + "ies"
        return name + ("es" if name.endswith("s") else "s")

    @property
    def group(self) -> str:
        """The resource's API group (``""`` for the core group)."""
        return self.api_version.rpartition("/")[0]


_RBAC = "rbac.authorization.k8s.io/v1"
_GATEWAY = "gateway.networking.k8s.io/v1"
_GATEWAY_ALPHA = "gateway.networking.k8s.io/v1alpha2"

RESOURCES: tuple[Resource, ...] = (
    Resource("CoreV1Api", "pod", "Pod", "v1"),
    Resource("CoreV1Api", "service", "Service", "v1"),
    Resource("CoreV1Api", "service_account", "ServiceAccount", "v1"),
    Resource("CoreV1Api", "config_map", "ConfigMap", "v1"),
    Resource("CoreV1Api", "secret", "Secret", "v1"),
    Resource("CoreV1Api", "replication_controller", "ReplicationController", "v1"),
    Resource("CoreV1Api", "namespace", "Namespace", "v1", namespaced=False),
    Resource("AppsV1Api", "deployment", "Deployment", "apps/v1"),
    Resource("AppsV1Api", "replica_set", "ReplicaSet", "apps/v1"),
    Resource("AppsV1Api", "stateful_set", "StatefulSet", "apps/v1"),
    Resource("AppsV1Api", "daemon_set", "DaemonSet", "apps/v1"),
    Resource("BatchV1Api", "job", "Job", "batch/v1"),
    Resource("BatchV1Api", "cron_job", "CronJob", "batch/v1"),
    Resource("NetworkingV1Api", "ingress", "Ingress", "networking.k8s.io/v1"),
    Resource("NetworkingV1Api", "network_policy", "NetworkPolicy", "networking.k8s.io/v1"),
    Resource("RbacAuthorizationV1Api", "role", "Role", _RBAC),
    Resource("RbacAuthorizationV1Api", "role_binding", "RoleBinding", _RBAC),
    Resource("RbacAuthorizationV1Api", "cluster_role", "ClusterRole", _RBAC, namespaced=False),
    Resource("RbacAuthorizationV1Api", "cluster_role_binding", "ClusterRoleBinding", _RBAC, namespaced=False),
    Resource(CUSTOM_OBJECTS, "gateways", "Gateway", _GATEWAY),
    Resource(CUSTOM_OBJECTS, "httproutes", "HTTPRoute", _GATEWAY),
    Resource(CUSTOM_OBJECTS, "grpcroutes", "GRPCRoute", _GATEWAY),
    Resource(CUSTOM_OBJECTS, "tlsroutes", "TLSRoute", _GATEWAY_ALPHA),
    Resource(CUSTOM_OBJECTS, "tcproutes", "TCPRoute", _GATEWAY_ALPHA),
    Resource(CUSTOM_OBJECTS, "udproutes", "UDPRoute", _GATEWAY_ALPHA),
    Resource(CUSTOM_OBJECTS, "referencegrants", "ReferenceGrant", "gateway.networking.k8s.io/v1beta1"),
    Resource(CUSTOM_OBJECTS, "ciliumnetworkpolicies", "CiliumNetworkPolicy", "cilium.io/v2"),
    Resource(
        CUSTOM_OBJECTS, "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy", "cilium.io/v2", False
    ),
)
"""What is listed, in this order."""


def connect(kubeconfig: Path | None = None, context: str | None = None, in_cluster: bool = False) -> tuple[Any, str]:
    """An API client and the cluster's name: from ``kubeconfig`` (default: ``$KUBECONFIG`` or ``~/.kube/config``)
    and its ``context`` (default: the current one), or from the pod's service account (``in_cluster``)."""
    import kubernetes  # imported here: only live scans need it
    from kubernetes.config.config_exception import ConfigException

    client: Any = kubernetes.client
    config: Any = kubernetes.config

    try:
        if in_cluster:
            configuration = client.Configuration()
            config.load_incluster_config(client_configuration=configuration)
            return client.ApiClient(configuration), "in-cluster"
        path = str(kubeconfig) if kubeconfig is not None else None
        contexts, active = config.list_kube_config_contexts(config_file=path)
        chosen = next((item for item in contexts if item.get("name") == context), None) if context else active
        if chosen is None:
            raise ConfigError(f"no context {context!r} in the kubeconfig")
        api = config.new_client_from_config(config_file=path, context=chosen["name"], persist_config=False)
        cluster = str(chosen.get("context", {}).get("cluster") or chosen["name"])
        return api, cluster
    except ConfigException as error:
        raise ConfigError(f"cannot load the Kubernetes configuration: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read the kubeconfig: {error.strerror or error}") from None


def list_objects(api: Any, stats: ReadStats, denied: list[str], namespaces: Sequence[str] = ()) -> Iterator[K8sObject]:
    """Every object of :data:`RESOURCES` the credentials may list; refusals go to ``denied``."""
    for resource in RESOURCES:
        scopes: Sequence[str | None] = namespaces if namespaces and resource.namespaced else [None]
        for namespace in scopes:
            try:
                for item in _pages(api, resource, namespace):
                    obj = make_object({"apiVersion": resource.api_version, "kind": resource.kind, **item})
                    if obj is None:
                        where = Location(f"cluster {_where(resource, namespace)}")
                        stats.skip("not_an_object", where, "an item without metadata.name")
                        continue
                    stats.events_read += 1
                    yield obj
            except _Refused as refused:
                if not (resource.custom and refused.status == _NOT_FOUND):  # a custom resource not defined here
                    denied.append(f"{_where(resource, namespace)}: {refused}")
    stats.files_read += 1


class _Refused(Exception):
    """The API server answered but would not list (403, 404, 401…): ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


_NOT_FOUND = 404


def _where(resource: Resource, namespace: str | None) -> str:
    return f"{resource.plural} in {namespace}" if namespace else resource.plural


def _pages(api: Any, resource: Resource, namespace: str | None) -> Iterator[dict[str, Any]]:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    group = getattr(client, resource.api)(api)
    arguments: dict[str, Any]
    if resource.custom:
        api_group, version = resource.api_version.split("/")
        arguments = {"group": api_group, "version": version, "plural": resource.stem}
        if namespace is None:
            method = group.list_cluster_custom_object
        else:
            method, arguments["namespace"] = group.list_namespaced_custom_object, namespace
    elif not resource.namespaced:
        method, arguments = getattr(group, f"list_{resource.stem}"), {}
    elif namespace is None:
        method, arguments = getattr(group, f"list_{resource.stem}_for_all_namespaces"), {}
    else:
        method, arguments = getattr(group, f"list_namespaced_{resource.stem}"), {"namespace": namespace}
    token: str | None = None
    while True:
        if token:
            arguments["_continue"] = token
        try:
            response = method(limit=PAGE_SIZE, _preload_content=False, _request_timeout=REQUEST_TIMEOUT, **arguments)
        except ApiException as error:
            raise _Refused(f"{error.status} {error.reason or ''}".strip(), error.status) from None
        except (HTTPError, OSError) as error:
            host = getattr(getattr(api, "configuration", None), "host", "the cluster")
            raise SourceError(f"cannot reach the Kubernetes API at {host}: {error}") from None
        try:
            document = orjson.loads(response.data)
        except orjson.JSONDecodeError as error:
            raise _Refused(f"the answer is not JSON ({error})") from None
        items = document.get("items") if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise _Refused("the answer has no items")
        yield from (item for item in items if isinstance(item, dict))
        token = (document.get("metadata") or {}).get("continue")
        if not token:
            return


def read_cluster(
    kubeconfig: Path | None = None,
    context: str | None = None,
    *,
    in_cluster: bool = False,
    namespaces: Sequence[str] = (),
    cluster_name: str | None = None,
    settings: K8sSettings | None = None,
) -> K8sInventory:
    """The inventory of a live cluster (partial, with ``denied`` listing what was refused, when the credentials
    may not list everything)."""
    api, name = connect(kubeconfig, context, in_cluster)
    stats = ReadStats()
    denied: list[str] = []
    try:
        objects = list(list_objects(api, stats, denied, namespaces))
    finally:
        close = getattr(api, "close", None)
        if callable(close):
            close()
    inventory = build_inventory(objects, cluster_name or name, stats, settings)
    inventory.denied = denied
    inventory.partial = bool(denied)
    return inventory
