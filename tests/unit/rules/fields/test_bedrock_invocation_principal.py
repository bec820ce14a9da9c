"""The principal of an invocation record is worked out once per identity ARN, with the same result as for any
other identity shape."""

from __future__ import annotations

from typing import Any

import pytest

from jackwatch.normalize import principal_from_record
from jackwatch.rules.fields.bedrock_invocation import bedrock_invocation_fields
from jackwatch.sources.bedrock_invocation import to_event

ACCOUNT = "111122223333"
PRINCIPAL = bedrock_invocation_fields().principal


def record(identity: object, **fields: Any) -> dict[str, Any]:
    return {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-11-20T10:00:00Z",
        "accountId": ACCOUNT,
        "identity": identity,
        "region": "us-east-1",
        "requestId": "2b5c1c1e-1f0a-4c57-9a57-6c3f1d2e0a01",
        "operation": "Converse",
        "modelId": "amazon.nova-lite-v1:0",
        **fields,
    }


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (
            {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/chat-backend/i-0a1b2c3d"},
            f"arn:aws:iam::{ACCOUNT}:role/chat-backend",
        ),
        ({"arn": f"arn:aws:iam::{ACCOUNT}:user/svc-batch"}, f"arn:aws:iam::{ACCOUNT}:user/svc-batch"),
        (
            {"arn": f"arn:aws:iam::{ACCOUNT}:user/svc-batch", "type": "IAMUser"},
            f"arn:aws:iam::{ACCOUNT}:user/svc-batch",
        ),
        ({"arn": 12}, "unknown"),
        (None, "unknown"),
        ("arn:aws:iam::111122223333:user/a-string", "unknown"),
    ],
)
def test_the_principal_is_the_one_of_the_identity(identity: object, expected: str) -> None:
    raw = record(identity)
    assert PRINCIPAL(to_event(raw, "test")) == expected
    assert expected == principal_from_record({"userIdentity": identity, "recipientAccountId": ACCOUNT}).id


def test_the_same_arn_in_two_records_is_the_same_principal() -> None:
    identity = {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/chat-backend/i-0a1b2c3d"}
    first, second = (to_event(record(dict(identity), requestId=f"r-{n}"), "test") for n in (1, 2))
    assert PRINCIPAL(first) == PRINCIPAL(second)
    without_account = to_event(record(identity, accountId=None), "test")
    assert PRINCIPAL(without_account) == f"arn:aws:iam::{ACCOUNT}:role/chat-backend"  # the ARN's account
