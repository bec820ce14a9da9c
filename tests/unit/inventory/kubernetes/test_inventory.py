"""The inventory built from objects: workloads of every kind with their containers, cloud identities, Secrets
(values scanned, then gone), ConfigMaps, owners, images, network selection, AI signals and assets."""

from __future__ import annotations

import base64
import json
import random

import orjson
import pytest
from tests.unit.secrets.samples import aws_key_id, aws_secret, openai_key

from jackwatch.inventory.kubernetes import K8sInventory, build_inventory, read_manifest_text
from jackwatch.inventory.kubernetes.ai import ai_signals
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.inventory.kubernetes.images import exempt, parse_image, valid_digest
from jackwatch.inventory.kubernetes.network import egress_policies, exposures, selects
from jackwatch.sources.stats import ReadStats

POD_SPEC = {
    "containers": [{"name": "app", "image": "nginx:1.25"}],
    "initContainers": [{"name": "init", "image": "busybox"}],
}


def inventory(*objects: dict, cluster: str = "c1") -> K8sInventory:
    text = "\n---\n".join(json.dumps(obj) for obj in objects)
    stats = ReadStats()
    return build_inventory(read_manifest_text(text, "m.yaml", stats), cluster, stats)


def workload(kind: str, name: str = "w", spec: dict | None = None, namespace: str = "ns", **extra: object) -> dict:
    pod = {"metadata": {"labels": {"app": name}}, "spec": spec or POD_SPEC}
    api = {"Pod": "v1", "CronJob": "batch/v1", "Job": "batch/v1"}.get(kind, "apps/v1")
    body: dict = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": namespace, **extra}}
    if kind == "Pod":
        body["metadata"]["labels"] = {"app": name}
        body["spec"] = pod["spec"]
    elif kind == "CronJob":
        body["spec"] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": pod}}}
    else:
        body["spec"] = {"selector": {"matchLabels": {"app": name}}, "template": pod}
    return body


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Pod", ("spec",)),
        ("Deployment", ("spec", "template", "spec")),
        ("StatefulSet", ("spec", "template", "spec")),
        ("DaemonSet", ("spec", "template", "spec")),
        ("ReplicaSet", ("spec", "template", "spec")),
        ("Job", ("spec", "template", "spec")),
        ("CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    ],
)
def test_every_workload_kind_with_its_containers(kind: str, path: tuple[str, ...]) -> None:
    [found] = inventory(workload(kind)).workloads
    assert found.spec_path == path and found.ref == f"k8s://c1/ns/{kind}/w"
    assert [(c.name, c.field, c.path[-2:]) for c in found.containers] == [
        ("init", "initContainers", ("initContainers", 0)),
        ("app", "containers", ("containers", 0)),
    ]
    assert found.pod_labels == {"app": "w"} and found.service_account == "default"


def test_objects_that_run_no_pods_are_not_workloads() -> None:
    built = inventory({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}, workload("Deployment"))
    assert [w.obj.kind for w in built.workloads] == ["Deployment"] and built.kinds() == {"Deployment": 1, "Service": 1}


