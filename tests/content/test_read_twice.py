"""The same invocation logs from two deliveries (the S3 objects and a CloudWatch Logs export) count once: the same
findings, counts and costs as either alone, and every copy reported."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.content.test_bedrock_invocation_detection import ACCOUNT, detector, scenario

from jackwatch.cli.options import load_pricing
from jackwatch.detect.distinct import DUPLICATE
from jackwatch.detect.service import DetectionResult, detect_inputs
from jackwatch.model.cost import CostFigures
from jackwatch.sources.inputs import ReadRequest


def s3_delivery(records: list[dict[str, Any]], root: Path) -> Path:
    """The records as Bedrock writes them to S3: gzip JSON Lines, one object per hour."""
    logs = root / "AWSLogs" / ACCOUNT / "BedrockModelInvocationLogs" / "us-east-1"
    for record in records:
        hour = datetime.fromisoformat(record["timestamp"]).strftime("%Y/%m/%d/%H")
        path = logs / hour / f"{hour.replace('/', '')}_invocations.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "ab") as stream:
            stream.write(orjson.dumps(record) + b"\n")
    return root


def cloudwatch_export(records: list[dict[str, Any]], path: Path) -> Path:
    """The same records as ``aws logs filter-log-events`` prints them."""
    events = [
        {
            "logStreamName": "aws/bedrock/modelinvocations",
            "timestamp": int(datetime.fromisoformat(record["timestamp"]).timestamp() * 1000),
            "message": json.dumps(record),
            "eventId": str(number),
        }
        for number, record in enumerate(records)
    ]
    path.write_text(json.dumps({"events": events, "searchedLogStreams": []}))
    return path


def run(*inputs: Path) -> DetectionResult:
    pricing = load_pricing([], "1000:500")
    return detect_inputs(detector(), [f"bedrock:{path}" for path in inputs], ReadRequest(), pricing)


def summary(result: DetectionResult) -> list[tuple[str, int, object]]:
    return sorted((finding.id, finding.count, finding.cost) for finding, _ in result.findings)


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    records = sorted(scenario()[0], key=lambda record: str(record["timestamp"]))  # as both deliveries write them
    root = tmp_path_factory.mktemp("deliveries")
    return s3_delivery(records, root / "bucket"), cloudwatch_export(records, root / "export.json")


def test_both_deliveries_give_what_one_gives(deliveries: tuple[Path, Path]) -> None:
    bucket, export = deliveries
    once, again = run(bucket), run(bucket, export)
    assert summary(once) == summary(run(export))
    assert summary(again) == summary(once)
    assert any(isinstance(cost, CostFigures) and cost.usd for _, _, cost in summary(once))
    assert len(once.findings) == 4
    assert again.read.events_read == once.read.events_read == 37
    assert again.read.skipped == {DUPLICATE: 37}
    assert {str(problem.location) for problem in again.read.problems} <= {str(export)}


def test_a_directory_given_twice_is_read_once(deliveries: tuple[Path, Path]) -> None:
    bucket, _ = deliveries
    result = run(bucket, bucket / "AWSLogs")
    assert summary(result) == summary(run(bucket))
    assert not result.read.skipped
    (problem,) = result.read.problems
    assert problem.reason == "duplicate_input" and f"part of bedrock:{bucket}" in problem.message
