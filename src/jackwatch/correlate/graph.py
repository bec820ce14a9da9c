"""The correlation graph: what exists (the internet, Services and Ingresses, workloads, containers, images,
packages, vulnerabilities, keys, service accounts, cloud identities, AI services and models), how it is linked,
and which findings are about each part.

Nodes are kept by id in :attr:`AttackGraph.nodes` (a :class:`Node` each: kind, name, ref, attributes, findings)
and their links in a networkx ``DiGraph`` (:attr:`AttackGraph.graph`), whose edges hold the :class:`Edge` values
by relation: two nodes may be linked by several relations, each known in its own way. The graph is built by
:func:`jackwatch.correlate.build.build_graph`; nothing here knows where the data came from.

Node ids are the refs of the assets they stand for (``k8s://cluster/ns/Deployment/name``, ``image://sha256:…``),
except where a ref is not unique or there is no asset: ``internet``, ``secret:<fingerprint>``,
``aws-key:<access key id>``, ``identity:<ARN or principal>``, ``ai:<service>``, ``model:<service>/<model id>``,
``vuln:<vulnerability id>``, and ``<root ref>#<purl>`` for a package found in a root.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import networkx as nx

from jackwatch.model import Edge, Finding, Provenance

INTERNET = "internet"
"""The id of the internet node."""


class NodeKind(StrEnum):
    """What a node stands for."""

    INTERNET = "internet"
    INGRESS = "ingress"
    SERVICE = "service"
    WORKLOAD = "workload"
    CONTAINER = "container"
    IMAGE = "image"
    ROOT = "root"
    """A scanned directory or SBOM: where packages were found, not something a container runs."""
    PACKAGE = "package"
    VULNERABILITY = "vulnerability"
    SECRET = "secret"
    """A key found in plain sight (in a manifest, a ConfigMap, an image), by fingerprint."""
    ACCESS_KEY = "access_key"
    """A cloud access key id (``AKIA…``): an identifier, never a secret."""
    SERVICE_ACCOUNT = "service_account"
    CLOUD_IDENTITY = "cloud_identity"
    AI_SERVICE = "ai_service"
    MODEL = "model"
    CONFIG = "config"
    """A ConfigMap that holds a key."""


class Rel(StrEnum):
    """The relations between nodes (``src`` rel ``dst``)."""

    EXPOSES = "exposes"
    """The internet reaches a Service (LoadBalancer, NodePort, external IPs) or an Ingress."""
    ROUTES_TO = "routes_to"
    """An Ingress sends traffic to a Service."""
    SELECTS = "selects"
    """A Service sends traffic to the pods of a workload (its selector matches their labels)."""
    RUNS = "runs"
    """A workload runs a container."""
    RUNS_IMAGE = "runs_image"
    """A container runs an image."""
    CONTAINS = "contains"
    """An image (a directory, an SBOM) contains a package."""
    AFFECTED_BY = "affected_by"
    """A package has a vulnerability."""
    HOLDS = "holds"
    """A container (its environment), an image (its configuration or files) or a ConfigMap holds a key."""
    IDENTIFIES = "identifies"
    """A key's non-secret part names a cloud access key (an AWS secret access key and its ``AKIA…`` id)."""
    AUTHENTICATES_AS = "authenticates_as"
    """An access key signs requests as a cloud identity."""
    USES = "uses"
    """A workload runs as a service account, or reads a ConfigMap (envFrom, env valueFrom, a volume)."""
    ASSUMES = "assumes"
    """A service account (or a workload) gets a cloud identity without a key (IRSA, GKE or Azure workload
    identity)."""
    CAN_INVOKE = "can_invoke"
    """A cloud identity may invoke models of an AI service (its policies allow it, or it was seen doing it)."""
    SERVES = "serves"
    """An AI service serves a model that was invoked."""


