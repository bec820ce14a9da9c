"""Local inputs: JSON Lines files (gzipped or not), AWSLogs trees, stdin, CloudWatch Logs output, and bad input."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.sourcekit import gzipped_lines, json_lines, put

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.bedrock_invocation import ReadOptions
from jackwatch.sources.bedrock_invocation.tokens import MEMO_KEY, TokenCounts

from .conftest import ACCOUNT, Reader, RecordFactory, hour_file


def test_a_json_lines_file(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    path = put(tmp_path / "invocations.jsonl", json_lines([record(1), record(2), record(3)]))
    events, stats = read([path])
    assert [event.id for event in events] == [record(i)["requestId"] for i in (1, 2, 3)]
    assert (stats.files_read, stats.events_read, stats.events_skipped, stats.problems) == (1, 3, 0, [])


def test_bad_lines_and_records_are_counted_with_their_line(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    no_operation = record(2)
    del no_operation["operation"]
    data = (
        json_lines([record(1), no_operation])
        + b'{"schemaType": "ModelInvocationLog", "timest\n'
        + json_lines([record(4)])
    )
    path = put(tmp_path / "20250515T1400Z_part.json.gz", gzip.compress(data))
    events, stats = read([path])
    assert [event.id for event in events] == [record(1)["requestId"], record(4)["requestId"]]
    assert dict(stats.skipped) == {"missing_field": 1, "invalid_json": 1}
    assert [(p.reason, p.location) for p in stats.problems] == [
        ("missing_field", Location(str(path), 2)),
        ("invalid_json", Location(str(path), 3, 45)),
    ]


def test_an_awslogs_tree_is_read_hour_by_hour_within_the_window(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    root = tmp_path / "bucket"
    put(hour_file(root, "us-east-1", "2025/05/15/15", "20250515T1504Z_a1.json.gz"), gzipped_lines([record(3600)]))
    put(hour_file(root, "eu-west-1", "2025/05/15/14", "20250515T1459Z_b2.json.gz"), gzipped_lines([record(10)]))
    put(hour_file(root, "eu-west-1", "2025/05/01/09", "20250501T0900Z_c3.json.gz"), b"must not be read")
    put(hour_file(root, "us-east-1", "2025/05/15/15", "data/ff4b6c63_input_media_00.pdf"), b"%PDF-1.7")
    cloudtrail = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2025" / "05" / "15"
    put(cloudtrail / f"{ACCOUNT}_CloudTrail_us-east-1_20250515T1400Z_x.json.gz", b"not ours")
    seen: list[str] = []
    events, stats = read([root], since=datetime(2025, 5, 14, tzinfo=UTC), progress=seen.append)
    assert [event.id for event in events] == [record(10)["requestId"], record(3600)["requestId"]]
    assert [Path(name).parts[-6] for name in seen] == ["eu-west-1", "us-east-1"]
    assert stats.files_read == 2 and stats.events_skipped == 0
    (ignored,) = stats.problems
    assert (
        ignored.reason == "ignored"
        and "1 of other services" in ignored.message
        and "1 not log files" in ignored.message
    )


def test_the_time_window_keeps_events_inside(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    path = put(tmp_path / "day.jsonl", json_lines([record(0), record(600), record(1200)]))
    events, _ = read([path], since=datetime(2025, 5, 15, 14, 5, tzinfo=UTC), until=datetime(2025, 5, 15, 14, 20))
    assert [event.id for event in events] == [record(600)["requestId"]]


def test_standard_input(read: Reader, record: RecordFactory) -> None:
    stream = io.BytesIO(gzipped_lines([record(1), record(2)]))
    events, stats = read(["-"], options=ReadOptions(stdin=stream))
    assert len(events) == 2 and stats.files_read == 1


def test_cloudwatch_logs_events_printed_by_the_aws_cli(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    output = {
        "events": [
            {
                "logStreamName": "aws/bedrock/modelinvocations",
                "timestamp": 1747317601000,
                "message": orjson.dumps(record(1)).decode(),
                "ingestionTime": 1747317602000,
                "eventId": "38291823017230123012301230123012301230123012301231",
            },
            {"logStreamName": "aws/bedrock/modelinvocations", "timestamp": 1747317602000, "message": "Truncated {"},
            {"timestamp": 1747317603000, "message": orjson.dumps(record(3)).decode(), "ingestionTime": 1747317604000},
        ],
        "searchedLogStreams": [{"logStreamName": "aws/bedrock/modelinvocations", "searchedCompletely": True}],
    }
    path = put(tmp_path / "filter-log-events.json", orjson.dumps(output, option=orjson.OPT_INDENT_2))
    events, stats = read([path])
    assert [event.id for event in events] == [record(1)["requestId"], record(3)["requestId"]]
    (problem,) = stats.problems
    assert problem.reason == "invalid_json" and problem.location == Location(str(path))
    assert problem.message.startswith("record 2: message is not JSON")


def test_unusable_token_counts_are_counted_and_the_events_kept(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    negative = record(1)
    negative["input"]["inputTokenCount"] = -12
    unknown = record(2, output={"outputContentType": "application/json"})
    del unknown["input"]["inputTokenCount"]
    failed = record(3, output=None, errorCode="ValidationException")
    del failed["input"]["inputTokenCount"]
    path = put(tmp_path / "counts.jsonl", json_lines([negative, unknown, failed]))
    events, stats = read([path])
    assert len(events) == 3 and stats.events_skipped == 0
    assert [(p.reason, p.location, p.message) for p in stats.problems] == [
        (
            "invalid_token_count",
            Location(str(path)),
            f"request {negative['requestId']}: input.inputTokenCount is -12, not a token count",
        ),
        (
            "missing_token_count",
            Location(str(path)),
            f"request {unknown['requestId']}: no input token count in the log or the usage object",
        ),
    ]
    counts = events[0].memo[MEMO_KEY]
    assert isinstance(counts, TokenCounts) and counts.input == 4  # the usage object's inputTokens


@pytest.mark.parametrize(
    ("specs", "error", "message"),
    [
        ([], ConfigError, "no Bedrock invocation log input given"),
        (["sqs://bedrock-logs"], ConfigError, "not read from this kind of input"),
        (["lookup://us-east-1"], ConfigError, "not read from this kind of input"),
        (["ftp://host/logs"], ConfigError, "unsupported input"),
        (["-", "-"], ConfigError, "can be read only once"),
        (["/nonexistent/bedrock"], SourceError, "no such file or directory"),
    ],
)
def test_bad_specs_fail_before_anything_is_read(
    read: Reader, specs: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        read(specs)


def test_since_must_be_before_until(tmp_path: Path, read: Reader) -> None:
    path = put(tmp_path / "x.jsonl", b"")
    with pytest.raises(ConfigError, match="must be before until"):
        read([path], since=datetime(2025, 5, 2), until=datetime(2025, 5, 1))
