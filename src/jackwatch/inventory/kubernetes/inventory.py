"""The Kubernetes inventory: objects sorted into workloads (with their pod spec, containers and cloud identities),
Secrets and ConfigMaps (with the keys found in them), and the rest kept by kind.

Secret values never stay in memory past :func:`build_inventory`: each Secret's ``data`` (base64-decoded) and
``stringData`` go through the key detector, then the body keeps only the names of its keys (the
``last-applied-configuration`` annotation, which repeats the values, is dropped too).

Containers' literal ``env`` values, ``command`` and ``args`` items, ConfigMap values, and the
``last-applied-configuration`` annotation of workloads and ConfigMaps go through the key detector as well.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from jackwatch.inventory.kubernetes.identity import WorkloadIdentity, workload_identities
from jackwatch.inventory.kubernetes.objects import K8sObject, mapping, sequence, string_map
from jackwatch.inventory.leaks import Leak, scan_environment
from jackwatch.sources.stats import ReadStats

POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
"""Where each workload kind keeps its pod spec."""

WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS)

CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")
"""The container lists of a pod spec."""

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""The annotation ``kubectl apply`` writes the whole applied manifest to."""


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a workload: ``field`` is its list (``containers``, ``initContainers``,
    ``ephemeralContainers``), ``path`` the JSON path of the container from the object's root. ``key`` tells it
    apart in findings: its name, or ``name@field[index]`` for a second container of the same name (which the API
    would refuse, but a manifest can hold). ``env_leaks`` are the keys in its literal environment (``within``: the
    variable), ``command_leaks`` those in its ``command`` and ``args`` (``within``: ``command[2]``, ``args[1]``)."""

    name: str
    image: str
    field: str
    index: int
    body: Mapping[str, Any]
    path: tuple[str | int, ...]
    env_leaks: tuple[Leak, ...] = ()
    command_leaks: tuple[Leak, ...] = ()
    key: str = ""

    @property
    def security_context(self) -> Mapping[str, Any]:
        """The container's securityContext (empty when unset)."""
        return mapping(self.body.get("securityContext"))

    def literal_env(self) -> dict[str, str]:
        """The container's environment variables given as literal values (not ``valueFrom``), by name."""
        values: dict[str, str] = {}
        for item in sequence(self.body.get("env")):
            entry = mapping(item)
            name, value = entry.get("name"), entry.get("value")
            if isinstance(name, str) and isinstance(value, str | int | float) and not isinstance(value, bool):
                values[name] = str(value)
        return values

    def command_line(self) -> dict[str, str]:
        """The text items of the container's ``command`` then ``args``, by place (``command[2]``, ``args[1]``)."""
        return {
            f"{list_field}[{index}]": item
            for list_field in ("command", "args")
            for index, item in enumerate(sequence(self.body.get(list_field)))
            if isinstance(item, str)
        }


@dataclass(frozen=True, slots=True)
class Workload:
    """An object that runs pods: its pod spec (``spec_path`` from the root), the pods' labels, its containers,
    its service account and the cloud identities it can use. ``owner`` is ``Kind/name`` of the controller that
    made it (a live Pod's ReplicaSet) when that controller is in the inventory too. ``applied_leaks`` are the keys
    its ``last-applied-configuration`` annotation holds and its containers do not."""

    obj: K8sObject
    ref: str
    spec: Mapping[str, Any]
    spec_path: tuple[str, ...]
    pod_labels: dict[str, str]
    pod_annotations: dict[str, str]
    containers: tuple[Container, ...]
    service_account: str
    identities: tuple[WorkloadIdentity, ...] = ()
    owner: str | None = None
    applied_leaks: tuple[Leak, ...] = ()

    @property
    def namespace(self) -> str:
        """The workload's namespace."""
        return self.obj.namespace or ""


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """A Secret or ConfigMap: the names of its keys and the credentials found in its values (redacted); for a
    ConfigMap, ``applied_leaks`` are those its ``last-applied-configuration`` annotation holds and its data does not
    (a Secret's annotation is dropped: it would repeat the Secret's values)."""

    obj: K8sObject
    ref: str
    keys: tuple[str, ...]
    leaks: tuple[Leak, ...]
    applied_leaks: tuple[Leak, ...] = ()


@dataclass(frozen=True, slots=True)
class K8sSettings:
    """Inputs of the checks: repositories whose images need no digest (``registry.local/team``, matched on whole
    path segments)."""

    digest_exempt_repositories: tuple[str, ...] = ()


