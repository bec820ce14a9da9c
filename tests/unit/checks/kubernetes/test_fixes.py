"""Every fix clears its finding: applying the JSON patch to the object (or creating the object the fix names) and
checking again no longer finds it; the strategic-merge patch gives the same object; the result is still valid.

Tested on generated workloads (hypothesis) and on every positive case of the conformance corpora and of the unit
tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import jsonpatch
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conformance.corpora import KUBESCAPE, POLARIS, inventory_of, kubescape_cases, polaris_cases
from tests.datasets import needs
from tests.unit.checks.kubernetes.kit import apply_fix, deployment, hits, inventory, plain
from tests.unit.checks.kubernetes.test_checks import CASES
from tests.unit.secrets.samples import openai_key

from jackwatch.checks.kubernetes import registry
from jackwatch.checks.kubernetes.fixes import strategic_merge
from jackwatch.inventory.kubernetes import K8sInventory
from jackwatch.inventory.kubernetes.objects import mapping, sequence

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


def verify_fixes(built: K8sInventory, label: str) -> int:
    """Apply every fix of every check to ``built``; returns how many were verified."""
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
            verified += 1
    return verified


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_every_fix_clears_its_finding_on_generated_workloads(objects: list[dict[str, Any]]) -> None:
    verify_fixes(inventory(*objects), "generated")


def test_every_fix_clears_its_finding_on_the_unit_cases() -> None:
    verified = sum(verify_fixes(inventory(*positive), check) for check, positive, _ in CASES)
    assert verified >= 20


@needs(KUBESCAPE)
@needs(POLARIS)
def test_every_fix_clears_its_finding_on_the_conformance_corpora() -> None:
    verified = 0
    for case in [*kubescape_cases(), *polaris_cases()]:
        if case.fails:
            verified += verify_fixes(inventory_of(case), case.label)
    assert verified > 300


def test_every_check_with_a_fix_is_exercised() -> None:
    """The checks without a fix need data only people have (a digest, what a hostPath is for, a new account)."""
    without = {
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
