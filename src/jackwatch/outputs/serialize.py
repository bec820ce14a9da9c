"""The JSON shape of a finding, shared by the json, jsonl and API outputs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jackwatch.correlate.incidents import Incident
from jackwatch.model import CostFigures, Finding


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is taken as UTC (never as the machine's local time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with a ``Z`` suffix, as CloudTrail writes times."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """A finding as a JSON-ready dict; ``count`` is the total, ``event_ids`` the capped sample."""
    return {
        "id": finding.id,
        "kind": finding.kind.value,
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "principal": finding.subject,
        "key": finding.key,
        "first_seen": iso(finding.first_seen),
        "last_seen": iso(finding.last_seen),
        "count": finding.count,
        "event_ids": list(finding.event_ids),
        "event_ids_truncated": finding.count > len(finding.event_ids),
        "mitre": list(finding.mitre),
        "evidence": dict(finding.evidence),
        **cost_members(finding.cost),
    }


def cost_members(cost: CostFigures | None) -> dict[str, Any]:
    """The cost members of a finding or incident: ``cost_usd``, ``burn_rate_usd_per_hour``,
    ``projected_24h_usd``, ``cost_basis``, ``cost_estimated`` and ``cost_unknown_models`` (``None`` when unpriced)."""
    if cost is None:
        return dict.fromkeys(COST_MEMBERS)
    figures = cost.as_dict()
    return {
        "cost_usd": figures["cost_usd"],
        "burn_rate_usd_per_hour": figures["burn_rate_usd_per_hour"],
        "projected_24h_usd": figures["projected_24h_usd"],
        "cost_basis": figures["basis"],
        "cost_estimated": figures["estimated"],
        "cost_unknown_models": figures["unknown_models"],
    }


COST_MEMBERS = (
    "cost_usd",
    "burn_rate_usd_per_hour",
    "projected_24h_usd",
    "cost_basis",
    "cost_estimated",
    "cost_unknown_models",
)


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """An incident as a JSON-ready dict: what it involved, its timeline (one entry per finding) and its cost."""
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity.value,
        "first_seen": iso(incident.first_seen),
        "last_seen": iso(incident.last_seen),
        "findings": len(incident.finding_ids),
        "finding_ids": list(incident.finding_ids),
        "rule_ids": list(incident.rule_ids),
        "principals": list(incident.principals),
        "providers": list(incident.providers),
        "models": list(incident.models),
        "source_ips": list(incident.source_ips),
        "asns": list(incident.asns),
        "user_agents": list(incident.user_agents),
        "timeline": [
            {
                "time": iso(entry.time),
                "finding_id": entry.finding_id,
                "rule_id": entry.rule_id,
                "title": entry.title,
                "severity": entry.severity.value,
                "principal": entry.subject,
                "provider": entry.provider,
            }
            for entry in incident.timeline
        ],
        **cost_members(incident.cost),
    }