@dataclass(slots=True)
class K8sInventory:
    """Everything read from manifests or a cluster.

    ``partial`` is true when some of it could not be read (a list the cluster refused): ``denied`` says which, and
    checks that need what is missing may miss findings.
    """

    cluster: str
    objects: list[K8sObject]
    workloads: list[Workload]
    secrets: list[KeyHolder]
    configmaps: list[KeyHolder]
    stats: ReadStats = field(default_factory=ReadStats)
    partial: bool = False
    denied: list[str] = field(default_factory=list)
    settings: K8sSettings = field(default_factory=K8sSettings)
    _by_kind: dict[str, list[K8sObject]] = field(default_factory=dict)
    _by_namespace: dict[tuple[str, str | None], list[K8sObject]] = field(default_factory=dict)
    _holders: dict[tuple[str, str | None, str], KeyHolder] = field(default_factory=dict)

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        """The objects of ``kinds``, in reading order."""
        if not self._by_kind:
            for obj in self.objects:
                self._by_kind.setdefault(obj.kind, []).append(obj)
        return [obj for kind in kinds for obj in self._by_kind.get(kind, [])]

    def in_namespace(self, kind: str, namespace: str | None) -> list[K8sObject]:
        """The objects of ``kind`` in ``namespace``, in reading order."""
        if not self._by_namespace:
            for obj in self.objects:
                self._by_namespace.setdefault((obj.kind, obj.namespace), []).append(obj)
        return self._by_namespace.get((kind, namespace), [])

    def key_holder(self, kind: str, namespace: str | None, name: object) -> KeyHolder | None:
        """The Secret or ConfigMap (``kind``) of that name in ``namespace``, when the inventory holds it."""
        if not self._holders:
            for holder in (*self.secrets, *self.configmaps):
                self._holders.setdefault((holder.obj.kind, holder.obj.namespace, holder.obj.name), holder)
        return self._holders.get((kind, namespace, name)) if isinstance(name, str) else None

    @property
    def checked_workloads(self) -> list[Workload]:
        """The workloads checks look at: those not made by another workload of the inventory (a Deployment's
        ReplicaSets and Pods would repeat its findings)."""
        return [workload for workload in self.workloads if workload.owner is None]

    def kinds(self) -> dict[str, int]:
        """How many objects of each kind, by kind."""
        counts: dict[str, int] = {}
        for obj in self.objects:
            counts[obj.kind] = counts.get(obj.kind, 0) + 1
        return dict(sorted(counts.items()))


def build_inventory(
    objects: Iterable[K8sObject],
    cluster: str,
    stats: ReadStats | None = None,
    settings: K8sSettings | None = None,
) -> K8sInventory:
    """Sort ``objects`` of ``cluster`` into an inventory; Secret values are scanned for keys and dropped."""
    kept: list[K8sObject] = []
    secrets: list[KeyHolder] = []
    configmaps: list[KeyHolder] = []
    for obj in objects:
        if obj.kind == "Secret":
            holder = _secret(obj, cluster)
            secrets.append(holder)
            kept.append(holder.obj)
        else:
            if obj.kind == "ConfigMap":
                configmaps.append(_configmap(obj, cluster))
            kept.append(obj)
    accounts = {(obj.namespace, obj.name): obj for obj in kept if obj.kind == "ServiceAccount"}
    present = {(obj.namespace, obj.kind, obj.name) for obj in kept}
    workloads = [workload for obj in kept if (workload := make_workload(obj, cluster, accounts, present)) is not None]
    return K8sInventory(
        cluster,
        kept,
        workloads,
        secrets,
        configmaps,
        stats=stats or ReadStats(),
        settings=settings or K8sSettings(),
    )


def pod_spec(obj: K8sObject) -> tuple[Mapping[str, Any], tuple[str, ...]] | None:
    """The pod spec of a workload object and its path, or ``None`` (not a workload, or no spec)."""
    path = POD_SPEC_PATHS.get(obj.kind)
    if path is None:
        return None
    node: object = obj.body
    for key in path:
        node = mapping(node).get(key)
    return (node, path) if isinstance(node, Mapping) else None


def make_workload(
    obj: K8sObject,
    cluster: str,
    accounts: Mapping[tuple[str | None, str], K8sObject],
    present: set[tuple[str | None, str, str]],
) -> Workload | None:
    """The workload ``obj`` is, or ``None`` when it runs no pods."""
    found = pod_spec(obj)
    if found is None:
        return None
    spec, path = found
    template = obj.metadata if obj.kind == "Pod" else mapping(_parent(obj.body, path).get("metadata"))
    containers = tuple(_containers(spec, path))
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    account_name = account if isinstance(account, str) else "default"
    pod_labels = string_map(template.get("labels"))
    identities = workload_identities(
        accounts.get((obj.namespace, account_name)), pod_labels, [container.literal_env() for container in containers]
    )
    return Workload(
        obj=obj,
        ref=obj.ref(cluster),
        spec=spec,
        spec_path=path,
        pod_labels=pod_labels,
        pod_annotations=string_map(template.get("annotations")),
        containers=containers,
        service_account=account_name,
        identities=tuple(identities),
        owner=_owner(obj, present),
        applied_leaks=_applied_leaks(obj, [leak for c in containers for leak in (*c.env_leaks, *c.command_leaks)]),
    )


def _parent(body: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any]:
    node: Mapping[str, Any] = body
    for key in path[:-1]:
        node = mapping(node.get(key))
    return node


