"""Kubernetes objects as jackwatch reads them: kind, name, namespace, the object itself, and where it was written.

Objects come from manifests (then ``file`` and ``line`` say where each starts, and the mappings of ``body`` are
:class:`~jackwatch.yamlsource.YamlMap` values that know the line of each field) or from a live cluster (plain dicts,
no location). Unknown kinds and custom resources are kept as they are. Refs are stable URNs:
``k8s://<cluster>/<namespace>/<Kind>/<name>`` (``_`` for the namespace of cluster-scoped objects).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from jackwatch.yamlsource import YamlMap

CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "CiliumClusterwideNetworkPolicy",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)
"""Kinds that live outside namespaces; every other kind (custom resources included) is taken as namespaced."""

CLUSTER_SCOPE = "_"
"""The namespace part of the ref of a cluster-scoped object."""

DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True, slots=True)
class K8sObject:
    """One Kubernetes object.

    ``namespace`` is ``None`` for cluster-scoped kinds and ``default`` for a namespaced object that names none.
    ``body`` is the object as read; for a Secret its values are gone (see
    :func:`jackwatch.inventory.kubernetes.inventory.build_inventory`). ``file``/``line`` locate it in a manifest.
    """

    api_version: str
    kind: str
    name: str
    namespace: str | None
    body: Mapping[str, Any]
    file: str | None = None
    line: int | None = None

    def ref(self, cluster: str) -> str:
        """``k8s://<cluster>/<namespace>/<Kind>/<name>``."""
        return object_ref(cluster, self.namespace, self.kind, self.name)

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The object's metadata (an empty mapping when missing or malformed)."""
        return mapping(self.body.get("metadata"))

    @property
    def labels(self) -> dict[str, str]:
        """The object's labels (values as text)."""
        return string_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict[str, str]:
        """The object's annotations (values as text)."""
        return string_map(self.metadata.get("annotations"))

    def resource(self, **extra: Any) -> dict[str, Any]:
        """What outputs show of the object: kind, namespace, name, file and line (``None`` when unknown)."""
        return {
            "kind": self.kind,
            "api_version": self.api_version,
            "namespace": self.namespace,
            "name": self.name,
            "file": self.file,
            "line": self.line,
            **extra,
        }


def object_ref(cluster: str, namespace: str | None, kind: str, name: str) -> str:
    """The ref of an object (each part percent-encoded where it holds ``/`` or other reserved characters)."""
    parts = (cluster, namespace or CLUSTER_SCOPE, kind, name)
    return "k8s://" + "/".join(quote(part, safe="@:.-_~") for part in parts)


def make_object(body: Mapping[str, Any], file: str | None = None, line: int | None = None) -> K8sObject | None:
    """The object ``body`` describes, or ``None`` when it lacks a string ``apiVersion``, ``kind`` or
    ``metadata.name`` (``metadata.generateName`` is taken when there is no name)."""
    api_version, kind = body.get("apiVersion"), body.get("kind")
    metadata = mapping(body.get("metadata"))
    name = metadata.get("name") or metadata.get("generateName")
    if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str)):
        return None
    if not (api_version and kind and name):
        return None
    namespace = metadata.get("namespace")
    if kind in CLUSTER_SCOPED:
        scope: str | None = None
    else:
        scope = namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE
    if line is None and isinstance(body, YamlMap):
        line = body.line
    return K8sObject(api_version, kind, name, scope, body, file, line)


_EMPTY: Mapping[str, Any] = {}


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one: malformed input reads as absent."""
    if isinstance(value, dict):  # the common case, checked first: the Mapping ABC check is slow
        return value
    return value if isinstance(value, Mapping) else _EMPTY


def sequence(value: object) -> Sequence[Any]:
    """``value`` when it is a list, else an empty one."""
    return value if isinstance(value, list) else ()


def string_map(value: object) -> dict[str, str]:
    """A mapping of text to text (labels, annotations, selectors); other entries are dropped, scalars as text."""
    return {
        str(key): _text(item)
        for key, item in mapping(value).items()
        if isinstance(item, str | int | float | bool) and item is not None
    }


def _text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def line_of(node: object, key: str | None = None) -> int | None:
    """The line of ``node`` (a mapping read from a manifest) or of its field ``key``; ``None`` when unknown."""
    if not isinstance(node, YamlMap):
        return None
    if key is not None and key in node.lines_of:
        return node.lines_of[key]
    return node.line
