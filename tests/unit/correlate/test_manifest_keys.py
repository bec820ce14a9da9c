"""Keys written in manifests on the correlation graph. The workloads that read a ConfigMap (``used_by`` of the
``k8s.configmap.key`` finding) lead to it, so an exposed workload reaches the key and what the key signs in as; a key
in a container's arguments is held by the container, and one only a last-applied annotation still holds by the
object annotated. Each counts for the workload's ``leaked_key`` risk factor."""

from __future__ import annotations

from tests.unit.correlate.scenario import (
    CLUSTER,
    KEY_ID,
    NAMESPACE,
    NOW,
    OPENAI_KEY,
    SECRET_KEY,
    USER,
    aws_user,
    workload_ref,
)

from jackwatch.checks.kubernetes import run_checks
from jackwatch.correlate.build import build_graph
from jackwatch.correlate.factors import load_factors, supporting, view
from jackwatch.correlate.graph import INTERNET, AttackGraph, NodeKind, Rel
from jackwatch.correlate.inputs import GraphInputs
from jackwatch.correlate.paths import find_paths
from jackwatch.inventory.kubernetes import build_inventory, read_manifest_text
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.inventory.kubernetes.inventory import LAST_APPLIED
from jackwatch.model import Asset, Finding
from jackwatch.sources.stats import ReadStats

WORKLOAD = workload_ref()
SERVICE = f"k8s://{CLUSTER}/{NAMESPACE}/Service/chat"
CONFIGMAP = f"k8s://{CLUSTER}/{NAMESPACE}/ConfigMap/app-config"
ENV_FROM = "envFrom: [{configMapRef: {name: app-config}}]"
OPENAI_DATA = f"{{OPENAI_API_KEY: {OPENAI_KEY}, LOG_LEVEL: info}}"
AWS_DATA = f"{{AWS_ACCESS_KEY_ID: {KEY_ID}, AWS_SECRET_ACCESS_KEY: '{SECRET_KEY}'}}"


def manifests(reads: str = ENV_FROM, data: str = OPENAI_DATA, *, volumes: str = "[]") -> str:
    """A Deployment published by a LoadBalancer Service, reading the ConfigMap app-config as ``reads`` says (a
    container field) and through ``volumes``; the ConfigMap holds ``data``."""
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: app-config, namespace: {NAMESPACE}}}
data: {data}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: chat, namespace: {NAMESPACE}}}
spec:
  selector: {{matchLabels: {{app: chat}}}}
  template:
    metadata: {{labels: {{app: chat}}}}
    spec:
      volumes: {volumes}
      containers:
        - name: chat
          image: registry.example.com/shop/chat:2.0
          {reads}