def _containers(spec: Mapping[str, Any], path: tuple[str, ...]) -> Iterable[Container]:
    seen: set[str] = set()
    for list_field in CONTAINER_FIELDS:
        for index, item in enumerate(sequence(spec.get(list_field))):
            body = mapping(item)
            name, image = body.get("name"), body.get("image")
            shown = name if isinstance(name, str) else f"{list_field}[{index}]"
            key = shown if shown not in seen else f"{shown}@{list_field}[{index}]"
            seen.add(shown)
            container = Container(
                name=shown,
                image=image if isinstance(image, str) else "",
                field=list_field,
                index=index,
                body=body,
                path=(*path, list_field, index),
                key=key,
            )
            env, command = container.literal_env(), container.command_line()
            yield replace(
                container,
                env_leaks=tuple(scan_environment(env, where="env")) if env else (),
                command_leaks=tuple(scan_environment(command, where="command line")) if command else (),
            )


def _owner(obj: K8sObject, present: set[tuple[str | None, str, str]]) -> str | None:
    for reference in sequence(obj.metadata.get("ownerReferences")):
        owner = mapping(reference)
        kind, name = owner.get("kind"), owner.get("name")
        if isinstance(kind, str) and isinstance(name, str) and (obj.namespace, kind, name) in present:
            return f"{kind}/{name}"
    return None


def _secret(obj: K8sObject, cluster: str) -> KeyHolder:
    """The Secret without its values: keys scanned (``data`` decoded from base64), body reduced to key names."""
    values: dict[str, str] = {}
    undecodable: list[str] = []
    for key, value in mapping(obj.body.get("data")).items():
        if isinstance(value, str):
            try:
                values[str(key)] = base64.b64decode(value, validate=False).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                undecodable.append(str(key))
    for key, value in mapping(obj.body.get("stringData")).items():
        if isinstance(value, str | int | float):
            values[str(key)] = str(value)
    leaks = tuple(scan_environment(values, where="data")) if values else ()
    keys = tuple(sorted({*values, *undecodable}))
    metadata = dict(obj.metadata)
    annotations = {k: v for k, v in mapping(metadata.get("annotations")).items() if k != LAST_APPLIED}
    if "annotations" in metadata:
        metadata["annotations"] = annotations
    body: dict[str, Any] = {
        key: value for key, value in obj.body.items() if key not in {"data", "stringData", "metadata"}
    }
    body["metadata"] = metadata
    body["keys"] = list(keys)
    return KeyHolder(replace(obj, body=body), obj.ref(cluster), keys, leaks)


def _configmap(obj: K8sObject, cluster: str) -> KeyHolder:
    values = {str(key): str(value) for key, value in mapping(obj.body.get("data")).items() if value is not None}
    leaks = tuple(scan_environment(values, where="data")) if values else ()
    binary = [str(key) for key in mapping(obj.body.get("binaryData"))]
    return KeyHolder(obj, obj.ref(cluster), tuple(sorted({*values, *binary})), leaks, _applied_leaks(obj, leaks))


def _applied_leaks(obj: K8sObject, live: Iterable[Leak]) -> tuple[Leak, ...]:
    """The keys in the ``last-applied-configuration`` annotation of ``obj`` that are not among the ``live`` ones
    (by fingerprint): a key removed from the object since it was applied, which the annotation still shows to anyone
    who can read the object. ``within`` is the path, in the applied object, of the mapping or list that holds the
    key (``spec.template.spec.containers[0].env[1]``, ``data``), empty when the annotation is not JSON."""
    text = obj.annotations.get(LAST_APPLIED)
    if not text:
        return ()
    held = {leak.fingerprint for leak in live}
    leaks = scan_environment(_applied_texts(text), where=LAST_APPLIED)
    return tuple(leak for leak in leaks if leak.fingerprint not in held)


def _applied_texts(text: str) -> list[str]:
    """The applied configuration ``text`` as ``path=JSON`` entries, one for each mapping or list that holds strings,
    with only its strings (``spec.template.spec.containers[0].env[1]={"name":"OPENAI_API_KEY","value":"…"}``): a key
    keeps the names beside it, as in the manifest. The whole text is one entry, without a path, when it is not a JSON
    object or array."""
    try:
        root = orjson.loads(text)
    except orjson.JSONDecodeError:
        root = None
    if not isinstance(root, dict | list):
        return [f"={text}"]
    entries: list[str] = []
    pending: list[tuple[str, dict[str, Any] | list[Any]]] = [("", root)]
    while pending:  # depth first, without recursion: the annotation is any text, nested as deep as JSON allows
        path, node = pending.pop()
        items = list(node.items() if isinstance(node, dict) else enumerate(node))
        strings = [(key, item) for key, item in items if isinstance(item, str)]
        if strings:
            shown = dict(strings) if isinstance(node, dict) else [item for _, item in strings]
            entries.append(f"{path}={orjson.dumps(shown).decode()}")
        pending.extend(
            (f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key, item)
            for key, item in reversed(items)
            if isinstance(item, dict | list)
        )
    return entries
