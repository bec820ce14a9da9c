"""Small CloudTrail traces for end-to-end tests, written in the shapes AWS and tools produce.

The probe trace is a stolen long-term key (``AKIA…``, aiohttp from a VPS) sending the ``-1`` probe to
Claude in three regions within four minutes, mixed with an ordinary Lambda role asking STS who it is.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
THIEF = f"arn:aws:iam::{ACCOUNT}:user/chatbot-bedrock"
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/report-builder-role"
PROBE_MESSAGE = "Malformed input request: -1 is not greater or equal to 0, please reformat your input and try again."
PROBE_REGIONS = ("us-east-1", "us-west-2", "eu-central-1")

Record = dict[str, Any]


def iam_user_identity(arn: str = THIEF, key: str = "AKIAQ3EGCHATBOT00001") -> dict[str, Any]:
    """``userIdentity`` of an IAM user calling with a long-term access key."""
    return {
        "type": "IAMUser",
        "principalId": "AIDAQ3EGCHATBOTUSER01",
        "arn": arn,
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "userName": arn.rsplit("/", 1)[-1],
    }


def role_session_identity(role_arn: str = LAMBDA_ROLE, session: str = "report-builder") -> dict[str, Any]:
    """``userIdentity`` of an assumed-role session (temporary ``ASIA…`` key)."""
    role_name = role_arn.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "principalId": f"AROAQ3EGREPORTBUILD:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAQ3EGREPORTBUILD1",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAQ3EGREPORTBUILD",
                "arn": role_arn,
                "accountId": ACCOUNT,
                "userName": role_name,
            },
            "attributes": {"creationDate": "2025-06-10T13:55:00Z", "mfaAuthenticated": "false"},
        },
    }


def record(
    event_id: str,
    event_time: str,
    event_name: str = "InvokeModel",
    *,
    identity: dict[str, Any] | None = None,
    event_source: str = "bedrock.amazonaws.com",
    region: str = "us-east-1",
    source_ip: str = "5.161.100.20",
    user_agent: str = "Python/3.11 aiohttp/3.9.5",
    error_code: str | None = None,
    error_message: str | None = None,
    request: dict[str, Any] | None = None,
) -> Record:
    """One CloudTrail record (event version 1.09) with the fields detection reads."""
    body: Record = {
        "eventVersion": "1.09",
        "userIdentity": identity or iam_user_identity(),
        "eventTime": event_time,
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": request,
        "responseElements": None,
        "requestID": f"req-{event_id}",
        "eventID": event_id,
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": event_source != "bedrock.amazonaws.com",
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error_code is not None:
        body["errorCode"] = error_code
        body["errorMessage"] = error_message or error_code
    return body


def probe(event_id: str, event_time: str, region: str = "us-east-1", *, source_ip: str = "5.161.100.20") -> Record:
    """The key checker's ``max_tokens_to_sample: -1`` probe on Claude 3 Sonnet, from the stolen key."""
    return record(
        event_id,
        event_time,
        region=region,
        source_ip=source_ip,
        error_code="ValidationException",
        error_message=PROBE_MESSAGE,
        request={"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"},
    )


def caller_identity(event_id: str, event_time: str) -> Record:
    """An ordinary ``sts:GetCallerIdentity`` by a Lambda role with an AWS SDK."""
    return record(
        event_id,
        event_time,
        "GetCallerIdentity",
        identity=role_session_identity(),
        event_source="sts.amazonaws.com",
        source_ip="3.215.47.112",
        user_agent="Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#5.10 exec-env/AWS_Lambda_python3.12",
    )


def probe_trace() -> list[Record]:
    """Three probes in three regions (14:02, 14:04, 14:06 UTC) and two ordinary STS calls."""
    probes = [
        probe(f"7e1a0000-0000-4000-8000-00000000000{n}", f"2025-06-10T14:0{2 + 2 * n}:11Z", region)
        for n, region in enumerate(PROBE_REGIONS)
    ]
    quiet = [
        caller_identity("7e1a0000-0000-4000-8000-000000000101", "2025-06-10T13:58:00Z"),
        caller_identity("7e1a0000-0000-4000-8000-000000000102", "2025-06-10T14:05:00Z"),
    ]
    return sorted([*probes, *quiet], key=lambda r: str(r["eventTime"]))


def cloudtrail_document(records: Sequence[Record]) -> bytes:
    """A log file as CloudTrail delivers it: ``{"Records": [...]}`` on one line."""
    return json.dumps({"Records": list(records)}, separators=(",", ":")).encode()


def json_lines(records: Sequence[Record]) -> bytes:
    """One record per line."""
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def write(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path`` (gzip-compressed when the name ends in ``.gz``), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def trail_path(root: Path, region: str, stamp: str, suffix: str = "probe") -> Path:
    """Where CloudTrail would deliver a file for ``region`` at ``stamp`` (``20250610T1405Z``) under ``root``."""
    day = f"{stamp[0:4]}/{stamp[4:6]}/{stamp[6:8]}"
    name = f"{ACCOUNT}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"
    return root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day / name
