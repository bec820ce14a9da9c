"""Request ids are kept only to price a call that CloudTrail and an invocation log both record once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jackwatch.cost import DEFAULT_TOKENS_PER_CALL, load_price_table
from jackwatch.detect.ledger import SpendLedger
from jackwatch.model import Event
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.sources import default_registry
from jackwatch.sources.bedrock_invocation import to_event

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
USER = "arn:aws:iam::111122223333:user/svc-batch"


def logged(second: int) -> Event:
    record = {
        "schemaType": "ModelInvocationLog",
        "timestamp": (T0 + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": "111122223333",
        "identity": {"arn": USER},
        "region": "us-east-1",
        "requestId": f"0e4c2a55-2f0e-4a43-9d61-{second:012d}",
        "operation": "InvokeModel",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "input": {"inputContentType": "application/json", "inputTokenCount": 4000},
        "output": {"outputContentType": "application/json", "outputTokenCount": 400},
    }
    return to_event(record, "test")


def book(*sources: str) -> SpendLedger:
    registry = default_registry(AsnDb.load())
    return SpendLedger(
        load_price_table(), {name: registry.sources[name].fields for name in sources}, DEFAULT_TOKENS_PER_CALL
    )


def test_invocation_logs_alone_keep_no_request_id() -> None:
    ledger = book("aws_bedrock_invocation")
    assert list(ledger.tap(logged(n) for n in range(50))) and ledger.priced_requests == set()
    cost = ledger.cost(USER, T0, T0 + timedelta(minutes=1))
    # 50 calls of 4,000 input and 400 output tokens at $0.25 and $1.25 per million
    assert cost is not None and cost.usd == round(50 * (4000 * 0.25 + 400 * 1.25) / 1e6, 4)


def test_with_cloudtrail_the_request_ids_of_priced_calls_are_kept() -> None:
    ledger = book("aws_cloudtrail", "aws_bedrock_invocation")
    list(ledger.tap(logged(n) for n in range(3)))
    assert ledger.priced_requests == {f"0e4c2a55-2f0e-4a43-9d61-{n:012d}" for n in range(3)}
