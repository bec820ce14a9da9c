"""Risks and attack paths as JSON data, text, Mermaid and Graphviz DOT (pure text: the command line writes it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jackwatch.correlate.graph import AttackGraph, Node
from jackwatch.correlate.paths import subgraph_nodes
from jackwatch.model import AttackPath, Finding, Provenance, Risk

SHORT_ID = 8
"""Characters of a finding id shown in text (``jackwatch fix`` and ``accept`` take such a prefix)."""


def finding_summary(graph: AttackGraph, finding_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Each finding as ``{"id", "rule_id", "severity", "title", "subject"}``."""
    found = []
    for finding_id in finding_ids:
        finding = graph.findings.get(finding_id)
        if finding is not None:
            found.append(_summary(finding))
    return found


def _summary(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule_id": finding.rule_id,
        "severity": str(finding.severity),
        "title": finding.title,
        "subject": finding.subject,
    }


def node_dict(node: Node) -> dict[str, Any]:
    """A node as ``{"id", "kind", "name", "ref"}``."""
    return {"id": node.id, "kind": str(node.kind), "name": node.label, "ref": node.ref}


def risk_dict(graph: AttackGraph, risk: Risk) -> dict[str, Any]:
    """A risk as JSON data: subject, severity, score, and each factor with its reason and findings."""
    return {
        "id": risk.id,
        "definition": risk.definition,
        "title": risk.title,
        "severity": str(risk.severity),
        "score": risk.score,
        "subject": node_dict(graph.nodes[risk.subject]),
        "factors": [
            {
                "name": factor.name,
                "title": factor.title,
                "weight": factor.weight,
                "necessary": factor.necessary,
                "reason": factor.reason,
                "findings": finding_summary(graph, factor.findings),
            }
            for factor in risk.factors
        ],
    }


def path_dict(graph: AttackGraph, path: AttackPath) -> dict[str, Any]:
    """A path as JSON data: its ends and each hop (from, relation, to, how it is known, why, the findings)."""
    return {
        "entry": node_dict(graph.nodes[path.entry]),
        "target": node_dict(graph.nodes[path.target]),
        "hops": [
            {
                "from": node_dict(graph.nodes[hop.edge.src]),
                "rel": hop.edge.rel,
                "to": node_dict(graph.nodes[hop.edge.dst]),
                "provenance": str(hop.edge.provenance),
                "time": None if hop.edge.time is None else hop.edge.time.isoformat().replace("+00:00", "Z"),
                "reason": hop.edge.reason,
                "findings": finding_summary(graph, hop.findings),
            }
            for hop in path.hops
        ],
    }


def cited(graph: AttackGraph, finding_ids: Sequence[str], limit: int = 3) -> str:
    """``rule_id 3fa2c1d0, rule_id 77b0e1aa (+4)``: the first findings of a list, with their short ids."""
    shown = [
        f"{graph.findings[finding].rule_id} {finding[:SHORT_ID]}"
        for finding in finding_ids[:limit]
        if finding in graph.findings
    ]
    more = f" (+{len(finding_ids) - limit})" if len(finding_ids) > limit else ""
    return ", ".join(shown) + more


def paths_text(graph: AttackGraph, paths: Sequence[AttackPath]) -> str:
    """Each path on one line, then a line per hop: relation, how it is known, why, the findings it cites."""
    lines: list[str] = []
    for number, path in enumerate(paths, 1):
        walk = " → ".join(graph.nodes[node].label for node in path.nodes)
        lines.append(f"{number}. {walk}")
        for hop in path.hops:
            edge = hop.edge
            seen = "observed" if edge.provenance is Provenance.OBSERVED else "declared"
            line = f"   {graph.nodes[edge.src].label} ─{edge.rel}→ {graph.nodes[edge.dst].label}  [{seen}]"
            if edge.reason:
                line += f" {edge.reason}"
            if hop.findings:
                line += f"  ← {cited(graph, hop.findings)}"
            lines.append(line)
        lines.append("")
    if not paths:
        lines.append("No attack path from the internet or a leaked key to an LLM key, an identity that can invoke")
        lines.append("models or an AI service.")
    return "\n".join(lines).rstrip("\n") + "\n"


def paths_mermaid(graph: AttackGraph, paths: Sequence[AttackPath]) -> str:
    """A Mermaid flowchart of every node and hop of ``paths`` (observed hops dotted)."""
    names = {node: f"n{index}" for index, node in enumerate(subgraph_nodes(paths))}
    lines = ["flowchart LR"]
    lines.extend(f'  {name}["{_mermaid_text(graph.nodes[node].label)}"]' for node, name in names.items())
    for src, rel, dst, provenance in _hops(paths):
        arrow = "-.->" if provenance is Provenance.OBSERVED else "-->"
        lines.append(f"  {names[src]} {arrow}|{rel}| {names[dst]}")
    return "\n".join(lines) + "\n"


def paths_dot(graph: AttackGraph, paths: Sequence[AttackPath]) -> str:
    """A Graphviz digraph of every node and hop of ``paths`` (observed hops dashed)."""
    lines = ["digraph attack_paths {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for node in subgraph_nodes(paths):
        label = _dot_text(graph.nodes[node].label)
        lines.append(f'  "{_dot_text(node)}" [label="{label}", tooltip="{_dot_text(str(graph.nodes[node].kind))}"];')
    for src, rel, dst, provenance in _hops(paths):
        style = ", style=dashed" if provenance is Provenance.OBSERVED else ""
        lines.append(f'  "{_dot_text(src)}" -> "{_dot_text(dst)}" [label="{rel}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _hops(paths: Sequence[AttackPath]) -> list[tuple[str, str, str, Provenance]]:
    """Every hop of ``paths`` once, in the order met."""
    seen: dict[tuple[str, str, str], Provenance] = {}
    for path in paths:
        for hop in path.hops:
            seen.setdefault((hop.edge.src, hop.edge.rel, hop.edge.dst), hop.edge.provenance)
    return [(src, rel, dst, provenance) for (src, rel, dst), provenance in seen.items()]


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
