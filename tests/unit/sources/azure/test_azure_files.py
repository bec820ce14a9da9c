"""Reading Azure logs: the container shapes, storage-account trees, standard input, bad input, the time window."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.unit.sources.azure.azure_samples import (
    LOCAL_AUTH_ON,
    SUBSCRIPTION,
    account_write,
    activity_export,
    activity_rest,
    audit_list_key,
    request_response,
)
from tests.unit.sources.sourcekit import json_lines

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.stats import ReadStats

from .conftest import Reader

ACCOUNT_PATH = (
    f"resourceId=/SUBSCRIPTIONS/{SUBSCRIPTION.upper()}/RESOURCEGROUPS/RG-AI-PROD/PROVIDERS"
    "/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OPENAI-APP-EASTUS"
)


def blob(root: Path, container: str, resource: str, hour: str, data: bytes) -> Path:
    """A PT1H.json blob at its storage-account path; ``hour`` is ``YYYY/MM/DD/HH``."""
    year, month, day, at = hour.split("/")
    path = root / container / resource / f"y={year}" / f"m={month}" / f"d={day}" / f"h={at}" / "m=00" / "PT1H.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def wrapped(records: list[Any]) -> bytes:
    return orjson.dumps({"records": records})


SHAPES: dict[str, Callable[[list[Any]], bytes]] = {
    "json_lines": json_lines,
    "records": wrapped,
    "array": orjson.dumps,
}


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_container_shape_gives_the_same_events(tmp_path: Path, read: Reader, shape: str, compress: bool) -> None:
    records = [
        request_response(0),
        audit_list_key(10),
        activity_export(20),
        activity_rest(30),
        account_write(40, LOCAL_AUTH_ON),
    ]
    data = SHAPES[shape](records)
    path = tmp_path / "PT1H.json"
    path.write_bytes(gzip.compress(data) if compress else data)
    events, stats = read([path])
    assert [event.name for event in events] == [
        "ChatCompletions_Create",
        "ListKey",
        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/WRITE",
    ]
    assert [event.raw for event in events] == records
    assert stats.events_read == 5
    assert stats.files_read == 1
    assert not stats.problems


def test_large_blobs_are_streamed_with_the_same_result(tmp_path: Path, read: Reader) -> None:
    records = [request_response(i) for i in range(200)]
    for name, encode in SHAPES.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(encode(records))
        events, stats = read([path], options=ReadOptions(stream_threshold=4096))
        assert [event.raw for event in events] == records, name
        assert not stats.problems, name


def test_a_storage_account_tree_is_read_in_hour_order_across_containers(tmp_path: Path, read: Reader) -> None:
    activity = f"resourceId=/SUBSCRIPTIONS/{SUBSCRIPTION.upper()}"
    blob(tmp_path, "insights-logs-requestresponse", ACCOUNT_PATH, "2026/11/20/15", json_lines([request_response(3600)]))
    blob(tmp_path, "insights-logs-requestresponse", ACCOUNT_PATH, "2026/11/20/14", json_lines([request_response(0)]))
    blob(tmp_path, "insights-logs-audit", ACCOUNT_PATH, "2026/11/20/16", json_lines([audit_list_key(7200)]))
    blob(tmp_path, "insights-activity-logs", activity, "2026/11/20/14", json_lines([activity_export(60)]))
    (tmp_path / "insights-logs-requestresponse" / "README.txt").write_text("not a log")
    events, stats = read([tmp_path])
    assert [event.time.hour for event in events] == [14, 14, 15, 16]
    assert [event.name for event in events][:2] == [
        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
        "ChatCompletions_Create",
    ]
    assert stats.files_read == 4
    assert [problem.reason for problem in stats.problems] == ["ignored"]
    assert "README.txt" in stats.problems[0].message


def test_bad_lines_and_records_are_counted_with_their_line(tmp_path: Path, read: Reader) -> None:
    lines = [
        orjson.dumps(request_response(0)),
        b'{"time": "2026-11-20T14:00:01.0000000Z", "operationName": "ChatCompletions_Create", ',
        orjson.dumps(request_response(2, operationName=None)),
        orjson.dumps(request_response(3, time="20/11/2026 14:00")),
        b"[1, 2]",
        orjson.dumps(request_response(5)),
    ]
    path = tmp_path / "PT1H.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    events, stats = read([path])
    assert [event.time.second for event in events] == [0, 5]
    broken = stats.problems[0]
    assert (broken.reason, broken.location.line) == ("invalid_json", 2)
    assert broken.location.col is not None
    found = [(problem.reason, problem.location) for problem in stats.problems[1:]]
    assert found == [
        ("missing_field", Location(str(path), 3)),
        ("invalid_field", Location(str(path), 4)),
        ("not_an_object", Location(str(path), 5)),
        ("not_an_object", Location(str(path), 5)),
    ]
    assert "missing operationName" in stats.problems[1].message
    assert "not an ISO 8601 timestamp" in stats.problems[2].message
    assert stats.events_skipped == 5
    assert stats.events_read == 2


def test_a_records_wrapper_that_is_not_an_array_is_reported(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "PT1H.json"
    path.write_bytes(orjson.dumps({"records": {"time": "2026-11-20T14:00:00Z"}}))
    events, stats = read([path])
    assert events == []
    assert [(p.reason, p.message) for p in stats.problems] == [("invalid_records", "records is not an array")]


def test_a_truncated_gzip_blob_keeps_the_records_before_the_break(tmp_path: Path, read: Reader) -> None:
    data = gzip.compress(json_lines([request_response(i) for i in range(50)]))
    path = tmp_path / "PT1H.json.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    events, stats = read([path])
    assert 0 < len(events) < 50
    assert "truncated_gzip" in stats.skipped


def test_the_time_window_keeps_since_and_drops_until(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "PT1H.json"
    path.write_bytes(json_lines([request_response(i * 60) for i in range(10)]))
    since = datetime(2026, 11, 20, 14, 2, tzinfo=UTC)
    until = datetime(2026, 11, 20, 14, 5)  # naive: UTC
    events, stats = read([path], since=since, until=until)
    assert [event.time.minute for event in events] == [2, 3, 4]
    assert stats.events_read == 3
    assert not stats.skipped


def test_standard_input_is_read(read: Reader) -> None:
    stream = io.BytesIO(orjson.dumps({"records": [activity_rest(0), activity_rest(1)]}))
    events, stats = read(["-"], options=ReadOptions(stdin=stream))
    assert [event.id for event in events] == [
        "9f8e7d6c-5b4a-4392-8170-000000000000",
        "9f8e7d6c-5b4a-4392-8170-000000000001",
    ]
    assert stats.files_read == 1


@pytest.mark.parametrize(
    ("specs", "error", "message"),
    [
        ([], ConfigError, "no Azure log input given"),
        (["-", "-"], ConfigError, "standard input (-) can be read only once"),
        (["s3://bucket/insights-logs-requestresponse/"], ConfigError, "not a local input"),
        (["https://account.blob.core.windows.net/insights-logs-audit"], ConfigError, "not a local input"),
        ([""], ConfigError, "empty input"),
        (["/nonexistent/insights-logs-audit"], SourceError, "no such file or directory"),
    ],
)
def test_bad_inputs_stop_before_anything_is_read(specs: list[str], error: type[Exception], message: str) -> None:
    from jackwatch.sources.azure import read_azure_openai

    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_azure_openai(specs, ReadStats())


def test_since_must_be_before_until(tmp_path: Path, read: Reader) -> None:
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be before until"):
        read([tmp_path], since=moment, until=moment)


def test_an_empty_directory_is_reported(tmp_path: Path, read: Reader) -> None:
    events, stats = read([tmp_path])
    assert events == []
    assert [(p.reason, p.message) for p in stats.problems] == [("no_files", f"no Azure Monitor files under {tmp_path}")]
