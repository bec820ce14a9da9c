"""Realistic Bedrock model invocation log records, as Bedrock writes them to S3 and CloudWatch Logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "111122223333"
START = datetime(2025, 5, 15, 14, 0, tzinfo=UTC)


def make_record(index: int = 0, **fields: Any) -> dict[str, Any]:
    """A Converse record as Bedrock logs it, ``index`` seconds after START."""
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": (START + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/chat-backend/i-0a1b2c3d4e5f60718"},
        "region": "us-east-1",
        "requestId": f"ff4b6c63-5561-4431-93b8-{index:012x}",
        "operation": "Converse",
        "modelId": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {
                "messages": [{"role": "user", "content": [{"text": "hello how are you"}]}],
                "inferenceConfig": {"maxTokens": 512, "temperature": 0.7},
            },
            "inputTokenCount": 4,
            "cacheReadInputTokenCount": 0,
            "cacheWriteInputTokenCount": 0,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": "Hello! How can I help?"}]}},
                "stopReason": "end_turn",
                "metrics": {"latencyMs": 302},
                "usage": {"inputTokens": 4, "outputTokens": 8, "totalTokens": 12},
            },
            "outputTokenCount": 8,
        },
    }
    record.update(fields)
    return record