def test_identities_from_service_account_annotations() -> None:
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "ai",
            "namespace": "ns",
            "annotations": {
                "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/bedrock",
                "iam.gke.io/gcp-service-account": "app@proj.iam.gserviceaccount.com",
                "azure.workload.identity/client-id": "00000000-1111-2222-3333-444444444444",
            },
        },
    }
    labelled = workload("Deployment", "a", {**POD_SPEC, "serviceAccountName": "ai"})
    labelled["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] = "true"
    plain = workload("Deployment", "b", {**POD_SPEC, "serviceAccountName": "ai"})
    other_namespace = workload("Deployment", "c", {**POD_SPEC, "serviceAccountName": "ai"}, namespace="other")
    built = inventory(account, labelled, plain, other_namespace)
    by_name = {w.obj.name: w for w in built.workloads}
    assert [(i.provider, i.principal, i.active) for i in by_name["a"].identities] == [
        ("aws_irsa", "arn:aws:iam::111122223333:role/bedrock", True),
        ("gcp_workload_identity", "app@proj.iam.gserviceaccount.com", True),
        ("azure_workload_identity", "00000000-1111-2222-3333-444444444444", True),
    ]
    assert by_name["b"].identities[2].active is False  # azure needs the pod label
    assert by_name["c"].identities == ()


def test_identities_injected_into_live_pods() -> None:
    env = [
        {"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::111122223333:role/x"},
        {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/token"},
        {"name": "AWS_CONTAINER_CREDENTIALS_FULL_URI", "value": "http://169.254.170.23/v1/credentials"},
    ]
    spec = {"containers": [{"name": "app", "image": "x", "env": env}]}
    [found] = inventory(workload("Pod", spec=spec)).workloads
    assert [(i.provider, i.source) for i in found.identities] == [
        ("aws_irsa", "env AWS_ROLE_ARN"),
        ("aws_pod_identity", "env AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    ]
    without = inventory(workload("Pod", spec={"containers": [{"name": "app", "image": "x", "env": env[:1]}]}))
    assert without.workloads[0].identities == ()


def test_secret_values_are_scanned_then_dropped() -> None:
    rng = random.Random(3)
    key = openai_key(rng).secret
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "llm",
            "namespace": "ns",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": {"k": key}}),
                "team": "ai",
            },
        },
        "data": {"OPENAI_API_KEY": base64.b64encode(key.encode()).decode(), "bad": "%%%not base64"},
        "stringData": {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret},
    }
    built = inventory(body)
    [holder] = built.secrets
    assert sorted((leak.kind, leak.within) for leak in holder.leaks) == [
        ("aws_access_key", "AWS_SECRET_ACCESS_KEY"),
        ("openai_api_key", "OPENAI_API_KEY"),
    ]
    assert holder.keys == ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "bad")
    kept = orjson.dumps(built.objects[0].body).decode()
    for value in (key, secret, base64.b64encode(key.encode()).decode()):
        assert value not in kept
    assert built.objects[0].annotations == {"team": "ai"}


def test_configmap_keys_and_container_env_keys() -> None:
    rng = random.Random(4)
    key = openai_key(rng).secret
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"OPENAI_API_KEY": key}}
    env = [
        {"name": "AWS_ACCESS_KEY_ID", "value": aws_key_id(rng)},
        {"name": "AWS_SECRET_ACCESS_KEY", "value": aws_secret(rng)},
    ]
    spec = {"containers": [{"name": "app", "image": "x", "env": [*env, {"name": "N", "value": 3}]}]}
    built = inventory(config, workload("Pod", spec=spec))
    assert [(leak.kind, leak.within) for leak in built.configmaps[0].leaks] == [("openai_api_key", "OPENAI_API_KEY")]
    container = built.workloads[0].containers[0]
    assert [(leak.kind, leak.within, leak.identifier) for leak in container.env_leaks] == [
        ("aws_access_key", "AWS_SECRET_ACCESS_KEY", env[0]["value"])
    ]
    assert container.literal_env()["N"] == "3"


