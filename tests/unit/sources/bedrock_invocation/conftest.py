"""Fixtures for the Bedrock invocation log source tests: realistic records, files, and a reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.sources.bedrock_invocation.invocations import ACCOUNT, make_record
from tests.unit.sources.sourcekit import Reader, RecordFactory, reader_of

from jackwatch.sources.bedrock_invocation import read_bedrock_invocation


def hour_file(root: Path, region: str, hour: str, name: str, account: str = ACCOUNT) -> Path:
    """``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<name>`` under ``root``."""
    return root / "AWSLogs" / account / "BedrockModelInvocationLogs" / region / hour / name


@pytest.fixture
def record() -> RecordFactory:
    """Build realistic invocation records: ``record(index, **overrides)``."""
    return make_record


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_bedrock_invocation_kwargs) -> (events, stats)``."""
    return reader_of(read_bedrock_invocation)
