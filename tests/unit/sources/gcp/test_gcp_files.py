"""Reading Cloud Audit Logs exports: sink trees of JSON Lines, gcloud arrays, API pages, stdin, bad input, windows."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.gcp.entries import ACTIVITY
from tests.unit.sources.sourcekit import json_lines, put

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.gcp import ReadOptions, read_gcp_audit
from jackwatch.sources.stats import ReadStats

from .conftest import Reader, RecordFactory


def sink_file(root: Path, log: str, day: str, hours: str) -> Path:
    """Where a Cloud Storage sink writes an hour of one audit log: ``<log>/YYYY/MM/DD/HH:00:00_HH:59:59_S0.json``."""
    return root / "cloudaudit.googleapis.com" / log / day / f"{hours}_S0.json"


def test_a_sink_tree_is_read_in_time_order(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    root = tmp_path / "acme-audit-export"
    put(sink_file(root, "data_access", "2024/11/20", "15:00:00_15:59:59"), json_lines([entry(3600), entry(3700)]))
    put(sink_file(root, "data_access", "2024/11/20", "14:00:00_14:59:59"), json_lines([entry(1), entry(2)]))
    put(sink_file(root, "activity", "2024/11/20", "14:00:00_14:59:59"), json_lines([entry(5, logName=ACTIVITY)]))
    put(root / "README.txt", b"exported by the acme-audit sink\n")
    seen: list[str] = []
    events, stats = read([root], progress=seen.append)
    assert [Path(path).parts[-5] for path in seen] == ["activity", "data_access", "data_access"]
    data_access = [event for event in events if "data_access" in event.id]
    assert [event.time for event in data_access] == sorted(event.time for event in data_access)
    assert len(events) == 5
    assert stats.files_read == 3
    assert stats.events_read == 5
    assert stats.events_skipped == 0
    assert [problem.reason for problem in stats.problems] == ["ignored"]
    assert "1 not log files" in stats.problems[0].message


def test_gcloud_logging_read_output_is_a_json_array(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    """``gcloud logging read --format=json`` prints one indented array, newest first."""
    path = put(tmp_path / "vertex.json", orjson.dumps([entry(2), entry(1)], option=orjson.OPT_INDENT_2))
    events, stats = read([path])
    assert [event.name for event in events] == ["StreamRawPredict", "StreamRawPredict"]
    assert [event.time.second for event in events] == [2, 1]
    assert stats.events_skipped == 0


def test_an_empty_gcloud_result_is_no_event(tmp_path: Path, read: Reader) -> None:
    events, stats = read([put(tmp_path / "none.json", b"[]\n")])
    assert events == []
    assert stats.events_skipped == 0


def test_a_logging_api_page_is_read_from_its_entries(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    page = {"entries": [entry(1), entry(2), entry(3)], "nextPageToken": "EAA4suKu3qnLwbtrSg"}
    events, _ = read([put(tmp_path / "page-1.json", orjson.dumps(page))])
    assert len(events) == 3


def test_a_single_entry_and_a_gzipped_file_are_read(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    single = put(tmp_path / "one.json", orjson.dumps(entry(1)))
    packed = put(tmp_path / "hour.json.gz", gzip.compress(json_lines([entry(2), entry(3)])))
    events, stats = read([single, packed])
    assert len(events) == 3
    assert stats.files_read == 2


@pytest.mark.parametrize("compress", [False, True])
def test_stdin_is_read(read: Reader, entry: RecordFactory, compress: bool) -> None:
    data = json_lines([entry(1), entry(2)])
    stream = io.BytesIO(gzip.compress(data) if compress else data)
    events, _ = read(["-"], options=ReadOptions(stdin=stream))
    assert [event.origin for event in events] == ["<stdin>", "<stdin>"]


def test_bad_lines_are_counted_with_their_location(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    container_log = {"textPayload": "listening on :8080", "timestamp": "2024-11-20T14:00:00Z", "insertId": "x1"}
    lines = [
        orjson.dumps(entry(1)),
        b'{"protoPayload": {"methodName": "google.cloud.aiplatform.v1.PredictionService.RawPredict"',
        orjson.dumps(container_log),
        orjson.dumps(entry(2, timestamp="20/11/2024 14:00")),
        orjson.dumps(entry(3)),
    ]
    path = put(tmp_path / "mixed.json", b"\n".join(lines) + b"\n")
    events, stats = read([path])
    assert len(events) == 2
    assert stats.events_read == 2
    assert stats.events_skipped == 3
    found = {(problem.reason, problem.location.line) for problem in stats.problems}
    assert found == {("invalid_json", 2), ("not_audit_log", 3), ("invalid_field", 4)}
    assert all(problem.location.path == str(path) for problem in stats.problems)
    not_audit = next(problem for problem in stats.problems if problem.reason == "not_audit_log")
    assert "no protoPayload" in not_audit.message


def test_events_outside_the_window_are_dropped(tmp_path: Path, read: Reader, entry: RecordFactory) -> None:
    path = put(tmp_path / "hour.json", json_lines([entry(index) for index in (0, 60, 120, 180)]))
    events, stats = read(
        [path],
        since=datetime(2024, 11, 20, 14, 1, tzinfo=UTC),
        until=datetime(2024, 11, 20, 14, 3),  # naive: UTC
    )
    assert [event.time.minute for event in events] == [1, 2]
    assert stats.events_read == 2
    assert stats.events_skipped == 0


def test_an_empty_directory_is_a_problem_not_a_crash(tmp_path: Path, read: Reader) -> None:
    events, stats = read([tmp_path])
    assert events == []
    assert [problem.reason for problem in stats.problems] == ["no_files"]
    assert stats.problems[0].location == Location(str(tmp_path))


def test_a_missing_path_is_a_source_error_before_anything_is_read(tmp_path: Path, entry: RecordFactory) -> None:
    good = put(tmp_path / "good.json", json_lines([entry(1)]))
    with pytest.raises(SourceError, match="no such file or directory"):
        read_gcp_audit([str(good), str(tmp_path / "missing")], ReadStats())


@pytest.mark.parametrize(
    ("specs", "match"),
    [
        ([], "no Cloud Audit Logs input given"),
        (["-", "-"], "can be read only once"),
        ([""], "empty input"),
        (["gs://acme-audit-export/cloudaudit.googleapis.com"], "gcloud storage cp"),
        (["s3://bucket/prefix"], "read from local files"),
        (["https://logging.googleapis.com/v2/entries:list"], "read from local files"),
    ],
)
def test_malformed_specs_are_config_errors(specs: list[str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        read_gcp_audit(specs, ReadStats())


def test_since_must_be_before_until(tmp_path: Path) -> None:
    moment = datetime(2024, 11, 20, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be before until"):
        read_gcp_audit([str(tmp_path)], ReadStats(), since=moment, until=moment)
