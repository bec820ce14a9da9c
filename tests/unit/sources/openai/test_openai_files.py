"""Reading OpenAI audit logs from files, directories and standard input; bad input; the time window; specs."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.sourcekit import json_lines, reader_of

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.openai import read_openai_audit
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.stats import ReadStats

from .conftest import list_response, make_audit_log

read = reader_of(read_openai_audit)


def test_json_lines_of_audit_logs(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(json_lines([make_audit_log(i) for i in range(3)]))
    events, stats = read([str(path)])
    assert [event.id for event in events] == [make_audit_log(i)["id"] for i in range(3)]
    assert {event.source for event in events} == {"openai_audit"}
    assert (stats.events_read, stats.events_skipped, stats.files_read) == (3, 0, 1)


def test_saved_list_responses_gzipped_arrays_and_single_objects_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "2026-03-11").mkdir()
    page = tmp_path / "2026-03-11" / "audit_logs.page1.json.gz"
    page.write_bytes(gzip.compress(orjson.dumps(list_response([make_audit_log(0), make_audit_log(1)], True))))
    (tmp_path / "array.json").write_bytes(orjson.dumps([make_audit_log(2)]))
    (tmp_path / "single.json").write_bytes(orjson.dumps(make_audit_log(3)))
    (tmp_path / "pages.jsonl").write_bytes(
        json_lines([list_response([make_audit_log(4)]), list_response([make_audit_log(5)])])
    )
    (tmp_path / "README.md").write_text("audit log export\n")
    events, stats = read([str(tmp_path)])
    assert sorted(event.id for event in events) == sorted(make_audit_log(i)["id"] for i in range(6))
    assert stats.files_read == 4
    assert [problem.reason for problem in stats.problems] == ["ignored"]


def test_bad_lines_and_records_are_counted_with_their_location_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    broken = {key: value for key, value in make_audit_log(2).items() if key != "type"}
    path.write_bytes(
        json_lines([make_audit_log(0)])
        + b'{"id": "audit_log-cut", "type": \n'
        + json_lines([broken, make_audit_log(3)])
    )
    events, stats = read([str(path)])
    assert [event.id for event in events] == [make_audit_log(0)["id"], make_audit_log(3)["id"]]
    assert dict(stats.skipped) == {"invalid_json": 1, "missing_field": 1}
    locations = {problem.reason: problem.location for problem in stats.problems}
    assert locations == {
        "invalid_json": Location(str(path), 2, locations["invalid_json"].col),
        "missing_field": Location(str(path), 3),
    }


def test_the_time_window_keeps_since_and_drops_until(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(json_lines([make_audit_log(i) for i in range(5)]))
    since = datetime(2026, 3, 11, 11, 1, tzinfo=UTC)
    until = datetime(2026, 3, 11, 11, 3)  # naive: UTC
    events, stats = read([str(path)], since=since, until=until)
    assert [event.time.minute for event in events] == [1, 2]
    assert stats.events_read == 2 and stats.events_skipped == 0


def test_standard_input(tmp_path: Path) -> None:
    stream = io.BytesIO(gzip.compress(orjson.dumps(list_response([make_audit_log(0), make_audit_log(1)]))))
    events, stats = read(["-"], options=ReadOptions(stdin=stream))
    assert len(events) == 2 and stats.problems == []
    assert {event.origin for event in events} == {"<stdin>"}


@pytest.mark.parametrize(
    ("specs", "error", "message"),
    [
        ([], ConfigError, "no OpenAI audit log input given"),
        (["-", "-"], ConfigError, "standard input"),
        (["s3://audit-bucket/openai/"], ConfigError, "unsupported input"),
        (["lookup://"], ConfigError, "unsupported input"),
        (["/nonexistent/audit.jsonl"], SourceError, "no such file or directory"),
        (["api://"], ConfigError, "OPENAI_ADMIN_KEY is not set"),
    ],
)
def test_specs_are_checked_before_anything_is_read(
    specs: list[str], error: type[Exception], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_ADMIN_KEY", raising=False)
    with pytest.raises(error, match=message):
        read_openai_audit(specs, ReadStats())


def test_since_must_be_before_until() -> None:
    moment = datetime(2026, 3, 11, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be before until"):
        read_openai_audit(["-"], ReadStats(), since=moment, until=moment)
