"""Each Kubernetes check on a manifest that must fail it and one that must pass it; findings as the outputs need
them (resource with file and line, equivalent controls, fix)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.checks.kubernetes.kit import apply_fix, container, deployment, hits, inventory
from tests.unit.secrets.samples import aws_key_id, aws_secret, openai_key, slack_token

from jackwatch.checks.kubernetes import registry, run_checks
from jackwatch.inventory.kubernetes import K8sSettings
from jackwatch.model import FindingKind, Severity

RNG = random.Random(21)
OPENAI = openai_key(RNG).secret
SAFE = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
LIMITS = {"limits": {"cpu": "1", "memory": "1Gi"}}


def hardened(**fields: Any) -> dict[str, Any]:
    """A container that passes every container check, with ``fields`` changed."""
    return container(**{"securityContext": dict(SAFE), "resources": LIMITS, **fields})


def context(**changes: Any) -> dict[str, Any]:
    """A hardened container whose securityContext has ``changes`` (``None`` removes a field)."""
    merged = {key: value for key, value in {**SAFE, **changes}.items() if value is not None}
    return hardened(securityContext=merged)


def pod_spec(*containers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"containers": list(containers) or [hardened()], "automountServiceAccountToken": False, **fields}


def service(kind: str, **annotations: str) -> dict[str, Any]:
    metadata = {"name": "svc", "namespace": "ns", "annotations": annotations}
    spec = {"type": kind, "selector": {"app": "app"}, "ports": [{"port": 80, "nodePort": 30080}]}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def applied_configmap(applied: dict[str, str], live: dict[str, str]) -> dict[str, Any]:
    """A ConfigMap holding ``live`` whose last-applied-configuration annotation says ``applied`` was applied."""
    metadata = {"name": "llm", "namespace": "ns"}
    annotation = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": applied})
    annotations = {"kubectl.kubernetes.io/last-applied-configuration": annotation}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {**metadata, "annotations": annotations}, "data": live}


CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        "k8s.container.privileged",
        [deployment(pod_spec(context(privileged=True)))],
        [deployment(pod_spec(context(privileged=False)))],
    ),
    (
        "k8s.container.privileged",
        [deployment(pod_spec(context(capabilities={"drop": ["ALL"], "add": ["CAP_SYS_ADMIN"]})))],
        [deployment(pod_spec(context(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})))],
    ),
    (
        "k8s.container.allow_privilege_escalation",
        [deployment(pod_spec(context(allowPrivilegeEscalation=None)))],
        [deployment(pod_spec(hardened()))],
    ),
    (
        "k8s.container.dangerous_capabilities",
        [deployment(pod_spec(context(capabilities={"drop": ["ALL"], "add": ["net_admin", "CHOWN"]})))],
        [deployment(pod_spec(context(capabilities={"drop": ["ALL"], "add": ["CHOWN"]})))],
    ),
    (
        "k8s.container.capabilities_not_dropped",
        [deployment(pod_spec(context(capabilities={"drop": ["NET_RAW"]})))],
        [deployment(pod_spec(context(capabilities={"drop": ["all"]})))],
    ),
    (
        "k8s.container.run_as_root",
        [deployment(pod_spec(context(runAsNonRoot=None)))],
        [deployment(pod_spec(context(runAsNonRoot=None), securityContext={"runAsUser": 1000}))],
    ),
    (
        "k8s.container.run_as_root",
        [deployment(pod_spec(context(runAsGroup=0)))],
        [deployment(pod_spec(context(runAsGroup=1000)))],
    ),
    (
        "k8s.container.writable_root_filesystem",
        [deployment(pod_spec(context(readOnlyRootFilesystem=False)))],
        [deployment(pod_spec(hardened()))],
    ),
    ("k8s.pod.host_pid", [deployment(pod_spec(hostPID=True))], [deployment(pod_spec(hostPID=False))]),
    ("k8s.pod.host_ipc", [deployment(pod_spec(hostIPC=True))], [deployment(pod_spec())]),
    ("k8s.pod.host_network", [deployment(pod_spec(hostNetwork=True))], [deployment(pod_spec())]),
    (
        "k8s.pod.sensitive_host_path",
        [deployment(pod_spec(volumes=[{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]))],
        [deployment(pod_spec(volumes=[{"name": "data", "hostPath": {"path": "/srv/data"}}]))],
    ),
    (
        "k8s.container.host_port",
        [deployment(pod_spec(hardened(ports=[{"containerPort": 80, "hostPort": 80}])))],
        [deployment(pod_spec(hardened(ports=[{"containerPort": 80}])))],
    ),
    (
        "k8s.container.resource_limits",
        [deployment(pod_spec(hardened(resources={"limits": {"cpu": "1"}})))],
        [deployment(pod_spec(hardened()))],
    ),
    (
        "k8s.pod.service_account_token",
        [deployment({"containers": [hardened()]})],
        [
            deployment({"containers": [hardened()], "serviceAccountName": "quiet"}),
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "quiet", "namespace": "ns"},
                "automountServiceAccountToken": False,
            },
        ],
    ),
    (
        "k8s.pod.default_service_account",
        [deployment(pod_spec())],
        [deployment(pod_spec(serviceAccountName="app"))],
    ),
    (
        "k8s.container.seccomp_unconfined",
        [
            deployment(
                pod_spec(
                    context(seccompProfile={"type": "Unconfined"}),
                    securityContext={"seccompProfile": {"type": "RuntimeDefault"}},
                )
            )
        ],
        [
            deployment(
                pod_spec(
                    context(seccompProfile=None),
                    securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
                )
            )
        ],
    ),
    (
        "k8s.container.image_latest",
        [deployment(pod_spec(hardened(image="nginx:latest")))],
        [deployment(pod_spec(hardened(image="nginx:1.25")))],
    ),
    (
        "k8s.container.image_not_pinned",
        [deployment(pod_spec(hardened(image="nginx:1.25")))],
        [deployment(pod_spec(hardened(image="nginx@sha256:" + "f" * 64)))],
    ),
    (
        "k8s.container.env_key",
        [deployment(pod_spec(hardened(env=[{"name": "OPENAI_API_KEY", "value": OPENAI}])))],
        [
            deployment(
                pod_spec(
                    hardened(env=[{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}])
                )
            )
        ],
    ),
    (
        "k8s.container.args_key",
        [deployment(pod_spec(hardened(args=["--openai-api-key", OPENAI])))],
        [
            deployment(
                pod_spec(
                    hardened(
                        env=[{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                        args=["--openai-api-key", "$(OPENAI_API_KEY)"],
                    )
                )
            )
        ],
    ),
    (
        "k8s.last_applied.key",
        [applied_configmap({"OPENAI_API_KEY": OPENAI}, {"MODEL": "gpt-4o"})],
        [applied_configmap({"OPENAI_API_KEY": OPENAI}, {"OPENAI_API_KEY": OPENAI})],  # configmap.key reports it
    ),
    (
        "k8s.configmap.key",
        [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c"},
                "data": {"config.env": f"OPENAI_API_KEY={OPENAI}"},
            }
        ],
        [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"password": "hunter2"}}],
    ),
    (
        "k8s.secret.key",
        [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"key": OPENAI}}],
        [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "hunter2"}}],
    ),
    (
        "k8s.workload.internet_exposed",
        [deployment(pod_spec()), service("LoadBalancer")],
        [deployment(pod_spec()), service("LoadBalancer", **{"networking.gke.io/load-balancer-type": "Internal"})],
    ),
    (
        "k8s.workload.internet_exposed",
        [deployment(pod_spec()), service("NodePort")],
        [deployment(pod_spec()), service("ClusterIP")],
    ),
    (
        "k8s.workload.ai_egress_unrestricted",
        [deployment(pod_spec(hardened(image="ollama/ollama:0.3.0")))],
        [
            deployment(pod_spec(hardened(image="ollama/ollama:0.3.0"))),
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "egress", "namespace": "ns"},
                "spec": {"podSelector": {"matchLabels": {"app": "app"}}, "policyTypes": ["Egress"]},
            },
        ],
    ),
]


@pytest.mark.parametrize(("check", "positive", "negative"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_positive_and_negative(check: str, positive: list[dict[str, Any]], negative: list[dict[str, Any]]) -> None:
    assert hits(check, inventory(*positive)), f"{check} should fire"
    assert not hits(check, inventory(*negative)), f"{check} should stay quiet"


def test_every_check_has_a_case_and_metadata() -> None:
    assert {case[0] for case in CASES} == set(registry.specs)


def test_a_hardened_deployment_has_no_findings_but_its_service_account() -> None:
    built = inventory(deployment(pod_spec(hardened(), serviceAccountName="app")))
    assert run_checks(built, datetime.now(UTC)).findings == []


def test_containers_of_every_list_are_checked_and_keyed_by_name() -> None:
    spec = pod_spec(context(privileged=True), initContainers=[context(privileged=True) | {"name": "init"}])
    built = inventory(deployment(spec))
    assert sorted(hit.key for hit in hits("k8s.container.privileged", built)) == ["init", "web"]


def test_findings_carry_resource_location_controls_and_fix() -> None:
    built = inventory(deployment(pod_spec(context(privileged=True))))
    [finding] = run_checks(built, datetime(2026, 1, 1, tzinfo=UTC), {"k8s.container.privileged"}).findings
    assert finding.kind is FindingKind.MISCONFIGURATION and finding.severity is Severity.HIGH
    assert finding.subject == "k8s://test/ns/Deployment/app" and finding.key == "web"
    resource = finding.evidence["resource"]
    assert (resource["kind"], resource["namespace"], resource["name"], resource["file"]) == (
        "Deployment",
        "ns",
        "app",
        "m.yaml",
    )
    assert resource["container"] == "web" and resource["line"] == 1  # JSON on one line
    assert finding.evidence["kubescape"] == ["C-0057"] and finding.evidence["checkov"] == ["CKV_K8S_16", "CKV_K8S_39"]
    fix = finding.evidence["fix"]
    assert fix["json_patch"] == [
        {"op": "add", "path": "/spec/template/spec/containers/0/securityContext/privileged", "value": False}
    ]
    assert fix["strategic_merge_patch"] == {
        "spec": {"template": {"spec": {"containers": [{"name": "web", "securityContext": {"privileged": False}}]}}}
    }
    assert fix["kubectl"].startswith("kubectl patch deployment/app -n ns --type strategic -p '")


def test_finding_ids_do_not_depend_on_files_or_lines() -> None:
    first = inventory(deployment(pod_spec(hostPID=True)))
    moved = inventory(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, deployment(pod_spec(hostPID=True))
    )
    now = datetime.now(UTC)
    ids = [run_checks(b, now, {"k8s.pod.host_pid"}).findings[0].id for b in (first, moved)]
    assert ids[0] == ids[1]


def test_env_keys_are_redacted_and_the_aws_pair_is_one_finding() -> None:
    rng = random.Random(5)
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    env = [{"name": "AWS_ACCESS_KEY_ID", "value": key_id}, {"name": "AWS_SECRET_ACCESS_KEY", "value": secret}]
    slack = slack_token(rng).secret
    built = inventory(deployment(pod_spec(hardened(env=[*env, {"name": "SLACK", "value": slack}]))))
    found = run_checks(built, datetime.now(UTC), {"k8s.container.env_key"}).findings
    assert [(f.key, f.severity) for f in found] == [
        ("web/AWS_SECRET_ACCESS_KEY", Severity.CRITICAL),
        ("web/SLACK", Severity.HIGH),  # not an LLM or cloud key: one step lower
    ]
    assert found[0].evidence["secret"]["identifier"] == key_id
    text = repr([f.evidence for f in found])
    assert secret not in text and slack not in text
    assert found[0].evidence["fix"]["commands"][0].startswith("kubectl create secret generic app-keys -n ns")


def test_configmap_and_secret_findings_name_the_workloads_that_read_them() -> None:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "llm", "namespace": "ns"},
        "data": {"OPENAI_API_KEY": OPENAI},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "keys", "namespace": "ns"},
        "stringData": {"K": OPENAI},
    }
    reader = hardened(
        envFrom=[{"configMapRef": {"name": "llm"}}],
        env=[{"name": "K", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "K"}}}],
    )
    built = inventory(config, secret, deployment(pod_spec(reader)))
    found = {
        f.rule_id: f for f in run_checks(built, datetime.now(UTC), {"k8s.configmap.key", "k8s.secret.key"}).findings
    }
    assert found["k8s.configmap.key"].evidence["used_by"] == ["k8s://test/ns/Deployment/app"]
    assert found["k8s.secret.key"].evidence["used_by"] == ["k8s://test/ns/Deployment/app"]
    assert found["k8s.secret.key"].severity is Severity.INFO
    assert found["k8s.configmap.key"].evidence["secret"]["fingerprint"].startswith("sha256:")


def test_digest_exemptions_come_from_settings() -> None:
    objects = deployment(pod_spec(hardened(image="registry.local/team/app:1")))
    assert hits("k8s.container.image_not_pinned", inventory(objects))
    assert not hits(
        "k8s.container.image_not_pinned", inventory(objects, settings=K8sSettings(("registry.local/team",)))
    )


def test_internal_services_and_exposure_fix_on_the_service() -> None:
    built = inventory(deployment(pod_spec()), service("LoadBalancer"))
    [hit] = hits("k8s.workload.internet_exposed", built)
    assert hit.key == "Service/svc" and hit.evidence["via"] == {"kind": "Service", "name": "svc", "how": "LoadBalancer"}
    assert hit.fix is not None and hit.fix["object"]["kind"] == "Service"
    assert {"op": "remove", "path": "/spec/ports/0/nodePort"} in hit.fix["json_patch"]
    assert not hits("k8s.workload.internet_exposed", apply_fix(built, hit.fix))


def test_a_check_that_fails_is_reported_and_the_others_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setitem(registry._functions, "k8s.pod.host_pid", broken)
    run = run_checks(inventory(deployment(pod_spec(hostPID=True, hostIPC=True))), datetime.now(UTC))
    assert [(e.check_id, e.message) for e in run.errors] == [("k8s.pod.host_pid", "RuntimeError: boom")]
    assert any(f.rule_id == "k8s.pod.host_ipc" for f in run.findings)


def test_odd_values_do_not_break_the_checks() -> None:
    odd = {"name": "odd", "image": 3, "securityContext": "yes", "ports": "80", "env": {"a": 1}, "resources": []}
    spec = {"containers": [odd, "nonsense"], "volumes": [{"hostPath": None}], "securityContext": [], "hostPID": "true"}
    run = run_checks(inventory(deployment(spec)), datetime.now(UTC))
    assert run.errors == []
    assert "k8s.pod.host_pid" not in run.counts or run.counts["k8s.pod.host_pid"] == 0
