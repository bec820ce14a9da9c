"""Fixtures for the Bedrock invocation log source tests: realistic records, files, and a reader."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from jackwatch.model import Event
from jackwatch.sources.bedrock_invocation import ReadOptions, read_bedrock_invocation
from jackwatch.sources.stats import ReadStats

ACCOUNT = "111122223333"
START = datetime(2025, 5, 15, 14, 0, tzinfo=UTC)

RecordFactory = Callable[..., dict[str, Any]]
Reader = Callable[..., tuple[list[Event], ReadStats]]


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


def json_lines(records: Sequence[object]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def hour_file(root: Path, region: str, hour: str, name: str, account: str = ACCOUNT) -> Path:
    """``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<name>`` under ``root``."""
    return root / "AWSLogs" / account / "BedrockModelInvocationLogs" / region / hour / name


def gzipped_lines(records: Sequence[object]) -> bytes:
    return gzip.compress(json_lines(records))


@pytest.fixture
def record() -> RecordFactory:
    """Build realistic invocation records: ``record(index, **overrides)``."""
    return make_record


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_bedrock_invocation_kwargs) -> (events, stats)``."""

    def run(specs: Sequence[str | Path], **kwargs: Any) -> tuple[list[Event], ReadStats]:
        stats = ReadStats()
        kwargs.setdefault("options", ReadOptions())
        events = list(read_bedrock_invocation([str(spec) for spec in specs], stats, **kwargs))
        return events, stats

    return run
