"""What correlation computes: the edges of the inventory graph, risks with their factors, and attack paths.

None of these is stored as truth: they are computed from assets and findings whenever they are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from jackwatch.model.severity import Severity


class Provenance(StrEnum):
    """How an edge is known: written in configuration (manifests, IAM, image config) or seen happening (runtime
    events, cloud audit logs)."""

    DECLARED = "declared"
    OBSERVED = "observed"


@dataclass(frozen=True, slots=True)
class Edge:
    """A relation between two nodes of the graph: ``src`` ``rel`` ``dst`` (``Service/x`` ``selects``
    ``Deployment/y``).

    ``time`` is when it was seen (observed edges) or last scanned (declared ones) when known; ``reason`` says in
    words why the edge is there; ``findings`` are the ids of the findings it was derived from or that enable it.
    """

    src: str
    rel: str
    dst: str
    provenance: Provenance
    time: datetime | None = None
    reason: str = ""
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskFactor:
    """One reason a subject is at risk: the factor's id and title, its weight in the score, a sentence saying what
    was found, and the findings that support it (never empty)."""

    name: str
    title: str
    weight: int
    necessary: bool
    reason: str
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk definition that holds for a subject (a workload, a cloud identity): how bad, its score (the sum of
    its factors' weights), and every factor with its supporting findings."""

    id: str
    definition: str
    title: str
    subject: str
    subject_kind: str
    subject_name: str
    severity: Severity
    score: int
    factors: tuple[RiskFactor, ...]

    @property
    def finding_ids(self) -> tuple[str, ...]:
        """Every supporting finding, once, in factor order."""
        return tuple(dict.fromkeys(finding for factor in self.factors for finding in factor.findings))


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of an attack path: the edge taken and the findings that make it possible."""

    edge: Edge
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AttackPath:
    """A way from an entry point (the internet, a leaked key) to a crown jewel (an LLM key, a cloud identity that
    can invoke models, an AI service or model), hop by hop."""

    entry: str
    target: str
    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes walked, entry first."""
        return (self.entry, *(hop.edge.dst for hop in self.hops))

    @property
    def finding_ids(self) -> tuple[str, ...]:
        """Every finding cited by a hop, once, in hop order."""
        return tuple(dict.fromkeys(finding for hop in self.hops for finding in hop.findings))
