"""Risks and paths as JSON data, text, Mermaid and DOT: every hop and finding shown, labels escaped, no secret."""

from __future__ import annotations

import json
import re
from itertools import pairwise

from tests.unit.correlate.scenario import LANGCHAIN, NOW, OPENAI_KEY, SECRET_KEY, App, cloud, graph_of

from jackwatch.correlate.graph import INTERNET, AttackGraph, NodeKind, Rel
from jackwatch.correlate.paths import find_paths
from jackwatch.correlate.report import path_dict, paths_dot, paths_mermaid, paths_text, risk_dict
from jackwatch.correlate.risk import RiskCatalog, evaluate
from jackwatch.model import Edge, Provenance

GRAPH = graph_of(
    App(aws_key=True, openai_key=True, privileged=True),
    packages=[LANGCHAIN],
    findings=[cloud("aws.bedrock.invocation_volume")],
)
PATHS = find_paths(GRAPH).paths


def test_paths_as_json_name_every_hop_and_its_findings() -> None:
    body = [path_dict(GRAPH, path) for path in PATHS]
    json.dumps(body)
    [bedrock] = [p for p in body if p["entry"]["id"] == INTERNET and p["target"]["id"] == "ai:aws-bedrock"]
    assert [hop["rel"] for hop in bedrock["hops"]] == [
        "exposes",
        "selects",
        "runs",
        "holds",
        "identifies",
        "authenticates_as",
        "can_invoke",
    ]
    assert bedrock["hops"][0]["findings"][0]["rule_id"] == "k8s.workload.internet_exposed"
    assert bedrock["hops"][-1]["provenance"] == "observed" and bedrock["hops"][-1]["time"].endswith("Z")
    assert all(hop["from"]["id"] == before["to"]["id"] for before, hop in pairwise(bedrock["hops"]))


def test_risks_as_json_carry_the_findings_of_each_factor() -> None:
    [risk] = [r for r in evaluate(GRAPH, RiskCatalog.load(), NOW) if r.subject_kind == "workload"]
    body = risk_dict(GRAPH, risk)
    assert body["subject"]["kind"] == "workload" and body["severity"] == "critical"
    assert all(factor["findings"] and factor["findings"][0]["rule_id"] for factor in body["factors"])
    text = json.dumps(body)
    assert SECRET_KEY not in text and OPENAI_KEY not in text


def test_the_text_lists_each_path_then_its_hops_with_short_finding_ids() -> None:
    text = paths_text(GRAPH, PATHS)
    assert text.startswith("1. Internet → Service shop/chat (LoadBalancer) → Deployment shop/chat")
    assert "─can_invoke→ Amazon Bedrock  [observed]" in text
    assert re.search(r"← k8s\.workload\.internet_exposed [0-9a-f]{8}\b", text)
    assert SECRET_KEY not in text and OPENAI_KEY not in text
    assert "No attack path" in paths_text(GRAPH, [])


def test_mermaid_draws_each_node_and_hop_once() -> None:
    text = paths_mermaid(GRAPH, PATHS)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines if "[" in line and "-->" not in line and "-.->" not in line]
    assert len(nodes) == len({node for path in PATHS for node in path.nodes})
    hops = [line for line in lines if "-->" in line or "-.->" in line]
    assert len(hops) == len(set(hops)) and any("-.->|can_invoke|" in hop for hop in hops)


def test_labels_are_escaped_in_mermaid_and_dot() -> None:
    graph = AttackGraph()
    graph.add_node(INTERNET, NodeKind.INTERNET, "Internet")
    graph.add_node('say "hi"\\', NodeKind.AI_SERVICE, 'the "quoted" <svc>\\')
    graph.add_edge(Edge(INTERNET, Rel.EXPOSES, 'say "hi"\\', Provenance.DECLARED))
    paths = find_paths(graph).paths
    assert len(paths) == 1
    mermaid = paths_mermaid(graph, paths)
    assert '"the #quot;quoted#quot; #lt;svc#gt;\\"' in mermaid
    dot = paths_dot(graph, paths)
    assert '"say \\"hi\\"\\\\" [label="the \\"quoted\\" <svc>\\\\"' in dot
    assert dot.startswith("digraph attack_paths {") and dot.rstrip().endswith("}")


def test_dot_marks_observed_hops_dashed() -> None:
    dot = paths_dot(GRAPH, PATHS)
    assert '[label="can_invoke", style=dashed]' in dot and '[label="exposes"]' in dot
