"""Findings: one type for every producer (detections, misconfigurations, vulnerabilities)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from jackwatch.model.cost import CostFigures
from jackwatch.model.severity import Severity


class FindingKind(StrEnum):
    """What produced a finding."""

    DETECTION = "detection"
    MISCONFIGURATION = "misconfiguration"
    VULNERABILITY = "vulnerability"


def finding_id(kind: FindingKind, rule_id: str, subject: str, key: str = "") -> str:
    """Stable id of a finding: a hash of what it is about, never of times or line numbers."""
    text = "\x1f".join((kind.value, rule_id, subject, key))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found about a subject (a principal or an asset ref).

    ``event_ids`` is capped (see :data:`MAX_EVENT_IDS`); ``count`` is the total number of events.
    ``evidence`` holds the facts that support the finding, secrets always redacted: for detections
    ``regions``, ``source_ips``, ``asns``, ``user_agents`` (sorted lists) and ``output`` (the rule's
    rendered output line). ``cost`` is what the activity behind it cost, when it can be priced.
    """

    id: str
    kind: FindingKind
    rule_id: str
    title: str
    subject: str
    severity: Severity
    first_seen: datetime
    last_seen: datetime
    count: int
    key: str = ""
    event_ids: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    mitre: tuple[str, ...] = ()
    cost: CostFigures | None = None

    @property
    def cost_usd(self) -> float | None:
        """The spend observed in the finding's window, when known."""
        return None if self.cost is None else self.cost.usd


MAX_EVENT_IDS = 50
