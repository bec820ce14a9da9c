"""Attack paths: how an attacker gets from an entry point to a crown jewel, hop by hop, over the correlation graph.

**Entries** are the internet and every key found in plain sight (a leaked LLM or cloud key is a way in by itself).
**Crown jewels** are LLM keys, cloud identities that can invoke models, and AI services; models too when asked for
(``--to model``: every invoked model would otherwise end a path of its own).

The search walks only the relations an attacker can follow (:data:`MOVES`: exposure, routing, selection, running,
holding a key, what a key signs in as, identities assumed, invoking) and enumerates simple paths of at most
``max_hops`` hops, stopping after ``limit`` paths. Then:

- of two paths between the same entry and crown jewel, the one that passes through every node of the other (a
  detour: the container's key, then the same key through its image) is dropped;
- a path that is the beginning of another (up to an identity, then on to the AI service it can invoke) is dropped.

Each hop cites the findings that enable it: the ones its edge was derived from (the exposure, the key in the
environment, the detections that saw the key used), and, for the hop that enters a workload, the critical and
known-exploited vulnerabilities of the images it runs (the way in) — so a hop may cite none when it is plain
structure (a Deployment runs its container).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice, pairwise

import networkx as nx

from jackwatch.correlate.graph import INTERNET, AttackGraph, Node, NodeKind, Rel
from jackwatch.model import AttackPath, Edge, Finding, FindingKind, Hop, Severity

MOVES = (
    Rel.EXPOSES,
    Rel.ROUTES_TO,
    Rel.SELECTS,
    Rel.RUNS,
    Rel.RUNS_IMAGE,
    Rel.HOLDS,
    Rel.IDENTIFIES,
    Rel.AUTHENTICATES_AS,
    Rel.USES,
    Rel.ASSUMES,
    Rel.CAN_INVOKE,
    Rel.SERVES,
)
"""The relations an attacker can follow."""

MAX_HOPS = 10
"""The longest path searched, in hops."""

LIMIT = 10_000
"""The most paths enumerated in one search (the result says when it was cut)."""

KEY_CATEGORIES = frozenset({"llm", "cloud"})
"""Leaked keys of these categories are entries."""

TARGET_KINDS = ("llm_key", "identity", "ai_service", "model")
"""What ``--to`` may name besides a node's id or name."""


@dataclass(frozen=True, slots=True)
class PathSearch:
    """The paths found, and whether the search stopped at its limit before seeing them all."""

    paths: list[AttackPath]
    truncated: bool


def crown_jewels(graph: AttackGraph, to: str | None = None) -> list[str]:
    """The targets: by default LLM keys, identities that can invoke models and AI services; with ``to``, the nodes
    of that kind (:data:`TARGET_KINDS`), the node of that id, or those whose name contains it (case-insensitive:
    ``bedrock`` is Amazon Bedrock, and the identities with Bedrock in their name)."""
    nodes = graph.nodes.values()
    if to is None:
        return sorted(node.id for node in nodes if _jewel(graph, node))
    wanted = to.strip().lower()
    if wanted in TARGET_KINDS:
        return sorted(node.id for node in nodes if _of_target_kind(graph, node, wanted))
    return sorted(node.id for node in nodes if node.id.lower() == wanted or wanted in node.name.lower())


def _jewel(graph: AttackGraph, node: Node) -> bool:
    return any(_of_target_kind(graph, node, kind) for kind in ("llm_key", "identity", "ai_service"))


def _of_target_kind(graph: AttackGraph, node: Node, kind: str) -> bool:
    if kind == "llm_key":
        return node.kind is NodeKind.SECRET and node.attrs.get("category") == "llm"
    if kind == "identity":
        return node.kind is NodeKind.CLOUD_IDENTITY and bool(graph.out(node.id, Rel.CAN_INVOKE))
    if kind == "ai_service":
        return node.kind is NodeKind.AI_SERVICE
    return node.kind is NodeKind.MODEL


def entries(graph: AttackGraph) -> list[str]:
    """The internet, then every leaked LLM or cloud key (a key some finding is about)."""
    keys = [
        node.id
        for node in graph.of_kind(NodeKind.SECRET)
        if node.attrs.get("category") in KEY_CATEGORIES and node.findings
    ]
    return [INTERNET, *keys]


