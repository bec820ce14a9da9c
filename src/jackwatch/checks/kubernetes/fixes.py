"""Fixes for Kubernetes findings: a JSON patch (RFC 6902), the equivalent strategic-merge patch, and the
``kubectl patch`` commands, built against the object as it is.

A :class:`Patch` collects changes by path from the object's root (``("spec", "template", "spec", "containers", 0,
"securityContext", "privileged")``). The JSON patch adds what is missing level by level (``add`` of the first
missing mapping with the rest nested in it), so it applies to the object it was made from; the strategic-merge
patch names list elements by their merge key (a container by ``name``, a port by ``containerPort``) instead of
their index. Applying the JSON patch to the object and checking it again clears the finding (tested for every
check). A fix can also be an object to create (a NetworkPolicy): :func:`create_fix`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from jackwatch.inventory.kubernetes.objects import K8sObject

Path = tuple[str | int, ...]

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}
"""The strategic-merge key of the lists a fix reaches into."""

_ABSENT = object()


def merge_key_of(kind: str, field: str) -> str:
    """The strategic-merge key of the list ``field`` of an object of ``kind`` (a Service's ports merge on ``port``)."""
    if field == "ports" and kind == "Service":
        return "port"
    return MERGE_KEYS.get(field, "name")


def strategic_merge(original: Any, patch: Any, kind: str = "") -> Any:
    """``original`` with the strategic-merge ``patch`` applied, as the API server does for the fields fixes touch:
    mappings merge, ``null`` deletes, lists of :data:`MERGE_KEYS` merge element by element on their merge key, other
    lists are replaced."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(original) if isinstance(original, Mapping) else {}
    for key, value in patch.items():
        current = result.get(key)
        if value is None:
            result.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list) and isinstance(current, list):
            merge_key = merge_key_of(kind, key)
            merged = list(current)
            for item in value:
                index = next(
                    (
                        i
                        for i, old in enumerate(merged)
                        if isinstance(old, Mapping) and old.get(merge_key) == item.get(merge_key)
                    ),
                    None,
                )
                if index is None:
                    merged.append(strategic_merge({}, item, kind))
                else:
                    merged[index] = strategic_merge(merged[index], item, kind)
            result[key] = merged
        elif isinstance(value, Mapping):
            result[key] = strategic_merge(current, value, kind)
        else:
            result[key] = value
    return result


def pointer(path: Path) -> str:
    """The JSON pointer (RFC 6901) of ``path``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


class Patch:
    """Changes to one object, as a JSON patch and a strategic-merge patch."""

    def __init__(self, obj: K8sObject) -> None:
        self.obj = obj
        self.ops: list[dict[str, Any]] = []
        self._smp: dict[str, Any] = {}
        self._work: Any = obj.body  # the object as the operations so far leave it (copied along changed paths)
        self._strategic_ok = True
        self._pending: tuple[Path, Any, bool] | None = None

    def set(self, path: Path, value: Any) -> Patch:
        """Set the field at ``path`` (a mapping key) to ``value``, creating the mappings on the way."""
        node: Any = self._current()
        for depth, part in enumerate(path[:-1]):
            child = _child(node, part)
            if child is _ABSENT or not isinstance(child, dict | list | Mapping):
                nested = _nest(path[depth + 1 :], value)
                self.ops.append({"op": "add", "path": pointer(path[: depth + 1]), "value": nested})
                break
            node = child
        else:
            self.ops.append({"op": "add", "path": pointer(path), "value": value})
        self._pending = (path, value, False)
        self._merge(path, value)
        return self

    def remove(self, path: Path) -> Patch:
        """Remove the mapping field at ``path`` when it is there."""
        node: Any = self._current()
        for part in path:
            node = _child(node, part)
            if node is _ABSENT:
                return self
        self.ops.append({"op": "remove", "path": pointer(path)})
        self._pending = (path, None, True)
        self._merge(path, None)
        return self

    def _current(self) -> Any:
        """The object as the operations so far leave it (the last one applied only now: most patches have one)."""
        if self._pending is not None:
            path, value, remove = self._pending
            self._work = _assoc(self._work, path, value, remove)
            self._pending = None
        return self._work

    def _merge(self, path: Path, value: Any) -> None:
        """Record the change in the strategic-merge patch (``None`` deletes a field)."""
        node: dict[str, Any] = self._smp
        body: Any = self.obj.body
        index = 0
        while index < len(path) - 1:
            part = path[index]
            following = path[index + 1]
            if isinstance(following, int):
                key = str(part)
                merge_key = merge_key_of(self.obj.kind, key)
                siblings = _child(body, part)
                element = _child(siblings, following)
                identity = element.get(merge_key) if isinstance(element, Mapping) else None
                if identity is None or _count(siblings, merge_key, identity) != 1:
                    self._strategic_ok = False  # no merge key tells this element apart
                    return
                items = node.setdefault(key, [])
                found = next((item for item in items if item.get(merge_key) == identity), None)
                if found is None:
                    found = {merge_key: identity}
                    items.append(found)
                node, body = found, element
                index += 2
            else:
                node = node.setdefault(str(part), {})
                body = _child(body, part)
                index += 1
        node[str(path[-1])] = value

    @property
    def strategic(self) -> dict[str, Any] | None:
        """The strategic-merge patch, or ``None`` when a changed list element has no merge key that tells it apart
        (a container without a name, two of the same name: objects the API refuses, but manifests can hold)."""
        return self._smp if self._strategic_ok else None

    def fix(self, summary: str) -> dict[str, Any]:
        """The fix: what it does, the object it applies to, both patches and the ``kubectl patch`` commands
        (``kubectl`` uses the strategic-merge patch, ``kubectl_json`` the JSON patch)."""
        strategic = self.strategic
        return {
            "summary": summary,
            "object": target(self.obj),
            "json_patch": self.ops,
            "strategic_merge_patch": strategic,
            "kubectl": kubectl_patch(self.obj, "strategic", strategic) if strategic is not None else None,
            "kubectl_json": kubectl_patch(self.obj, "json", self.ops),
        }


def target(obj: K8sObject) -> dict[str, Any]:
    """The object a fix applies to: apiVersion, kind, namespace, name, file and line."""
    return {
        "api_version": obj.api_version,
        "kind": obj.kind,
        "namespace": obj.namespace,
        "name": obj.name,
        "file": obj.file,
        "line": obj.line,
    }


def kubectl_patch(obj: K8sObject, kind: str, patch: object) -> str:
    """``kubectl patch <kind> <name> [-n <namespace>] --type <kind> -p '<patch>'``."""
    namespace = f" -n {shlex.quote(obj.namespace)}" if obj.namespace else ""
    body = orjson.dumps(patch).decode()
    resource = shlex.quote(f"{obj.kind.lower()}/{obj.name}")
    return f"kubectl patch {resource}{namespace} --type {kind} -p {shlex.quote(body)}"


def create_fix(summary: str, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A fix that adds an object: its manifest and the ``kubectl create`` command (which refuses, rather than
    replaces, an object of the same name that the scan did not see)."""
    body = orjson.dumps(manifest).decode()
    return {"summary": summary, "create": dict(manifest), "kubectl": f"kubectl create -f - <<'EOF'\n{body}\nEOF"}


def _child(node: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return node[part] if isinstance(node, list) and 0 <= part < len(node) else _ABSENT
    if isinstance(node, dict | Mapping) and part in node:
        return node[part]
    return _ABSENT


def _assoc(node: Any, path: Sequence[str | int], value: Any, remove: bool = False) -> Any:
    """``node`` with the field at ``path`` set to ``value`` (or removed), copying only the nodes on the path."""
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(node) if isinstance(node, list) else []
        if 0 <= head < len(items):
            items[head] = _assoc(items[head], rest, value, remove) if rest else value
        return items
    copied = dict(node) if isinstance(node, dict | Mapping) else {}
    if rest:
        copied[head] = _assoc(copied.get(head), rest, value, remove)
    elif remove:
        copied.pop(head, None)
    else:
        copied[head] = value
    return copied


def _count(items: Any, key: str, value: Any) -> int:
    return (
        sum(1 for item in items if isinstance(item, Mapping) and item.get(key) == value)
        if isinstance(items, list)
        else 0
    )


def _nest(path: Sequence[str | int], value: Any) -> Any:
    for part in reversed(path):
        value = {str(part): value}
    return value
