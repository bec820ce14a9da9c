"""OCSF 1.3 Detection Finding (class 2004) records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any

from jackwatch import __version__
from jackwatch.model import Finding, Severity
from jackwatch.outputs.serialize import utc

OCSF_VERSION = "1.3.0"
DETECTION_FINDING = 2004
FINDINGS_CATEGORY = 2
ACTIVITY_CREATE = 1

_SEVERITY = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
_CLOUD_PROVIDERS = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}
"""Event-source prefix (``aws_cloudtrail``) → OCSF ``cloud.provider``."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TECHNIQUE = re.compile(r"T\d{4}")
_SUB_TECHNIQUE = re.compile(r"(T\d{4})\.\d{3}")
_TACTIC = re.compile(r"TA\d{4}")


def _millis(moment: datetime) -> int:
    """Epoch milliseconds, exact (no float rounding); a naive time is taken as UTC."""
    return (utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def _attack(mitre_id: str) -> dict[str, Any] | None:
    """The OCSF ``attack`` object of one ATT&CK id; ``None`` for ids outside ATT&CK (ATLAS)."""
    if _TACTIC.fullmatch(mitre_id):
        return {"tactic": {"uid": mitre_id}}
    if _TECHNIQUE.fullmatch(mitre_id):
        return {"technique": {"uid": mitre_id}}
    sub = _SUB_TECHNIQUE.fullmatch(mitre_id)
    if sub:
        return {"technique": {"uid": sub.group(1)}, "sub_technique": {"uid": mitre_id}}
    return None


def _first_ip(values: Iterable[object]) -> str | None:
    """The first value that is an IP address (source evidence may also hold AWS service names)."""
    for value in values:
        try:
            return str(ip_address(str(value)))
        except ValueError:
            continue
    return None


def _cloud(evidence: Mapping[str, Any]) -> dict[str, str] | None:
    """The ``cloud`` object for findings on a cloud provider's events, else ``None``."""
    provider = _CLOUD_PROVIDERS.get(str(evidence.get("source", "")).split("_", 1)[0])
    if provider is None:
        return None
    cloud = {"provider": provider}
    regions = evidence.get("regions") or []
    if regions:
        cloud["region"] = str(regions[0])
    return cloud


def _proof(finding: Finding) -> dict[str, Any]:
    """The ``evidences`` entry: who acted, from where, and which events show it."""
    proof: dict[str, Any] = {
        "actor": {"user": {"uid": finding.subject, "name": finding.subject}},
        "data": {"event_ids": list(finding.event_ids), "event_count": finding.count},
    }
    source_ip = _first_ip(finding.evidence.get("source_ips") or [])
    if source_ip is not None:
        proof["src_endpoint"] = {"ip": source_ip}
    return proof


def _unmapped(finding: Finding) -> dict[str, Any]:
    """What OCSF 1.3 has no attribute for: the aggregated evidence, the key, the cost, non-ATT&CK ids."""
    unmapped = {key: value for key, value in finding.evidence.items() if key != "output"}
    if finding.key:
        unmapped["key"] = finding.key
    if finding.cost is not None:
        unmapped["cost"] = finding.cost.as_dict()
    other = [mitre_id for mitre_id in finding.mitre if _attack(mitre_id) is None]
    if other:
        unmapped["mitre_other"] = other
    return unmapped


def finding_to_ocsf(finding: Finding) -> dict[str, Any]:
    """Map one finding to an OCSF 1.3 Detection Finding (with the ``cloud`` profile for cloud sources)."""
    evidence = finding.evidence
    severity_id, severity = _SEVERITY[finding.severity]
    description = str(evidence.get("output") or finding.title)
    record: dict[str, Any] = {
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": DETECTION_FINDING * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 1,
        "status": "New",
        "time": _millis(finding.last_seen),
        "start_time": _millis(finding.first_seen),
        "end_time": _millis(finding.last_seen),
        "count": finding.count,
        "message": description,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "jackwatch", "vendor_name": "jackwatch", "version": __version__},
            "uid": finding.id,
        },
        "finding_info": {
            "uid": finding.id,
            "title": finding.title,
            "desc": description,
            "first_seen_time": _millis(finding.first_seen),
            "last_seen_time": _millis(finding.last_seen),
            "analytic": {"uid": finding.rule_id, "name": finding.title, "type_id": 1, "type": "Rule"},
            "attacks": [attack for attack in map(_attack, finding.mitre) if attack is not None],
            "data_sources": [str(evidence["source"])] if "source" in evidence else [],
        },
        "evidences": [_proof(finding)],
        "unmapped": _unmapped(finding),
    }
    cloud = _cloud(evidence)
    if cloud is not None:
        record["cloud"] = cloud
        record["metadata"]["profiles"] = ["cloud"]
    return record