@dataclass(slots=True)
class Node:
    """A node: ``id``, ``kind``, a ``name`` for people, the ``ref`` of its asset (when it is one), facts about it
    (``attrs``, never a secret) and the ids of the findings about it."""

    id: str
    kind: NodeKind
    name: str
    ref: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``Kind name`` as reports show it."""
        return f"{_KIND_LABELS[self.kind]} {self.name}".strip()


_KIND_LABELS = {
    NodeKind.INTERNET: "",
    NodeKind.INGRESS: "Ingress",
    NodeKind.SERVICE: "Service",
    NodeKind.WORKLOAD: "",
    NodeKind.CONTAINER: "container",
    NodeKind.IMAGE: "image",
    NodeKind.ROOT: "",
    NodeKind.PACKAGE: "package",
    NodeKind.VULNERABILITY: "",
    NodeKind.SECRET: "key",
    NodeKind.ACCESS_KEY: "access key",
    NodeKind.SERVICE_ACCOUNT: "ServiceAccount",
    NodeKind.CLOUD_IDENTITY: "",
    NodeKind.AI_SERVICE: "",
    NodeKind.MODEL: "model",
    NodeKind.CONFIG: "ConfigMap",
}


class AttackGraph:
    """Nodes, the edges between them, and the findings they carry (:attr:`findings`, by id)."""

    def __init__(self) -> None:
        self.graph: nx.DiGraph[str] = nx.DiGraph()
        self.nodes: dict[str, Node] = {}
        self.findings: dict[str, Finding] = {}

    def add_node(
        self,
        node_id: str,
        kind: NodeKind,
        name: str,
        *,
        ref: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Node:
        """The node ``node_id``, added if new; ``attrs`` fill the ones it does not have yet."""
        node = self.nodes.get(node_id)
        if node is None:
            node = self.nodes[node_id] = Node(node_id, kind, name, ref, dict(attrs or {}))
            self.graph.add_node(node_id)
        elif attrs:
            for key, value in attrs.items():
                if node.attrs.get(key) is None:
                    node.attrs[key] = value
        return node

    def add_edge(self, edge: Edge) -> None:
        """Add ``edge`` (both ends must be nodes). The same relation added again is merged: its findings are joined,
        it is observed if either was, and it keeps the latest time and the first reason."""
        if edge.src not in self.nodes or edge.dst not in self.nodes:
            raise KeyError(f"edge {edge.src} {edge.rel} {edge.dst}: unknown node")
        data = self.graph.get_edge_data(edge.src, edge.dst)
        if data is None:
            self.graph.add_edge(edge.src, edge.dst, edges={edge.rel: edge})
            return
        edges: dict[str, Edge] = data["edges"]
        old = edges.get(edge.rel)
        edges[edge.rel] = edge if old is None else _merged(old, edge)

    def attach(self, node_id: str, finding: Finding) -> None:
        """Record that ``finding`` is about the node ``node_id``."""
        self.findings[finding.id] = finding
        node = self.nodes[node_id]
        if finding.id not in node.findings:
            node.findings.append(finding.id)

    def edges_between(self, src: str, dst: str) -> list[Edge]:
        """The edges from ``src`` to ``dst``, by relation name."""
        data = self.graph.get_edge_data(src, dst)
        return [] if data is None else [data["edges"][rel] for rel in sorted(data["edges"])]

    def edges(self) -> Iterator[Edge]:
        """Every edge."""
        for _, _, data in self.graph.edges(data=True):
            yield from data["edges"].values()

    def out(self, node_id: str, *rels: Rel) -> list[str]:
        """The nodes ``node_id`` leads to, through any of ``rels`` (every relation when none is given)."""
        wanted = set(rels)
        return [
            dst
            for dst in self.graph.successors(node_id)
            if not wanted or wanted & set(self.graph[node_id][dst]["edges"])
        ]

    def into(self, node_id: str, *rels: Rel) -> list[str]:
        """The nodes that lead to ``node_id``, through any of ``rels`` (every relation when none is given)."""
        wanted = set(rels)
        return [
            src
            for src in self.graph.predecessors(node_id)
            if not wanted or wanted & set(self.graph[src][node_id]["edges"])
        ]

    def of_kind(self, kind: NodeKind) -> list[Node]:
        """The nodes of ``kind``, by id."""
        return sorted((node for node in self.nodes.values() if node.kind is kind), key=lambda node: node.id)

    def findings_of(self, node_ids: Iterable[str]) -> list[Finding]:
        """The findings about any of ``node_ids``, once each, in the order met."""
        seen: dict[str, Finding] = {}
        for node_id in node_ids:
            for finding_id in self.nodes[node_id].findings:
                seen.setdefault(finding_id, self.findings[finding_id])
        return list(seen.values())

    def reachable(self, start: str, rels: Iterable[Rel], *, limit: int = 8) -> list[str]:
        """The nodes reached from ``start`` through ``rels`` only, at most ``limit`` hops away, nearest first
        (``start`` excluded)."""
        wanted = set(rels)
        seen = {start}
        frontier = [start]
        found: list[str] = []
        for _ in range(limit):
            following: list[str] = []
            for node_id in frontier:
                for dst in self.out(node_id, *wanted):
                    if dst not in seen:
                        seen.add(dst)
                        following.append(dst)
            found.extend(following)
            frontier = following
            if not frontier:
                break
        return found

    def reaching(self, end: str, rels: Iterable[Rel], *, limit: int = 8) -> list[str]:
        """The nodes that reach ``end`` through ``rels`` only, at most ``limit`` hops away, nearest first."""
        wanted = set(rels)
        seen = {end}
        frontier = [end]
        found: list[str] = []
        for _ in range(limit):
            following: list[str] = []
            for node_id in frontier:
                for src in self.into(node_id, *wanted):
                    if src not in seen:
                        seen.add(src)
                        following.append(src)
            found.extend(following)
            frontier = following
            if not frontier:
                break
        return found


def _merged(old: Edge, new: Edge) -> Edge:
    observed = Provenance.OBSERVED in (old.provenance, new.provenance)
    times = [moment for moment in (old.time, new.time) if moment is not None]
    return replace(
        old,
        provenance=Provenance.OBSERVED if observed else Provenance.DECLARED,
        time=max(times) if times else None,
        reason=old.reason or new.reason,
        findings=tuple(dict.fromkeys((*old.findings, *new.findings))),
    )
