"""OCSF 1.3 Detection Finding (class 2004) records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jackwatch import __version__
from jackwatch.model import Finding, Severity

OCSF_VERSION = "1.3.0"
DETECTION_FINDING = 2004
FINDINGS_CATEGORY = 2
ACTIVITY_CREATE = 1

_SEVERITY_ID = {
    Severity.INFO: 1,
    Severity.LOW: 2,
    Severity.MEDIUM: 3,
    Severity.HIGH: 4,
    Severity.CRITICAL: 5,
}


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def finding_to_ocsf(finding: Finding) -> dict[str, Any]:
    """Map one finding to an OCSF Detection Finding."""
    evidence = finding.evidence
    record: dict[str, Any] = {
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": DETECTION_FINDING * 100 + ACTIVITY_CREATE,
        "severity_id": _SEVERITY_ID[finding.severity],
        "severity": finding.severity.value.capitalize(),
        "status_id": 1,
        "status": "New",
        "time": _millis(finding.last_seen),
        "count": finding.count,
        "message": str(evidence.get("output") or finding.title),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "jackwatch", "vendor_name": "jackwatch", "version": __version__},
            "uid": finding.id,
        },
        "finding_info": {
            "uid": finding.id,
            "title": finding.title,
            "desc": str(evidence.get("output") or finding.title),
            "first_seen_time": _millis(finding.first_seen),
            "last_seen_time": _millis(finding.last_seen),
            "analytic": {"uid": finding.rule_id, "name": finding.title, "type_id": 1, "type": "Rule"},
            "attacks": [{"technique": {"uid": technique}} for technique in finding.mitre],
            "data_sources": [evidence["source"]] if "source" in evidence else [],
        },
        "actor": {"user": {"uid": finding.subject, "name": finding.subject}},
        "evidences": [{"data": {"event_ids": list(finding.event_ids)}}],
        "unmapped": {key: value for key, value in evidence.items() if key != "output"},
    }
    source_ips = evidence.get("source_ips") or []
    if source_ips:
        record["src_endpoint"] = {"ip": source_ips[0]}
    regions = evidence.get("regions") or []
    if regions:
        record["cloud"] = {"provider": "AWS", "region": regions[0]}
    return record
