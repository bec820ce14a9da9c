"""Every fix clears its finding: applying the JSON patch to the object (or creating the object the fix names) and
checking again no longer finds it; the strategic-merge patch gives the same object; the result is still valid.

Every fix is also made to the manifest file itself (:mod:`jackwatch.remediate`): its unified diff, applied to the
file's text, gives a file that still reads, whose object keeps its kind, name and containers, is the object the
JSON patch gives, and no longer shows the finding when checked again; the other documents are untouched.

Tested on generated workloads (hypothesis; written as JSON lines, indented JSON and block YAML with comments, lists
indented or not) and on every positive case of the conformance corpora (their own files) and of the unit tests."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conformance.corpora import KUBESCAPE, POLARIS, inventory_of, kubescape_cases, polaris_cases
from tests.datasets import needs
from tests.unit.checks.kubernetes.kit import (
    MANIFEST,
    apply_fix,
    deployment,
    hits,
    inventory,
    inventory_of_text,
    manifest_text,
    plain,
)
from tests.unit.checks.kubernetes.test_checks import CASES
from tests.unit.secrets.samples import openai_key

from jackwatch.checks.base import Hit, make_finding
from jackwatch.checks.kubernetes import registry
from jackwatch.checks.kubernetes.fixes import strategic_merge
from jackwatch.inventory.kubernetes import K8sInventory, K8sObject, read_manifest_text
from jackwatch.inventory.kubernetes.objects import mapping, sequence
from jackwatch.remediate.diff import apply_diff
from jackwatch.remediate.kubernetes import manifest_change, verify_change, with_object_digests
from jackwatch.remediate.yamledit import document_spans
from jackwatch.sources.stats import ReadStats

KEY = openai_key(random.Random(77)).secret

maybe_bool = st.sampled_from([None, True, False])
capabilities = st.lists(
    st.sampled_from(["ALL", "SYS_ADMIN", "NET_ADMIN", "NET_RAW", "CHOWN", "cap_sys_ptrace"]), max_size=3
)


@st.composite
def security_contexts(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    context: dict[str, Any] = {}
    for field in ("privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot"):
        value = draw(maybe_bool)
        if value is not None:
            context[field] = value
    for field in ("runAsUser", "runAsGroup"):
        value = draw(st.sampled_from([None, 0, 1000]))
        if value is not None:
            context[field] = value
    if draw(st.booleans()):
        context["capabilities"] = {"add": draw(capabilities), "drop": draw(capabilities)}
    profile = draw(st.sampled_from([None, "Unconfined", "RuntimeDefault", "Localhost"]))
    if profile is not None:
        context["seccompProfile"] = {"type": profile}
    return context


@st.composite
def containers(draw: st.DrawFn, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "image": draw(st.sampled_from(["nginx", "nginx:1.25", "vllm/vllm-openai:latest"])),
    }
    context = draw(security_contexts())
    if context is not None:
        body["securityContext"] = context
    if draw(st.booleans()):
        body["ports"] = [
            {"containerPort": 80, **({"hostPort": 8080} if draw(st.booleans()) else {})},
            {"containerPort": 81},
        ]
    resources = {}
    for section in ("limits", "requests"):
        chosen = draw(st.sets(st.sampled_from(["cpu", "memory"])))
        if chosen:
            resources[section] = {name: {"cpu": "2", "memory": "2Gi"}[name] for name in chosen}
    if resources:
        body["resources"] = resources
    if draw(st.booleans()):
        body["env"] = [{"name": "MODE", "value": "x"}, {"name": "OPENAI_API_KEY", "value": KEY}]
    return body


@st.composite
def workloads(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 3))
    spec: dict[str, Any] = {"containers": [draw(containers(f"c{i}")) for i in range(count)]}
    if draw(st.booleans()):
        spec["initContainers"] = [draw(containers("init"))]
    for field in ("hostPID", "hostIPC", "hostNetwork", "automountServiceAccountToken"):
        value = draw(maybe_bool)
        if value is not None:
            spec[field] = value
    pod_context = draw(security_contexts())
    if pod_context is not None:
        pod_context.pop("privileged", None)
        pod_context.pop("capabilities", None)
        pod_context.pop("allowPrivilegeEscalation", None)
        pod_context.pop("readOnlyRootFilesystem", None)
        spec["securityContext"] = pod_context
    objects = [deployment(spec)]
    kind = draw(st.sampled_from(["Deployment", "Pod", "CronJob"]))
    if kind == "Pod":
        objects = [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "app", "namespace": "ns", "labels": {"app": "app"}},
                "spec": spec,
            }
        ]
    elif kind == "CronJob":
        template = {"metadata": {"labels": {"app": "app"}}, "spec": spec}
        objects = [
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": {"name": "app", "namespace": "ns"},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
            }
        ]
    service_type = draw(st.sampled_from([None, "LoadBalancer", "NodePort", "ClusterIP"]))
    if service_type is not None:
        service_spec: dict[str, Any] = {"type": service_type, "selector": {"app": "app"}, "ports": [{"port": 80}]}
        if service_type != "ClusterIP":
            service_spec["ports"][0]["nodePort"] = 30080
            service_spec["externalTrafficPolicy"] = "Local"
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "svc", "namespace": "ns"},
                "spec": service_spec,
            }
        )
    return objects


def violations(body: dict[str, Any]) -> set[str]:
    """What the API server would refuse in the fields fixes touch."""
    found: set[str] = set()
    for node in _pod_specs(body):
        pod_context = mapping(node.get("securityContext"))
        for field in ("initContainers", "containers", "ephemeralContainers"):
            for item in sequence(node.get(field)):
                name = mapping(item).get("name")
                context = mapping(mapping(item).get("securityContext"))
                added = {
                    str(c).upper().removeprefix("CAP_")
                    for c in sequence(mapping(context.get("capabilities")).get("add"))
                }
                if context.get("allowPrivilegeEscalation") is False and (
                    context.get("privileged") is True or "SYS_ADMIN" in added
                ):
                    found.add(f"{name}: no escalation yet privileged")
                non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
                user = context.get("runAsUser", pod_context.get("runAsUser"))
                if non_root is True and user == 0:
                    found.add(f"{name}: runAsNonRoot with user 0")
                resources = mapping(mapping(item).get("resources"))
                for resource, limit in mapping(resources.get("limits")).items():
                    request = mapping(resources.get("requests")).get(resource)
                    if request is not None and not _not_above(request, limit):
                        found.add(f"{name}: {resource} request above limit")
    if body.get("kind") == "Service":
        spec = mapping(body.get("spec"))
        if spec.get("type") == "ClusterIP" and (
            "externalTrafficPolicy" in spec or any("nodePort" in mapping(p) for p in sequence(spec.get("ports")))
        ):
            found.add("ClusterIP with node port settings")
    return found


def _not_above(request: str, limit: str) -> bool:
    units = {"": 1, "m": 0.001, "Gi": 1024**3, "Mi": 1024**2}

    def value(text: str) -> float:
        for suffix in ("Gi", "Mi", "m"):
            if text.endswith(suffix):
                return float(text[: -len(suffix)]) * units[suffix]
        return float(text)

    return value(request) <= value(limit)


def _pod_specs(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    kind = body.get("kind")
    if kind == "Pod":
        yield mapping(body.get("spec"))  # type: ignore[misc]
    elif kind == "CronJob":
        yield mapping(
            mapping(mapping(mapping(mapping(body.get("spec")).get("jobTemplate")).get("spec")).get("template")).get(
                "spec"
            )
        )  # type: ignore[misc]
    elif kind is not None:
        yield mapping(mapping(mapping(body.get("spec")).get("template")).get("spec"))  # type: ignore[misc]


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def verify_file_fix(check: str, hit: Hit, built: K8sInventory, files: Mapping[str, str], label: str) -> None:
    """Make ``hit``'s fix to its manifest file (``files``: each file's text), apply the diff to the text and prove
    the result (verify_change: still reads, same object and containers, the JSON patch's object, finding gone);
    the documents the fix does not touch are unchanged."""
    finding = with_object_digests([make_finding(registry.specs[check], hit, NOW)], built.objects)[0]
    fix = finding.evidence["fix"]
    path = fix["object"]["file"] if "object" in fix else hit.resource["file"]
    text = files[path]
    change = manifest_change(text, path, fix)
    assert change.notes == (), f"{label}: {check} could not keep the layout"
    assert apply_diff(text, change.diff) == change.new, f"{label}: {check} diff does not apply"
    context = [obj for obj in built.objects if obj.file != path]
    verify_change(change, fix, finding, context=context)
    untouched = _documents(text, fix) - _documents(change.new, fix)
    assert not untouched, f"{label}: {check} changed other documents"


def _documents(text: str, fix: Mapping[str, Any]) -> set[str]:
    """The documents of ``text`` that do not hold the fix's object."""
    target = fix.get("object") or {}
    wanted = (target.get("kind"), target.get("namespace"), target.get("name"))
    kept = set()
    for start, end in document_spans(text):
        part = text[start:end]
        objects: list[K8sObject] = read_manifest_text(part, "x", ReadStats())
        if not any((o.kind, o.namespace, o.name) == wanted for o in objects):
            kept.add(part.strip())
    return kept


def verify_fixes(built: K8sInventory, label: str, files: Mapping[str, str] | None = None) -> int:
    """Apply every fix of every check to ``built`` (and, with ``files``, to its manifest files); returns how many
    were verified."""
    verified = 0
    for check in registry.specs:
        for hit in hits(check, built):
            if hit.fix is None:
                continue
            fixed = apply_fix(built, hit.fix)
            remaining = {(h.subject, h.key) for h in hits(check, fixed)}
            assert (hit.subject, hit.key) not in remaining, f"{label}: {check} {hit.key} survives its fix {hit.fix}"
            if "create" not in hit.fix:
                target = hit.fix["object"]
                obj = next(
                    o
                    for o in built.objects
                    if (o.kind, o.namespace, o.name) == (target["kind"], target["namespace"], target["name"])
                )
                by_json = jsonpatch.apply_patch(plain(obj.body), hit.fix["json_patch"])
                if hit.fix["strategic_merge_patch"] is not None:  # None: containers without (distinct) names
                    by_merge = strategic_merge(plain(obj.body), hit.fix["strategic_merge_patch"], obj.kind)
                    assert by_json == by_merge, f"{label}: {check} patches differ"
                new = violations(by_json) - violations(plain(obj.body))
                assert not new, f"{label}: {check} makes the object invalid: {new}"
            if files is not None:
                verify_file_fix(check, hit, built, files, label)
            verified += 1
    return verified


STYLES = ("json-lines", "json-indented", "block", "block-indentless")


def written(objects: list[dict[str, Any]], style: str) -> str:
    """``objects`` as a manifest in ``style``; block YAML gets a comment on every scalar line and one above each
    document."""
    if style == "json-lines":
        return manifest_text(*objects)
    if style == "json-indented":
        return "\n---\n".join(json.dumps(obj, indent=2) for obj in objects) + "\n"
    documents = []
    for index, obj in enumerate(objects):
        text = yaml.dump(obj, Dumper=_Indented if style == "block" else yaml.SafeDumper, sort_keys=False)
        lines = [
            line if line.rstrip().endswith(":") else f"{line}  # note {n}" for n, line in enumerate(text.splitlines())
        ]
        documents.append(f"# document {index}\n" + "\n".join(lines) + "\n")
    return "---\n".join(documents)


class _Indented(yaml.SafeDumper):
    """Lists indented under their key (``key:\n  - item``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads(), st.sampled_from(STYLES))
def test_every_fix_clears_its_finding_on_generated_workloads(objects: list[dict[str, Any]], style: str) -> None:
    text = written(objects, style)
    verify_fixes(inventory_of_text(text), f"generated {style}", {MANIFEST: text})


def test_every_fix_clears_its_finding_on_the_unit_cases() -> None:
    verified = 0
    for check, positive, _ in CASES:
        text = manifest_text(*positive)
        verified += verify_fixes(inventory_of_text(text), check, {MANIFEST: text})
    assert verified >= 20


@needs(KUBESCAPE)
@needs(POLARIS)
def test_every_fix_clears_its_finding_on_the_conformance_corpora() -> None:
    verified = 0
    for case in [*kubescape_cases(), *polaris_cases()]:
        if case.fails:
            files = {str(path): Path(path).read_text(encoding="utf-8") for path in case.inputs}
            verified += verify_fixes(inventory_of(case), case.label, files)
    assert verified > 300


def test_every_check_with_a_fix_is_exercised() -> None:
    """The checks without a fix need data only people have (a digest, what a hostPath is for, a new account, how a
    command line should read a key)."""
    without = {
        "k8s.container.args_key",
        "k8s.pod.sensitive_host_path",
        "k8s.container.image_latest",
        "k8s.container.image_not_pinned",
        "k8s.pod.default_service_account",
        "k8s.configmap.key",
        "k8s.secret.key",
    }
    with_fix = set()
    for check, positive, _ in CASES:
        if any(hit.fix for hit in hits(check, inventory(*positive))):
            with_fix.add(check)
    assert with_fix == set(registry.specs) - without


@pytest.mark.parametrize("kind", ["Deployment", "Service"])
def test_strategic_merge_of_lists_by_merge_key(kind: str) -> None:
    original = {"spec": {"ports": [{"port": 80, "containerPort": 1, "nodePort": 3}, {"port": 81, "containerPort": 2}]}}
    key = "port" if kind == "Service" else "containerPort"
    patch = {"spec": {"ports": [{key: original["spec"]["ports"][1][key], "nodePort": None, "name": "b"}]}}
    merged = strategic_merge(original, patch, kind)
    assert merged["spec"]["ports"][0] == original["spec"]["ports"][0]
    assert merged["spec"]["ports"][1] == {"port": 81, "containerPort": 2, "name": "b"}
