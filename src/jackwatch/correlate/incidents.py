"""Incidents: the findings about one attack, grouped across sources and providers, with a timeline and a cost.

Two findings belong to the same incident when they share an indicator and are at most ``window`` apart: the same
principal, the same access key, the same source IP, or the same network *and* client (an ASN together with a
user agent — either alone is too common to link on). Grouping is transitive: a stolen key probed from one IP,
then used from a proxy whose IP also probed another provider's key, is one incident.

An incident's id is the id of its earliest finding, so running the same logs again gives the same incidents.
Incidents are computed from findings (those of a run, or those in the store), never stored.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from jackwatch.cost.compute import to_usd
from jackwatch.cost.spend import window_hours
from jackwatch.model import CostFigures, Finding, Severity, most_precise

DEFAULT_WINDOW = timedelta(hours=24)
"""How far apart two findings sharing an indicator may be and still be one incident."""

SOURCE_PROVIDERS: Mapping[str, str] = {
    "aws_cloudtrail": "aws",
    "aws_bedrock_invocation": "aws",
    "azure_openai": "azure",
    "gcp_auditlog": "gcp",
    "openai_audit": "openai",
    "anthropic_activity": "anthropic",
}
"""The provider whose accounts the findings of each source are about."""

USAGE_PROVIDERS: Mapping[str, str] = {
    "aws_bedrock": "aws",
    "azure_openai": "azure",
    "gcp_vertex": "gcp",
    "openai": "openai",
    "anthropic": "anthropic",
}
"""Providers as usage and billing rows name them (``evidence.providers``), to the same names."""

WORKLOAD_SOURCES: Mapping[str, str] = {"syscall": "runtime", "falco_alert": "runtime (Falco)"}
"""Sources whose findings are about workloads, not provider accounts: what an incident of theirs is titled with."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One finding on an incident's timeline."""

    time: datetime
    finding_id: str
    rule_id: str
    title: str
    severity: Severity
    subject: str
    provider: str | None


@dataclass(frozen=True, slots=True)
class Incident:
    """Findings about one attack: who and what was involved, when, what it touched, and what it cost."""

    id: str
    title: str
    severity: Severity
    first_seen: datetime
    last_seen: datetime
    finding_ids: tuple[str, ...]
    rule_ids: tuple[str, ...]
    principals: tuple[str, ...]
    providers: tuple[str, ...]
    models: tuple[str, ...]
    source_ips: tuple[str, ...]
    asns: tuple[str, ...]
    user_agents: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    cost: CostFigures | None = None


def provider_of(finding: Finding) -> str | None:
    """The provider a finding is about, from the source of its rule (or, for usage rows, their provider)."""
    evidence = finding.evidence
    source = evidence.get("source")
    if isinstance(source, str) and source in SOURCE_PROVIDERS:
        return SOURCE_PROVIDERS[source]
    providers = evidence.get("providers")
    if isinstance(providers, list) and providers:
        return USAGE_PROVIDERS.get(str(providers[0]), str(providers[0]))
    return None


def _values(finding: Finding, name: str) -> list[str]:
    values = finding.evidence.get(name)
    return [str(value) for value in values] if isinstance(values, list) else []


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def indicators(finding: Finding) -> set[tuple[str, ...]]:
    """What a finding can be linked on: principal, access keys, source IPs, and (ASN, user agent) pairs.

    Source "IPs" that are AWS service names (``bedrock.amazonaws.com``) link nothing; a pair is only formed when
    the finding saw one ASN, so that it is known which network the user agents came from.
    """
    found: set[tuple[str, ...]] = {("principal", finding.subject)}
    found.update(("key", key) for key in _values(finding, "access_key_ids"))
    found.update(("ip", ip) for ip in _values(finding, "source_ips") if _is_ip(ip))
    asns = _values(finding, "asns")
    if len(asns) == 1:
        found.update(("network", asns[0], agent) for agent in _values(finding, "user_agents"))
    return found


@dataclass(slots=True)
class _Groups:
    """Union-find over finding positions."""

    parent: list[int] = field(default_factory=list)

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def group_findings(findings: Sequence[Finding], window: timedelta = DEFAULT_WINDOW) -> list[list[Finding]]:
    """The findings in groups (each sorted by first time), linked as the module says; singletons included."""
    groups = _Groups(list(range(len(findings))))
    holders: dict[tuple[str, ...], list[int]] = {}
    for position, finding in enumerate(findings):
        for indicator in indicators(finding):
            holders.setdefault(indicator, []).append(position)
    for positions in holders.values():
        positions.sort(key=lambda position: findings[position].first_seen)
        reach = findings[positions[0]].last_seen  # the latest time of the chain being linked
        for previous, current in pairwise(positions):
            later = findings[current]
            if later.first_seen - reach <= window:
                groups.union(previous, current)
                reach = max(reach, later.last_seen)
            else:
                reach = later.last_seen
    members: dict[int, list[Finding]] = {}
    for position, finding in enumerate(findings):
        members.setdefault(groups.find(position), []).append(finding)
    return [sorted(group, key=lambda finding: (finding.first_seen, finding.id)) for group in members.values()]


