"""Realistic Cloud Audit Logs entries (a Vertex AI Data Access entry), shared by the source and field tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2024, 11, 20, 14, 0, tzinfo=UTC)
PROJECT = "acme-ml-prod"
DATA_ACCESS = f"projects/{PROJECT}/logs/cloudaudit.googleapis.com%2Fdata_access"
ACTIVITY = f"projects/{PROJECT}/logs/cloudaudit.googleapis.com%2Factivity"
GATEWAY = f"llm-gateway@{PROJECT}.iam.gserviceaccount.com"
KEY_ID = "8c2f61d0a4b3e59f7d1c0b2a39e4f5d6c7b8a901"
KEY_NAME = f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/{GATEWAY}/keys/{KEY_ID}"
CLAUDE = f"projects/{PROJECT}/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022"


def stamp(index: int) -> str:
    """The RFC 3339 timestamp (nanoseconds, as Cloud Logging writes it) ``index`` seconds after START."""
    return (START + timedelta(seconds=index, microseconds=104117)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "913Z"


def make_entry(index: int = 0, **fields: Any) -> dict[str, Any]:
    """A Data Access entry of a Claude StreamRawPredict call signed with a service-account key from a VPS."""
    method = "google.cloud.aiplatform.v1.PredictionService.StreamRawPredict"
    entry: dict[str, Any] = {
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "status": {},
            "authenticationInfo": {
                "principalEmail": GATEWAY,
                "serviceAccountKeyName": KEY_NAME,
                "principalSubject": f"serviceAccount:{GATEWAY}",
            },
            "requestMetadata": {
                "callerIp": "5.161.100.20",
                "callerSuppliedUserAgent": "AnthropicVertex/Python 0.39.0,gzip(gfe)",
                "requestAttributes": {"time": stamp(index), "auth": {}},
                "destinationAttributes": {},
            },
            "serviceName": "aiplatform.googleapis.com",
            "methodName": method,
            "authorizationInfo": [
                {
                    "resource": CLAUDE,
                    "permission": "aiplatform.endpoints.predict",
                    "granted": True,
                    "resourceAttributes": {},
                    "permissionType": "DATA_READ",
                }
            ],
            "resourceName": CLAUDE,
        },
        "insertId": f"1c9rkq{index:06x}",
        "resource": {
            "type": "audited_resource",
            "labels": {"service": "aiplatform.googleapis.com", "method": method, "project_id": PROJECT},
        },
        "timestamp": stamp(index),
        "severity": "INFO",
        "logName": DATA_ACCESS,
        "receiveTimestamp": stamp(index + 1),
    }
    entry.update(fields)
    return entry
