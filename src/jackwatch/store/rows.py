"""Findings to and from rows of the ``findings`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from jackwatch.model import CostFigures, Finding, FindingKind, Severity


def finding_values(finding: Finding, now: datetime, *, insert: bool = True) -> dict[str, Any]:
    """The finding's column values, stamped ``now``; without ``id`` and ``created_at`` for an update."""
    values: dict[str, Any] = {
        "kind": finding.kind.value,
        "rule_id": finding.rule_id,
        "title": finding.title,
        "subject": finding.subject,
        "key": finding.key,
        "severity": finding.severity.value,
        "first_seen": finding.first_seen,
        "last_seen": finding.last_seen,
        "count": finding.count,
        "event_ids": list(finding.event_ids),
        "evidence": dict(finding.evidence),
        "mitre": list(finding.mitre),
        "cost_usd": finding.cost_usd,
        "cost": None if finding.cost is None else finding.cost.as_dict(),
        "updated_at": now,
    }
    if insert:
        values.update(id=finding.id, created_at=now)
    return values


def finding_from_row(row: RowMapping) -> Finding:
    """The finding a ``findings`` row holds."""
    return Finding(
        id=row["id"],
        kind=FindingKind(row["kind"]),
        rule_id=row["rule_id"],
        title=row["title"],
        subject=row["subject"],
        severity=Severity(row["severity"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        count=row["count"],
        key=row["key"],
        event_ids=tuple(row["event_ids"]),
        evidence=row["evidence"],
        mitre=tuple(row["mitre"]),
        cost=None if row["cost"] is None else CostFigures.from_dict(row["cost"]),
    )
