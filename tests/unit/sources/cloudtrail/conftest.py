"""Fixtures for the CloudTrail source tests: realistic records and a reader that returns events and stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.sources.sourcekit import Reader, RecordFactory, reader_of

from jackwatch.sources.cloudtrail import read_cloudtrail

DATA = Path(__file__).parent / "data"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_record(index: int = 0, **fields: Any) -> dict[str, Any]:
    """A Bedrock InvokeModel record as CloudTrail writes it, ``index`` seconds after START."""
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAQWERQWERQWERQWER1",
            "arn": "arn:aws:iam::111122223333:user/ci-deployer",
            "accountId": "111122223333",
            "accessKeyId": "AKIAQWERQWERQWERQWER",
            "userName": "ci-deployer",
        },
        "eventTime": (START + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.11.4",
        "requestParameters": {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"},
        "responseElements": None,
        "requestID": f"6f1d{index:08x}-8c1a-4b6e-9d2f-0a1b2c3d4e5f",
        "eventID": f"0c9e{index:08x}-1d2c-4f5a-8b7e-6a5b4c3d2e1f",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": "111122223333",
        "eventCategory": "Data",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": "bedrock-runtime.us-east-1.amazonaws.com",
        },
    }
    record.update(fields)
    return record


@pytest.fixture
def record() -> RecordFactory:
    """Build realistic CloudTrail records: ``record(index, **overrides)``."""
    return make_record


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_cloudtrail_kwargs) -> (events, stats)``."""
    return reader_of(read_cloudtrail)