def test_pods_and_replicasets_made_by_controllers_in_the_inventory_are_not_checked_twice() -> None:
    deployment = workload("Deployment", "web")
    replicaset = workload("ReplicaSet", "web-1", ownerReferences=[{"kind": "Deployment", "name": "web"}])
    pod = workload("Pod", "web-1-x", ownerReferences=[{"kind": "ReplicaSet", "name": "web-1"}])
    orphan = workload("Pod", "lone", ownerReferences=[{"kind": "ReplicaSet", "name": "gone"}])
    built = inventory(deployment, replicaset, pod, orphan)
    assert [(w.obj.name, w.owner) for w in built.workloads] == [
        ("web", None),
        ("web-1", "Deployment/web"),
        ("web-1-x", "ReplicaSet/web-1"),
        ("lone", None),
    ]
    assert [w.obj.name for w in built.checked_workloads] == ["web", "lone"]


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest", "canonical"),
    [
        ("nginx", "", "nginx", None, None, "docker.io/library/nginx:latest"),
        ("nginx:1.25", "", "nginx", "1.25", None, "docker.io/library/nginx:1.25"),
        ("bitnami/redis:7", "", "bitnami/redis", "7", None, "docker.io/bitnami/redis:7"),
        ("registry.example.com:5000/app:1.0", "registry.example.com:5000", "app", "1.0", None, None),
        ("localhost/app", "localhost", "app", None, None, "localhost/app:latest"),
        ("ghcr.io/a/b@sha256:" + "a" * 64, "ghcr.io", "a/b", None, "sha256:" + "a" * 64, None),
        ("nginx:1.25@sha256:" + "b" * 64, "", "nginx", "1.25", "sha256:" + "b" * 64, None),
    ],
)
def test_image_references(
    text: str, registry: str, path: str, tag: str | None, digest: str | None, canonical: str | None
) -> None:
    image = parse_image(text)
    assert (image.registry, image.path, image.tag, image.digest) == (registry, path, tag, digest)
    if canonical:
        assert image.canonical == canonical


@pytest.mark.parametrize(
    ("digest", "valid"),
    [
        ("sha256:" + "a" * 64, True),
        ("sha256:" + "a" * 63, False),
        ("sha256:" + "A" * 64, False),
        ("sha512:" + "c" * 128, True),
        ("sha512:" + "c" * 32, False),
        ("blake3:" + "d" * 64, True),
        ("custom-algorithm:a", True),
        ("sha256", False),
        ("Sha256:" + "a" * 64, False),
    ],
)
def test_digests(digest: str, valid: bool) -> None:
    assert valid_digest(digest) is valid


def test_exempt_repositories_match_whole_segments() -> None:
    assert exempt(parse_image("internal-registry/nginx:1"), ("internal-registry",))
    assert not exempt(parse_image("internal-registry-attacker/app:1"), ("internal-registry",))


def test_label_selectors() -> None:
    labels = {"app": "web", "tier": "front"}
    assert selects({}, labels)
    assert selects({"matchLabels": {"app": "web"}}, labels)
    assert not selects({"matchLabels": {"app": "db"}}, labels)
    expressions = [
        ({"key": "tier", "operator": "In", "values": ["front", "x"]}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["front"]}, False),
        ({"key": "zone", "operator": "NotIn", "values": ["a"]}, True),
        ({"key": "app", "operator": "Exists"}, True),
        ({"key": "app", "operator": "DoesNotExist"}, False),
    ]
    for expression, expected in expressions:
        assert selects({"matchExpressions": [expression]}, labels) is expected, expression


def service(name: str, kind: str, selector: dict | None, namespace: str = "ns", **annotations: str) -> dict:
    body = {"type": kind, "ports": [{"port": 80}]}
    if selector is not None:
        body["selector"] = selector
    metadata = {"name": name, "namespace": namespace, "annotations": annotations}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": body}


def test_exposure_through_services_and_ingresses() -> None:
    internal = {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "ing", "namespace": "ns"},
        "spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "api-internal"}}}]}}]},
    }
    built = inventory(
        workload("Deployment", "web"),
        workload("Deployment", "api"),
        workload("Deployment", "db"),
        workload("Deployment", "web", namespace="other"),
        service("web-lb", "LoadBalancer", {"app": "web"}),
        service("api-internal", "ClusterIP", {"app": "api"}),
        service("db-lb", "LoadBalancer", {"app": "db"}, **internal),
        service("none", "NodePort", None),
        ingress,
    )
    found = {ref: [exposure.as_dict() for exposure in items] for ref, items in exposures(built).items()}
    assert found == {
        "k8s://c1/ns/Deployment/web": [{"kind": "Service", "name": "web-lb", "how": "LoadBalancer"}],
        "k8s://c1/ns/Deployment/api": [{"kind": "Ingress", "name": "ing", "how": "Ingress", "service": "api-internal"}],
    }