def _sorted(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def build_incident(group: Sequence[Finding]) -> Incident:
    """The incident of one group of findings (sorted by first time), priced from its findings' costs."""
    first = group[0]
    start = min(finding.first_seen for finding in group)
    end = max(finding.last_seen for finding in group)
    providers = _sorted(provider for finding in group if (provider := provider_of(finding)) is not None)
    principals = _sorted(finding.subject for finding in group)
    severity = max((finding.severity for finding in group), key=lambda level: level.rank)
    timeline = tuple(
        TimelineEntry(f.first_seen, f.id, f.rule_id, f.title, f.severity, f.subject, provider_of(f)) for f in group
    )
    return Incident(
        id=first.id,
        title=_title([finding.subject for finding in group], providers or _workload_sources(group)),
        severity=severity,
        first_seen=start,
        last_seen=end,
        finding_ids=tuple(finding.id for finding in group),
        rule_ids=_sorted(finding.rule_id for finding in group),
        principals=principals,
        providers=providers,
        models=_sorted(value for finding in group for value in _values(finding, "models")),
        source_ips=_sorted(ip for finding in group for ip in _values(finding, "source_ips") if _is_ip(ip)),
        asns=_sorted(value for finding in group for value in _values(finding, "asns")),
        user_agents=_sorted(value for finding in group for value in _values(finding, "user_agents")),
        timeline=timeline,
        cost=_cost(group, start, end),
    )


def _workload_sources(group: Sequence[Finding]) -> tuple[str, ...]:
    """How the workload findings of ``group`` were observed (``runtime``), when it has any."""
    sources = (finding.evidence.get("source") for finding in group)
    return _sorted(
        WORKLOAD_SOURCES[source] for source in sources if isinstance(source, str) and source in WORKLOAD_SOURCES
    )


def _title(subjects: Sequence[str], providers: Sequence[str]) -> str:
    """Who the incident is mostly about (the principal of most of its findings) and where (the providers, or how
    its workload findings were observed)."""
    counts = Counter(subjects)
    main = min(counts, key=lambda subject: (-counts[subject], subject))
    others = len(counts) - 1
    who = main if not others else f"{main} and {others} other principal{'s' if others > 1 else ''}"
    where = ", ".join(providers) if providers else "unknown provider"
    return f"{len(subjects)} findings about {who} ({where})" if len(subjects) > 1 else f"{who} ({where})"


def _cost(group: Sequence[Finding], start: datetime, end: datetime) -> CostFigures | None:
    """Per principal, the costliest of its findings (their windows overlap: adding them would count a call
    twice), summed over the principals; a lower bound when a principal's findings do not cover all its use."""
    best: dict[str, CostFigures] = {}
    for finding in group:
        if finding.cost is not None and finding.cost.usd >= best.get(finding.subject, finding.cost).usd:
            best[finding.subject] = finding.cost
    return combine(list(best.values()), start, end)


def combine(parts: Sequence[CostFigures], start: datetime, end: datetime) -> CostFigures | None:
    """The sum of ``parts`` as one window's figures (burn rate over the window, at least one hour)."""
    if not parts:
        return None
    total = sum((Decimal(str(part.usd)) for part in parts), Decimal(0))
    rate = total / window_hours(start, end)
    return CostFigures(
        usd=to_usd(total),
        burn_rate_usd_per_hour=to_usd(rate),
        projected_24h_usd=to_usd(rate * 24),
        basis=most_precise(part.basis for part in parts),
        estimated=any(part.estimated for part in parts),
        unknown_models=_sorted(model for part in parts for model in part.unknown_models),
    )


def find_incidents(findings: Sequence[Finding], window: timedelta = DEFAULT_WINDOW) -> list[Incident]:
    """Every incident of ``findings`` with more than one finding or any cost, most severe and costliest first."""
    incidents = [build_incident(group) for group in group_findings(findings, window)]
    kept = [incident for incident in incidents if len(incident.finding_ids) > 1 or incident.cost is not None]
    return sorted(kept, key=lambda i: (-i.severity.rank, -(i.cost.usd if i.cost else 0.0), i.first_seen, i.id))
