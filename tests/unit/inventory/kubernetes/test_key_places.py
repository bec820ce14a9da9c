"""Keys a manifest holds outside literal ``env`` values: in a container's ``command`` and ``args`` items, and in the
``last-applied-configuration`` annotation of workloads and ConfigMaps (only the keys the live object no longer
holds); a Secret's annotation is dropped, not scanned."""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
from tests.unit.secrets.samples import aws_key_id, aws_secret, mistral_key, openai_key

from jackwatch.inventory.kubernetes import K8sInventory, build_inventory, read_manifest_text
from jackwatch.inventory.kubernetes.ai import ai_signals
from jackwatch.secrets import fingerprint
from jackwatch.sources.stats import ReadStats

RNG = random.Random(43)
KEY, OLD_KEY = openai_key(RNG).secret, openai_key(RNG).secret
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def inventory(*objects: dict[str, Any]) -> K8sInventory:
    text = "\n---\n".join(json.dumps(obj) for obj in objects)
    return build_inventory(read_manifest_text(text, "m.yaml", ReadStats()), "c1", ReadStats())


def pod(container: dict[str, Any], annotation: object = None) -> dict[str, Any]:
    """A Pod running ``container``; ``annotation`` (JSON data, or text as it is) as its last-applied-configuration."""
    metadata: dict[str, Any] = {"name": "chat", "namespace": "ai"}
    if annotation is not None:
        text = annotation if isinstance(annotation, str) else json.dumps(annotation)
        metadata["annotations"] = {LAST_APPLIED: text}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": [container]}}


def test_command_and_args_items_are_scanned_together() -> None:
    rng = random.Random(44)
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    container = {
        "name": "app",
        "image": "python:3.12",
        "command": ["sh", "-c", f"OPENAI_API_KEY={KEY} exec python app.py"],
        "args": ["--aws-access-key-id", key_id, "--aws-secret-access-key", secret, 8080],
    }
    built = inventory(pod(container))
    [leaked] = built.workloads
    leaks = leaked.containers[0].command_leaks
    assert [(leak.kind, leak.within, leak.identifier) for leak in leaks] == [
        ("openai_api_key", "command[2]", None),
        ("aws_access_key", "args[3]", key_id),
    ]
    assert leaks[0].where == "command line (command[2])"
    assert leaked.containers[0].env_leaks == () and leaked.applied_leaks == ()
    assert ai_signals(built, leaked) == ["openai_api_key in command[2]"]


def test_a_container_without_keys_on_its_command_line() -> None:
    container = {"name": "app", "image": "python:3.12", "command": ["python", "-m", "app"], "args": ["--port", "80"]}
    assert inventory(pod(container)).workloads[0].containers[0].command_leaks == ()


def test_the_annotation_keeps_only_keys_the_live_object_no_longer_holds() -> None:
    live = {"name": "app", "image": "python:3.12", "env": [{"name": "OPENAI_API_KEY", "value": KEY}]}
    applied = pod({**live, "env": [*live["env"], {"name": "FALLBACK_KEY", "value": OLD_KEY}]})
    [workload] = inventory(pod(live, applied)).workloads
    assert [(leak.within, leak.fingerprint) for leak in workload.applied_leaks] == [
        ("spec.containers[0].env[1]", fingerprint(OLD_KEY))
    ]
    assert [leak.fingerprint for leak in workload.containers[0].env_leaks] == [fingerprint(KEY)]


def test_a_key_known_by_the_name_beside_it_is_found_in_the_annotation() -> None:
    """A Mistral key has no prefix of its own: the variable's name next to it, in the same env entry, tells it."""
    key = mistral_key(random.Random(45)).secret
    container = {"name": "warm-up", "image": "python:3.12", "env": [{"name": "MISTRAL_API_KEY", "value": key}]}
    template = {"spec": {"restartPolicy": "Never", "initContainers": [container], "containers": [container]}}
    applied = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly-eval", "namespace": "ai"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}},
    }
    [workload] = inventory(pod({"name": "app", "image": "python:3.12"}, applied)).workloads
    assert [(leak.kind, leak.within) for leak in workload.applied_leaks] == [
        ("mistral_api_key", "spec.jobTemplate.spec.template.spec.initContainers[0].env[0]"),
        ("mistral_api_key", "spec.jobTemplate.spec.template.spec.containers[0].env[0]"),
    ]


def test_an_annotation_that_is_not_json_is_scanned_as_text() -> None:
    container = {"name": "app", "image": "python:3.12"}
    [workload] = inventory(pod(container, f'{{"env": "OPENAI_API_KEY={OLD_KEY}"')).workloads
    assert [(leak.within, leak.fingerprint) for leak in workload.applied_leaks] == [("", fingerprint(OLD_KEY))]


def test_a_deeply_nested_annotation_is_scanned_without_recursion() -> None:
    depth = 1000  # orjson reads up to 1024 levels, deeper than Python's recursion limit allows to walk
    annotation = "[" * depth + json.dumps(f"OPENAI_API_KEY={OLD_KEY}") + "]" * depth
    assert orjson.loads(annotation)
    [workload] = inventory(pod({"name": "app", "image": "python:3.12"}, annotation)).workloads
    assert [leak.within for leak in workload.applied_leaks] == ["[0]" * (depth - 1)]


def test_configmaps_and_secrets_with_the_annotation() -> None:
    metadata = {"name": "llm", "namespace": "ai"}
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"OPENAI_API_KEY": OLD_KEY}}
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {**metadata, "annotations": {LAST_APPLIED: json.dumps(applied)}},
        "data": {"MODEL": "gpt-4o-mini"},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {**metadata, "annotations": {LAST_APPLIED: json.dumps({**applied, "kind": "Secret"})}},
        "stringData": {"OPENAI_API_KEY": KEY},
    }
    built = inventory(configmap, secret)
    [holder] = built.configmaps
    assert holder.leaks == () and [leak.within for leak in holder.applied_leaks] == ["data"]
    [stored] = built.secrets
    assert stored.applied_leaks == () and [leak.fingerprint for leak in stored.leaks] == [fingerprint(KEY)]
    assert OLD_KEY not in orjson.dumps(stored.obj.body).decode()