def test_egress_policies_select_by_labels_and_types() -> None:
    def policy(name: str, selector: dict, **spec: object) -> dict:
        metadata = {"name": name, "namespace": "ns"}
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata,
            "spec": {"podSelector": selector, **spec},
        }

    built = inventory(
        workload("Deployment", "web"),
        policy("ingress-only", {}, policyTypes=["Ingress"]),
        policy("other-app", {"matchLabels": {"app": "db"}}, policyTypes=["Egress"]),
    )
    assert list(egress_policies(built, built.workloads[0])) == []
    built = inventory(workload("Deployment", "web"), policy("implicit", {"matchLabels": {"app": "web"}}, egress=[]))
    assert [p.name for p in egress_policies(built, built.workloads[0])] == ["implicit"]


def test_ai_signals_from_images_and_environment() -> None:
    spec = {
        "containers": [
            {"name": "m", "image": "vllm/vllm-openai:v0.6.0"},
            {"name": "a", "image": "ghcr.io/acme/chat-bot:1", "env": [{"name": "ANTHROPIC_API_KEY", "valueFrom": {}}]},
        ]
    }
    found = inventory(workload("Deployment", spec=spec))
    assert ai_signals(found, found.workloads[0]) == ["env ANTHROPIC_API_KEY", "image vllm/vllm-openai:v0.6.0"]
    plain = inventory(workload("Deployment"))
    assert ai_signals(plain, plain.workloads[0]) == []
    langchain = inventory(workload("Deployment", spec={"containers": [{"name": "x", "image": "acme/langchain-app"}]}))
    assert ai_signals(langchain, langchain.workloads[0]) == ["image acme/langchain-app"]


def test_assets_never_hold_keys() -> None:
    key = openai_key(random.Random(9)).secret
    spec = {
        "containers": [{"name": "app", "image": "acme/openai-app:1", "env": [{"name": "OPENAI_API_KEY", "value": key}]}]
    }
    built = inventory(workload("Deployment", "ai", spec=spec), service("ai", "LoadBalancer", {"app": "ai"}))
    assets = inventory_assets(built)
    assert [(a.kind, a.ref) for a in assets] == [
        ("k8s_workload", "k8s://c1/ns/Deployment/ai"),
        ("k8s_container", "k8s://c1/ns/Deployment/ai/container/app"),
        ("image", "image://docker.io/acme/openai-app:1"),
        ("k8s_service", "k8s://c1/ns/Service/ai"),
    ]
    workload_asset, container_asset = assets[0], assets[1]
    assert workload_asset.attrs["ai"] is True and workload_asset.attrs["exposed"][0]["how"] == "LoadBalancer"
    assert container_asset.parent == workload_asset.id and container_asset.attrs["env"] == ["OPENAI_API_KEY"]
    assert key not in orjson.dumps([a.attrs for a in assets]).decode()


def test_container_assets_list_the_keys_of_the_environment_and_the_command_line_without_them() -> None:
    rng = random.Random(10)
    in_env, in_args = openai_key(rng).secret, openai_key(rng).secret
    container = {
        "name": "app",
        "image": "acme/openai-app:1",
        "env": [{"name": "OPENAI_API_KEY", "value": in_env}],
        "args": ["serve", f"--openai-key={in_args}"],
    }
    built = inventory(workload("Deployment", "ai", spec={"containers": [container]}))
    [asset] = [a for a in inventory_assets(built) if a.kind == "k8s_container"]
    keys = asset.attrs["keys"]
    assert [(key["kind"], key.get("variable"), key.get("argument")) for key in keys] == [
        ("openai_api_key", "OPENAI_API_KEY", None),
        ("openai_api_key", None, "args[1]"),
    ]
    assert all(key["fingerprint"].startswith("sha256:") for key in keys)
    assert keys[0]["fingerprint"] != keys[1]["fingerprint"]
    shown = orjson.dumps(asset.attrs).decode()
    assert in_env not in shown and in_args not in shown
