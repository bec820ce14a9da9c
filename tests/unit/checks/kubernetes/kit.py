"""Helpers of the Kubernetes check tests: inventories from objects, and fixes applied to them."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import jsonpatch

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes import registry
from jackwatch.checks.kubernetes.fixes import strategic_merge
from jackwatch.inventory.kubernetes import K8sInventory, K8sSettings, build_inventory, make_object, read_manifest_text
from jackwatch.sources.stats import ReadStats

MANIFEST = "m.yaml"
"""The file name of the manifests the helpers write."""


def manifest_text(*objects: Mapping[str, Any]) -> str:
    """``objects`` as one multi-document manifest (each document one line of JSON)."""
    return "\n---\n".join(json.dumps(obj) for obj in objects)


def inventory(*objects: Mapping[str, Any], settings: K8sSettings | None = None) -> K8sInventory:
    """The inventory of ``objects`` written as one multi-document manifest ``m.yaml``."""
    return inventory_of_text(manifest_text(*objects), settings=settings)


def inventory_of_text(text: str, path: str = MANIFEST, settings: K8sSettings | None = None) -> K8sInventory:
    """The inventory of the manifest ``text`` read from ``path``."""
    stats = ReadStats()
    return build_inventory(read_manifest_text(text, path, stats), "test", stats, settings)


def deployment(spec: Mapping[str, Any], name: str = "app", namespace: str = "ns") -> dict[str, Any]:
    """A Deployment whose pods run ``spec`` (labels ``app: <name>``)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": dict(spec)},
        },
    }


def container(name: str = "web", image: str = "nginx:1.25@sha256:" + "a" * 64, **fields: Any) -> dict[str, Any]:
    """A container spec."""
    return {"name": name, "image": image, **fields}


def hits(check: str, built: K8sInventory) -> list[Hit]:
    """The hits of one check."""
    return registry.hits(check, built)


def plain(value: Any) -> Any:
    """A loaded value as plain JSON data (no YamlMap)."""
    return json.loads(json.dumps(value))


def apply_fix(built: K8sInventory, fix: Mapping[str, Any], *, strategic: bool = False) -> K8sInventory:
    """The inventory after ``fix``: its JSON patch (or strategic-merge patch) applied to its object, or the object it
    creates added."""
    objects = list(built.objects)
    if "create" in fix:
        created = make_object(copy.deepcopy(fix["create"]))
        assert created is not None
        objects.append(created)
    else:
        target = fix["object"]
        index = next(
            i
            for i, obj in enumerate(objects)
            if (obj.kind, obj.namespace, obj.name) == (target["kind"], target["namespace"], target["name"])
        )
        original = plain(objects[index].body)
        if strategic:
            patched = strategic_merge(original, fix["strategic_merge_patch"], target["kind"])
        else:
            patched = jsonpatch.apply_patch(original, fix["json_patch"])
        replaced = make_object(patched, objects[index].file, objects[index].line)
        assert replaced is not None
        objects[index] = replaced
    return build_inventory(objects, built.cluster, built.stats, built.settings)
