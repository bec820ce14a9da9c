"""Attack paths on small graphs: entries and crown jewels, detours and beginnings of other paths dropped, the hop
limit, the path limit, ``--to``, and the findings each hop cites."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.unit.correlate.scenario import LANGCHAIN, USER, App, cloud, graph_of, workload_ref

from jackwatch.correlate.graph import INTERNET, AttackGraph, NodeKind, Rel
from jackwatch.correlate.paths import crown_jewels, entries, find_paths
from jackwatch.model import Edge, Finding, FindingKind, Provenance, Severity

T = datetime(2026, 11, 20, tzinfo=UTC)


def small(*edges: tuple[str, Rel, str], kinds: dict[str, NodeKind] | None = None) -> AttackGraph:
    """A graph of ``edges``; node kinds from ``kinds`` (a container by default)."""
    graph = AttackGraph()
    graph.add_node(INTERNET, NodeKind.INTERNET, "Internet")
    for src, rel, dst in edges:
        for node in (src, dst):
            if node not in graph.nodes:
                graph.add_node(node, (kinds or {}).get(node, NodeKind.CONTAINER), node)
        graph.add_edge(Edge(src, rel, dst, Provenance.DECLARED))
    return graph


BEDROCK = {"bedrock": NodeKind.AI_SERVICE, "user": NodeKind.CLOUD_IDENTITY, "wl": NodeKind.WORKLOAD}


def walks(graph: AttackGraph, **options: object) -> list[tuple[str, ...]]:
    return [path.nodes for path in find_paths(graph, **options).paths]  # type: ignore[arg-type]


def test_a_chain_to_an_ai_service_is_one_path_and_its_beginning_is_dropped() -> None:
    graph = small(
        (INTERNET, Rel.EXPOSES, "svc"),
        ("svc", Rel.SELECTS, "wl"),
        ("wl", Rel.ASSUMES, "user"),
        ("user", Rel.CAN_INVOKE, "bedrock"),
        kinds=BEDROCK,
    )
    assert crown_jewels(graph) == ["bedrock", "user"]
    assert walks(graph) == [(INTERNET, "svc", "wl", "user", "bedrock")]


def test_a_detour_through_every_node_of_a_shorter_path_is_dropped() -> None:
    graph = small(
        (INTERNET, Rel.EXPOSES, "svc"),
        ("svc", Rel.SELECTS, "wl"),
        ("wl", Rel.RUNS, "c"),
        ("c", Rel.HOLDS, "key"),
        ("c", Rel.RUNS_IMAGE, "img"),
        ("img", Rel.HOLDS, "key"),
        kinds={"key": NodeKind.SECRET, "wl": NodeKind.WORKLOAD, "img": NodeKind.IMAGE},
    )
    graph.nodes["key"].attrs["category"] = "llm"
    assert walks(graph) == [(INTERNET, "svc", "wl", "c", "key")]


def test_two_ways_that_do_not_contain_each_other_are_both_kept() -> None:
    graph = small(
        (INTERNET, Rel.EXPOSES, "a"),
        (INTERNET, Rel.EXPOSES, "b"),
        ("a", Rel.ASSUMES, "user"),
        ("b", Rel.ASSUMES, "user"),
        ("user", Rel.CAN_INVOKE, "bedrock"),
        kinds=BEDROCK,
    )
    assert sorted(walks(graph)) == [(INTERNET, "a", "user", "bedrock"), (INTERNET, "b", "user", "bedrock")]


def test_no_path_without_an_entry_reaching_a_jewel() -> None:
    graph = small(("svc", Rel.SELECTS, "wl"), ("wl", Rel.ASSUMES, "user"), ("user", Rel.CAN_INVOKE, "bedrock"))
    assert walks(graph) == []
    inner = small((INTERNET, Rel.EXPOSES, "svc"), ("wl", Rel.ASSUMES, "user"), ("user", Rel.CAN_INVOKE, "bedrock"))
    assert walks(inner) == []


def test_relations_an_attacker_does_not_follow_are_not_walked() -> None:
    graph = small(
        (INTERNET, Rel.EXPOSES, "img"),
        ("img", Rel.CONTAINS, "pkg"),
        ("pkg", Rel.AFFECTED_BY, "bedrock"),
        kinds={"bedrock": NodeKind.AI_SERVICE},
    )
    assert walks(graph) == []


def test_the_hop_limit_bounds_the_search() -> None:
    chain = [(INTERNET, Rel.EXPOSES, "n0")] + [(f"n{i}", Rel.RUNS, f"n{i + 1}") for i in range(5)]
    graph = small(*chain, ("n5", Rel.CAN_INVOKE, "bedrock"), kinds={"bedrock": NodeKind.AI_SERVICE})
    assert len(walks(graph, max_hops=7)[0]) == 8
    assert walks(graph, max_hops=6) == []
    with pytest.raises(ValueError, match="max_hops"):
        find_paths(graph, max_hops=0)


def test_the_path_limit_stops_the_search_and_says_so() -> None:
    fan = [(INTERNET, Rel.EXPOSES, f"s{i}") for i in range(6)]
    fan += [(f"s{i}", Rel.CAN_INVOKE, "bedrock") for i in range(6)]
    graph = small(*fan, kinds={"bedrock": NodeKind.AI_SERVICE})
    assert len(find_paths(graph).paths) == 6 and not find_paths(graph).truncated
    cut = find_paths(graph, limit=4)
    assert len(cut.paths) == 4 and cut.truncated


def test_to_selects_targets_by_kind_id_or_name() -> None:
    graph = small(
        (INTERNET, Rel.EXPOSES, "svc"),
        ("svc", Rel.ASSUMES, "user"),
        ("user", Rel.CAN_INVOKE, "bedrock"),
        ("bedrock", Rel.SERVES, "opus"),
        kinds={**BEDROCK, "opus": NodeKind.MODEL},
    )
    assert walks(graph, to="model") == [(INTERNET, "svc", "user", "bedrock", "opus")]
    assert walks(graph, to="identity") == [(INTERNET, "svc", "user")]
    assert walks(graph, to="OPUS") == [(INTERNET, "svc", "user", "bedrock", "opus")]
    assert crown_jewels(graph, "nothing") == []


def test_leaked_keys_are_entries() -> None:
    graph = small(
        ("key", Rel.IDENTIFIES, "akia"),
        ("akia", Rel.AUTHENTICATES_AS, "user"),
        ("user", Rel.CAN_INVOKE, "bedrock"),
        kinds={**BEDROCK, "key": NodeKind.SECRET},
    )
    graph.nodes["key"].attrs["category"] = "cloud"
    assert entries(graph) == [INTERNET]  # no finding says it leaked
    finding = Finding(
        "f" * 32, FindingKind.MISCONFIGURATION, "k8s.container.env_key", "t", "s", Severity.CRITICAL, T, T, 1
    )
    graph.attach("key", finding)
    assert entries(graph) == [INTERNET, "key"]
    assert walks(graph) == [("key", "akia", "user", "bedrock")]


def test_the_demo_shape_cites_the_findings_of_each_hop() -> None:
    graph = graph_of(App(aws_key=True), packages=[LANGCHAIN], findings=[cloud("aws.bedrock.invocation_volume")])
    search = find_paths(graph)
    [path] = [p for p in search.paths if p.entry == INTERNET and p.target == "ai:aws-bedrock"]
    assert workload_ref() in path.nodes and f"identity:{USER}" in path.nodes
    cited = {hop.edge.rel: {graph.findings[f].rule_id for f in hop.findings} for hop in path.hops}
    assert cited[Rel.EXPOSES] == {"k8s.workload.internet_exposed"}
    assert cited[Rel.SELECTS] and all(rule.startswith("vuln.") for rule in cited[Rel.SELECTS])
    assert cited[Rel.RUNS] == set()
    assert cited[Rel.HOLDS] == {"k8s.container.env_key"}
    assert cited[Rel.AUTHENTICATES_AS] == cited[Rel.CAN_INVOKE] == {"aws.bedrock.invocation_volume"}
    assert [hop.edge.provenance for hop in path.hops][-2:] == [Provenance.OBSERVED, Provenance.OBSERVED]
    assert all(f in graph.findings for f in path.finding_ids)


def test_a_workload_without_a_way_to_a_jewel_has_no_path() -> None:
    graph = graph_of(App(), packages=[LANGCHAIN])
    assert find_paths(graph).paths == []