---
apiVersion: v1
kind: Service
metadata: {{name: chat, namespace: {NAMESPACE}}}
spec:
  type: LoadBalancer
  selector: {{app: chat}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def graph_of(text: str, *assets: Asset) -> AttackGraph:
    """The graph of a ``scan k8s`` of ``text`` (and ``assets``)."""
    stats = ReadStats()
    inventory = build_inventory(read_manifest_text(text, "app.yaml", stats), CLUSTER, stats)
    assert not stats.problems, stats.problems
    run = run_checks(inventory, NOW)
    assert not run.errors, run.errors
    return build_graph(GraphInputs(assets=[*inventory_assets(inventory), *assets], findings=run.findings))


def walks(graph: AttackGraph) -> list[tuple[str, ...]]:
    return [path.nodes for path in find_paths(graph).paths]


def test_an_exposed_workload_reading_the_configmap_through_env_from_reaches_its_llm_key() -> None:
    graph = graph_of(manifests())
    [edge] = graph.edges_between(WORKLOAD, CONFIGMAP)
    assert edge.rel == Rel.USES and "envFrom" in edge.reason
    [key] = graph.out(CONFIGMAP, Rel.HOLDS)
    assert graph.nodes[key].attrs["category"] == "llm"
    assert (INTERNET, SERVICE, WORKLOAD, CONFIGMAP, key) in walks(graph)


def test_an_aws_key_in_the_configmap_leads_the_workload_to_the_identity_and_bedrock() -> None:
    graph = graph_of(manifests(data=AWS_DATA), aws_user(can_invoke=True))
    [key] = graph.out(CONFIGMAP, Rel.HOLDS)
    path = (INTERNET, SERVICE, WORKLOAD, CONFIGMAP, key, f"aws-key:{KEY_ID}", f"identity:{USER}", "ai:aws-bedrock")
    assert path in walks(graph)


def test_a_key_reference_or_a_volume_reads_the_configmap_too() -> None:
    by_key = "env: [{name: OPENAI_API_KEY, valueFrom: {configMapKeyRef: {name: app-config, key: OPENAI_API_KEY}}}]"
    volume = "[{name: config, configMap: {name: app-config}}]"
    mount = "volumeMounts: [{name: config, mountPath: /etc/app}]"
    for graph in (graph_of(manifests(by_key)), graph_of(manifests(mount, volumes=volume))):
        assert graph.out(WORKLOAD, Rel.USES) == [CONFIGMAP]


def test_a_configmap_nobody_reads_holds_its_key_but_no_workload_reaches_it() -> None:
    for reads in ("env: [{name: LOG_LEVEL, value: info}]", "envFrom: [{configMapRef: {name: other-config}}]"):
        graph = graph_of(manifests(reads))
        [key] = graph.out(CONFIGMAP, Rel.HOLDS)
        assert graph.nodes[key].kind is NodeKind.SECRET and graph.nodes[key].findings
        assert graph.into(CONFIGMAP) == [] and graph.out(WORKLOAD, Rel.USES) == []
        assert not [path for path in walks(graph) if path[0] == INTERNET]


def test_a_configmap_of_the_same_name_in_another_namespace_is_not_read() -> None:
    text = manifests().replace(f"namespace: {NAMESPACE}}}\ndata", "namespace: billing}\ndata", 1)
    graph = graph_of(text)
    configmap = f"k8s://{CLUSTER}/billing/ConfigMap/app-config"
    assert graph.out(configmap, Rel.HOLDS) and graph.into(configmap) == []


def test_a_live_replica_set_reading_the_configmap_is_left_to_its_deployment() -> None:
    replica_set = f"""\
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: chat-6f9d8c7b5
  namespace: {NAMESPACE}
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: chat, uid: 0b5f, controller: true}}]
spec:
  selector: {{matchLabels: {{app: chat}}}}
  template:
    metadata: {{labels: {{app: chat}}}}
    spec:
      containers: [{{name: chat, image: registry.example.com/shop/chat:2.0, {ENV_FROM}}}]
"""
    graph = graph_of(manifests() + replica_set)
    assert graph.into(CONFIGMAP, Rel.USES) == [WORKLOAD]


def leaked_key(graph: AttackGraph) -> list[Finding]:
    """The findings behind the workload's ``leaked_key`` risk factor."""
    return supporting(graph, load_factors()["leaked_key"], view(graph, graph.nodes[WORKLOAD]), NOW)


def test_a_key_in_a_configmap_the_workload_reads_is_its_leaked_key() -> None:
    assert {finding.rule_id for finding in leaked_key(graph_of(manifests()))} == {"k8s.configmap.key"}
    assert leaked_key(graph_of(manifests("envFrom: [{configMapRef: {name: other-config}}]"))) == []


def test_a_key_in_a_container_argument_is_held_by_the_container() -> None:
    text = manifests(f"args: [--api-key, {OPENAI_KEY}]", data="{LOG_LEVEL: info}")
    graph = graph_of(text)
    container = f"{WORKLOAD}/container/chat"
    [key] = graph.out(container, Rel.HOLDS)
    [edge] = graph.edges_between(container, key)
    assert edge.reason == "args[1]"
    assert (INTERNET, SERVICE, WORKLOAD, container, key) in walks(graph)
    assert {finding.rule_id for finding in leaked_key(graph)} == {"k8s.container.args_key"}


def test_a_key_only_the_last_applied_annotation_holds_is_held_by_the_workload() -> None:
    applied = (
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"chat"},"spec":{"template":{"spec":'
        f'{{"containers":[{{"name":"chat","env":[{{"name":"OPENAI_API_KEY","value":"{OPENAI_KEY}"}}]}}]}}}}}}}}'
    )
    annotated = f"metadata: {{name: chat, namespace: {NAMESPACE}, annotations: {{{LAST_APPLIED}: '{applied}'}}}}"
    text = manifests("env: [{name: LOG_LEVEL, value: info}]", data="{LOG_LEVEL: info}")
    text = text.replace(
        f"metadata: {{name: chat, namespace: {NAMESPACE}}}\nspec:\n  selector", f"{annotated}\nspec:\n  selector", 1
    )
    graph = graph_of(text)
    [key] = graph.out(WORKLOAD, Rel.HOLDS)
    [edge] = graph.edges_between(WORKLOAD, key)
    assert edge.reason == f"annotation {LAST_APPLIED}"
    assert (INTERNET, SERVICE, WORKLOAD, key) in walks(graph)
    assert {finding.rule_id for finding in leaked_key(graph)} == {"k8s.last_applied.key"}
