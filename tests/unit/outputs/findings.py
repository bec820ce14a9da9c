"""A realistic detection finding, as the aggregator builds it, for the output tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jackwatch.model import Finding, FindingKind, Severity, finding_id

T0 = datetime(2024, 11, 3, 14, 2, 11, tzinfo=UTC)
USER = "arn:aws:iam::123456789012:user/ci-deployer"


def detection(rule_id: str = "aws.bedrock.invoke_probe", subject: str = USER, **changes: Any) -> Finding:
    """A Bedrock probe finding about ``subject``; ``changes`` replace any field."""
    values: dict[str, Any] = {
        "id": finding_id(FindingKind.DETECTION, rule_id, subject),
        "kind": FindingKind.DETECTION,
        "rule_id": rule_id,
        "title": "Bedrock invocation probe",
        "subject": subject,
        "severity": Severity.HIGH,
        "first_seen": T0,
        "last_seen": T0 + timedelta(minutes=7),
        "count": 3,
        "event_ids": ("4e1c7d0a-1f7b-4c1e-9d0f-0a9b8c7d6e5f", "9f2d", "a03b"),
        "evidence": {
            "regions": ["us-east-1", "us-west-2"],
            "source_ips": ["194.48.248.108"],
            "asns": ["AS9009 M247 Europe SRL"],
            "user_agents": ["python-requests/2.31.0"],
            "output": "Bedrock probe by ci-deployer: InvokeModel failed with ValidationException",
            "source": "aws_cloudtrail",
        },
        "mitre": ("T1580", "T1496.004"),
    }
    values.update(changes)
    return Finding(**values)
