"""The correlation graph: every derived edge, from scanned manifests, image scans, AWS assets and detections, with
its provenance; findings attached to the nodes they are about."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.unit.correlate.scenario import (
    FASTAPI,
    IMAGE_ID,
    KEY_ID,
    LANGCHAIN,
    ROLE,
    USER,
    App,
    aws_user,
    cloud,
    graph_of,
    image_scan,
    in_use,
    inputs,
    runtime,
    workload_ref,
)

from jackwatch.correlate.build import build_graph
from jackwatch.correlate.graph import INTERNET, AttackGraph, NodeKind, Rel
from jackwatch.correlate.inputs import RuntimeContainer
from jackwatch.inventory.scan import scan_assets
from jackwatch.model import Asset, Edge, Provenance

WORKLOAD = workload_ref()
CONTAINER = f"{WORKLOAD}/container/chat"
SERVICE = "k8s://test/shop/Service/chat"
IMAGE_NODE = f"image://{IMAGE_ID}"
BEDROCK = "ai:aws-bedrock"


def rels(graph: AttackGraph, src: str, dst: str) -> set[str]:
    return {edge.rel for edge in graph.edges_between(src, dst)}


def test_a_load_balancer_exposes_its_service_which_selects_the_workload() -> None:
    graph = graph_of(App(exposed="LoadBalancer"))
    assert rels(graph, INTERNET, SERVICE) == {Rel.EXPOSES}
    assert rels(graph, SERVICE, WORKLOAD) == {Rel.SELECTS}
    assert rels(graph, WORKLOAD, CONTAINER) == {Rel.RUNS}
    [edge] = graph.edges_between(INTERNET, SERVICE)
    assert edge.provenance is Provenance.DECLARED and edge.reason == "type LoadBalancer"
    [exposure] = [graph.findings[f] for f in edge.findings]
    assert exposure.rule_id == "k8s.workload.internet_exposed"


def test_a_cluster_ip_service_is_not_exposed_but_still_selects() -> None:
    graph = graph_of(App(exposed=None))
    assert not graph.graph.has_edge(INTERNET, SERVICE)
    assert rels(graph, SERVICE, WORKLOAD) == {Rel.SELECTS}


def test_an_ingress_is_exposed_and_routes_to_its_backend_service() -> None:
    graph = graph_of(App(exposed="Ingress"))
    ingress = "k8s://test/shop/Ingress/chat"
    assert rels(graph, INTERNET, ingress) == {Rel.EXPOSES}
    assert rels(graph, ingress, SERVICE) == {Rel.ROUTES_TO}
    assert not graph.graph.has_edge(INTERNET, SERVICE)


@pytest.mark.parametrize(
    ("exposed", "route", "backend"),
    [
        ("HTTPRoute", "k8s://test/shop/HTTPRoute/chat", "backend chat"),
        ("shared HTTPRoute", "k8s://test/edge/HTTPRoute/chat", "backend shop/chat"),  # a ReferenceGrant allows it
    ],
    ids=["in the namespace", "a shared Gateway's route"],
)
def test_a_gateway_api_route_is_exposed_like_an_ingress(exposed: str, route: str, backend: str) -> None:
    graph = graph_of(App(exposed=exposed))
    [exposes] = graph.edges_between(INTERNET, route)
    assert exposes.rel == Rel.EXPOSES and exposes.reason == "HTTPRoute"
    found = [graph.findings[f] for f in exposes.findings]
    assert [(f.rule_id, f.subject) for f in found] == [("k8s.workload.internet_exposed", WORKLOAD)]
    [routes] = graph.edges_between(route, SERVICE)
    assert routes.rel == Rel.ROUTES_TO and routes.reason == backend
    assert rels(graph, SERVICE, WORKLOAD) == {Rel.SELECTS}
    assert not graph.graph.has_edge(INTERNET, SERVICE)


def test_a_service_whose_selector_misses_the_pod_labels_selects_nothing() -> None:
    other = App(name="worker", exposed=None, labels={})
    graph = graph_of(App(), other)
    assert not graph.graph.has_edge(SERVICE, workload_ref("worker"))
    assert rels(graph, "k8s://test/shop/Service/worker", workload_ref("worker")) == {Rel.SELECTS}


def test_the_container_runs_the_scanned_image_joined_by_digest_and_its_packages_hang_from_it() -> None:
    graph = graph_of(App(), packages=[LANGCHAIN])
    [edge] = graph.edges_between(CONTAINER, IMAGE_NODE)
    assert edge.rel == Rel.RUNS_IMAGE and "digest" in edge.reason
    [package] = graph.out(IMAGE_NODE, Rel.CONTAINS)
    assert graph.nodes[package].kind is NodeKind.PACKAGE and graph.nodes[package].attrs["ai"] is True
    vulns = graph.out(package, Rel.AFFECTED_BY)
    assert "vuln:CVE-2023-36095" in vulns
    assert all(graph.nodes[v].kind is NodeKind.VULNERABILITY for v in vulns)
    assert len(graph.nodes[package].findings) == len(vulns)


def test_an_image_named_by_tag_joins_the_scanned_image_and_an_unknown_one_stays_unscanned() -> None:
    by_tag = graph_of(App(image="registry.example.com/shop/chat:2.0"), packages=[LANGCHAIN])
    assert "tag" in by_tag.edges_between(CONTAINER, IMAGE_NODE)[0].reason
    other = graph_of(App(image="nginx:1.25"), packages=[LANGCHAIN])
    [image] = other.out(CONTAINER, Rel.RUNS_IMAGE)
    assert image == "image://docker.io/library/nginx:1.25" and other.nodes[image].attrs["scanned"] is False
    assert not other.out(image, Rel.CONTAINS)


def test_keys_in_the_environment_are_held_and_an_aws_key_names_its_access_key() -> None:
    graph = graph_of(App(openai_key=True, aws_key=True))
    keys = graph.out(CONTAINER, Rel.HOLDS)
    categories = {graph.nodes[key].attrs["category"] for key in keys}
    assert categories == {"llm", "cloud"}
    [aws] = [key for key in keys if graph.nodes[key].attrs["category"] == "cloud"]
    assert graph.out(aws, Rel.IDENTIFIES) == [f"aws-key:{KEY_ID}"]
    assert all(graph.nodes[key].findings for key in keys)
    assert all("…" in graph.nodes[key].name for key in keys)  # named by the redacted form only


def test_no_key_no_secret_node() -> None:
    graph = graph_of(App())
    assert not graph.of_kind(NodeKind.SECRET) and not graph.out(CONTAINER, Rel.HOLDS)


def test_cloudtrail_detections_observe_the_key_signing_as_the_user_who_calls_bedrock() -> None:
    graph = graph_of(App(aws_key=True), findings=[cloud("aws.bedrock.invocation_volume")])
    identity = f"identity:{USER}"
    [signs] = graph.edges_between(f"aws-key:{KEY_ID}", identity)
    assert (signs.rel, signs.provenance) == (Rel.AUTHENTICATES_AS, Provenance.OBSERVED)
    [invokes] = graph.edges_between(identity, BEDROCK)
    assert (invokes.rel, invokes.provenance) == (Rel.CAN_INVOKE, Provenance.OBSERVED)
    assert graph.out(BEDROCK, Rel.SERVES) == ["model:aws-bedrock/anthropic.claude-3-opus-20240229-v1:0"]
    assert graph.nodes[identity].findings == [cloud("aws.bedrock.invocation_volume").id]


def test_a_detection_without_models_observes_the_key_but_not_the_invocation() -> None:
    graph = graph_of(App(aws_key=True), findings=[cloud("aws.iam.key_recon", models=())])
    assert graph.graph.has_edge(f"aws-key:{KEY_ID}", f"identity:{USER}")
    assert not graph.graph.has_edge(f"identity:{USER}", BEDROCK)


def test_the_aws_inventory_declares_keys_and_bedrock_permissions() -> None:
    able = build_graph(inputs(App(aws_key=True), assets=[aws_user(can_invoke=True)]))
    [signs] = able.edges_between(f"aws-key:{KEY_ID}", f"identity:{USER}")
    assert signs.provenance is Provenance.DECLARED
    assert able.edges_between(f"identity:{USER}", BEDROCK)[0].provenance is Provenance.DECLARED
    unable = build_graph(inputs(App(aws_key=True), assets=[aws_user(can_invoke=False)]))
    assert not unable.graph.has_edge(f"identity:{USER}", BEDROCK)
    inactive = replace(aws_user(can_invoke=True), attrs={**aws_user(can_invoke=True).attrs, "access_keys": []})
    assert not build_graph(inputs(App(aws_key=True), assets=[inactive])).graph.has_edge(
        f"aws-key:{KEY_ID}", f"identity:{USER}"
    )


def test_irsa_links_the_service_account_to_the_role() -> None:
    graph = graph_of(App(irsa=True))
    account = "k8s://test/shop/ServiceAccount/chat"
    assert rels(graph, WORKLOAD, account) == {Rel.USES}
    assert rels(graph, account, f"identity:{ROLE}") == {Rel.ASSUMES}
    assert not graph_of(App()).out(account, Rel.ASSUMES)


def test_runtime_detections_land_on_the_container_of_the_pod_and_not_on_another_workload() -> None:
    detection = runtime()
    graph = graph_of(App(), App(name="chat-worker", exposed=None), findings=[detection])
    assert detection.id in graph.nodes[CONTAINER].findings and detection.id in graph.nodes[WORKLOAD].findings
    assert detection.id not in graph.nodes[workload_ref("chat-worker")].findings
    worker = runtime(pod="shop/chat-worker-5d8f7-abcde", container="chat-worker")
    graph = graph_of(App(), App(name="chat-worker", exposed=None), findings=[worker])
    assert worker.id in graph.nodes[workload_ref("chat-worker")].findings
    assert worker.id not in graph.nodes[WORKLOAD].findings
    elsewhere = runtime(pod="other/chat-6f9d8c7b5-k2x4q")
    assert elsewhere.id not in graph_of(App(), findings=[elsewhere]).findings


def test_runtime_containers_map_a_detection_without_pod_evidence() -> None:
    detection = replace(runtime(), evidence={"source": "syscall", "containers": ["bd77b7942761"]})
    seen = RuntimeContainer("bd77b7942761" + "0" * 52, "chat", IMAGE_ID, IMAGE_ID, "chat-6f9d8c7b5-k2x4q", "shop")
    plain = inputs(App(), packages=[LANGCHAIN], findings=[detection])
    assert detection.id not in build_graph(plain).findings
    graph = build_graph(replace(plain, containers=[seen]))
    assert detection.id in graph.nodes[CONTAINER].findings


def test_package_use_marks_the_package() -> None:
    graph = graph_of(App(), packages=[LANGCHAIN, FASTAPI], used=[in_use(*LANGCHAIN)])
    marked = {graph.nodes[p].attrs["package"]: graph.nodes[p].attrs.get("in_use") for p in graph.out(IMAGE_NODE)}
    assert marked == {"langchain": True, "fastapi": None}


def test_owned_workloads_are_left_to_their_controller() -> None:
    assets = inputs(App()).assets
    owned = [
        replace(asset, attrs={**asset.attrs, "owner": "ReplicaSet/chat-6f9d"})
        if asset.kind == "k8s_workload"
        else asset
        for asset in assets
    ]
    graph = build_graph(replace(inputs(App()), assets=owned))
    assert not graph.of_kind(NodeKind.WORKLOAD)


def test_edges_merge_their_findings_and_an_observation_wins() -> None:
    graph = AttackGraph()
    graph.add_node("a", NodeKind.CONTAINER, "a")
    graph.add_node("b", NodeKind.SECRET, "b")
    graph.add_edge(Edge("a", Rel.HOLDS, "b", Provenance.DECLARED, reason="env", findings=("f1",)))
    graph.add_edge(Edge("a", Rel.HOLDS, "b", Provenance.OBSERVED, findings=("f2", "f1")))
    [edge] = graph.edges_between("a", "b")
    assert (edge.provenance, edge.reason, edge.findings) == (Provenance.OBSERVED, "env", ("f1", "f2"))
    with pytest.raises(KeyError):
        graph.add_edge(Edge("a", Rel.RUNS, "nowhere", Provenance.DECLARED))


def test_a_scanned_directory_is_a_root_its_packages_hang_from_but_no_container_runs() -> None:
    result = image_scan([LANGCHAIN])
    result.kind = "fs"
    result.root = Asset(ref="file://build-host/srv/app", kind="filesystem", name="/srv/app")
    graph = build_graph(replace(inputs(App()), assets=[*inputs(App()).assets, *scan_assets(result)]))
    root = graph.nodes["file://build-host/srv/app"]
    assert root.kind is NodeKind.ROOT and root.label == "/srv/app"
    assert len(graph.out(root.id, Rel.CONTAINS)) == 1 and not graph.into(root.id)