def find_paths(
    graph: AttackGraph,
    *,
    to: str | None = None,
    max_hops: int = MAX_HOPS,
    limit: int = LIMIT,
) -> PathSearch:
    """Every attack path from an entry to a crown jewel (see the module), shortest first."""
    if max_hops < 1:
        raise ValueError(f"max_hops must be ≥ 1, not {max_hops}")
    targets = set(crown_jewels(graph, to))
    moves = _moves(graph)
    found: list[list[str]] = []
    truncated = False
    for entry in entries(graph):
        reachable = targets - {entry}
        if entry not in moves or not reachable:
            continue
        budget = limit - len(found)
        walked = list(islice(nx.all_simple_paths(moves, entry, reachable, cutoff=max_hops), budget + 1))
        if len(walked) > budget:
            walked, truncated = walked[:budget], True
        found.extend(walked)
        if truncated:
            break
    kept = _prune(found)
    paths = [_path(graph, nodes) for nodes in kept]
    paths.sort(key=lambda path: (path.entry != INTERNET, len(path.hops), path.entry, path.nodes))
    return PathSearch(paths, truncated)


def _moves(graph: AttackGraph) -> nx.DiGraph[str]:
    """The graph restricted to the relations an attacker can follow."""
    allowed = set(MOVES)
    moves: nx.DiGraph[str] = nx.DiGraph()
    moves.add_edges_from((src, dst) for src, dst, data in graph.graph.edges(data=True) if allowed & set(data["edges"]))
    return moves


def _prune(paths: Iterable[list[str]]) -> list[list[str]]:
    """Drop detours (a path through every node of another between the same ends) and beginnings of other paths."""
    groups: dict[tuple[str, str], list[list[str]]] = {}
    for nodes in paths:
        groups.setdefault((nodes[0], nodes[-1]), []).append(nodes)
    direct: list[list[str]] = []
    for group in groups.values():
        kept: list[tuple[list[str], set[str]]] = []
        for nodes in sorted(group, key=lambda candidate: (len(candidate), candidate)):
            members = set(nodes)
            if not any(other <= members for _, other in kept):
                kept.append((nodes, members))
        direct.extend(nodes for nodes, _ in kept)
    prefixes = {tuple(nodes[:length]) for nodes in direct for length in range(2, len(nodes))}
    return [nodes for nodes in direct if tuple(nodes) not in prefixes]


def _path(graph: AttackGraph, nodes: list[str]) -> AttackPath:
    hops = []
    for src, dst in pairwise(nodes):
        edge = _chosen(graph.edges_between(src, dst))
        hops.append(Hop(edge, _enabling(graph, edge)))
    return AttackPath(entry=nodes[0], target=nodes[-1], hops=tuple(hops))


def _chosen(edges: list[Edge]) -> Edge:
    """Of the relations between two nodes, one an attacker follows (observed first, then by name)."""
    movable = [edge for edge in edges if edge.rel in MOVES]
    return sorted(movable, key=lambda edge: (edge.provenance != "observed", edge.rel))[0]


def _enabling(graph: AttackGraph, edge: Edge) -> tuple[str, ...]:
    """The findings that make the hop possible: the edge's own, and for the hop into a workload the critical or
    known-exploited vulnerabilities of the images it runs."""
    cited = list(edge.findings)
    if edge.rel == Rel.SELECTS and graph.nodes[edge.dst].kind is NodeKind.WORKLOAD:
        cited.extend(finding.id for finding in _ways_in(graph, edge.dst))
    return tuple(dict.fromkeys(cited))


def _ways_in(graph: AttackGraph, workload: str) -> Iterator[Finding]:
    containers = graph.out(workload, Rel.RUNS)
    images = {image for container in containers for image in graph.out(container, Rel.RUNS_IMAGE)}
    packages = [package for image in sorted(images) for package in graph.out(image, Rel.CONTAINS)]
    for finding in graph.findings_of(packages):
        if finding.kind is FindingKind.VULNERABILITY and (
            finding.severity is Severity.CRITICAL or finding.evidence.get("kev")
        ):
            yield finding


def subgraph_nodes(paths: Collection[AttackPath]) -> list[str]:
    """Every node of ``paths``, in the order first met."""
    return list(dict.fromkeys(node for path in paths for node in path.nodes))
