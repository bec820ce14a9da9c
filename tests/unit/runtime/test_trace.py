"""Reading a recorded trace: JSON Lines, plain or gzip, bad lines reported with their number."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.unit.runtime.kit import intrusion

from jackwatch.errors import ConfigError, SourceError
from jackwatch.model.runtime import event_time
from jackwatch.runtime.trace import read_runtime_events, read_trace
from jackwatch.sources.stats import ReadStats


def lines(records: list[dict[str, object]]) -> list[str]:
    return [json.dumps(record) for record in records]


def test_a_trace_is_read_and_its_bad_lines_reported(tmp_path: Path) -> None:
    trace, _ = intrusion()
    bad = ["", "{not json", '{"type": "openat"}', "[1, 2]"]
    content = [*lines(trace.records[:2]), *bad, *lines(trace.records[2:4])]
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(content) + "\n", encoding="utf-8")
    stats = ReadStats()
    read = list(read_trace(str(path), stats))
    assert read == trace.records[:4]
    assert stats.events_read == 4 and stats.skipped == {"invalid_json": 1, "invalid_record": 3}
    assert [(str(problem.location).rsplit("/", 1)[1], problem.message) for problem in stats.problems] == [
        ("trace.jsonl:4:2", "invalid JSON: unexpected character, expected a string key"),
        ("trace.jsonl:5", "record 3: time None is not a time in nanoseconds since the epoch"),
        ("trace.jsonl:6", "record 4: not a JSON object"),  # a JSON array on a line holds records
        ("trace.jsonl:6", "record 5: not a JSON object"),
    ]


def test_a_gzip_trace_is_read(tmp_path: Path) -> None:
    trace, _ = intrusion()
    path = tmp_path / "trace.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines(trace.records)) + "\n").encode()))
    assert list(read_trace(str(path), ReadStats())) == trace.records


def test_a_truncated_gzip_trace_keeps_what_was_read(tmp_path: Path) -> None:
    trace, _ = intrusion()
    data = gzip.compress(("\n".join(lines(trace.records * 50)) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    stats = ReadStats()
    read = list(read_trace(str(path), stats))
    assert 0 < len(read) < len(trace.records) * 50
    assert stats.skipped == {"truncated_gzip": 1} and "truncated" in stats.problems[-1].message


def test_a_directory_of_traces_is_read_file_by_file(tmp_path: Path) -> None:
    trace, _ = intrusion()
    (tmp_path / "node-a").mkdir()
    (tmp_path / "node-a" / "1.jsonl").write_text("\n".join(lines(trace.records[:3])) + "\n", encoding="utf-8")
    (tmp_path / "node-a" / "2.jsonl.gz").write_bytes(gzip.compress("\n".join(lines(trace.records[3:])).encode()))
    (tmp_path / "notes.txt").write_text("not a trace", encoding="utf-8")
    stats = ReadStats()
    assert list(read_trace(str(tmp_path), stats)) == trace.records
    assert stats.files_read == 2 and not stats.skipped


def test_runtime_events_keep_their_window_and_origin(tmp_path: Path) -> None:
    trace, _ = intrusion()
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(lines(trace.records)) + "\n", encoding="utf-8")
    times = sorted(event_time(record) for record in trace.records)
    middle = times[len(times) // 2]
    events = list(read_runtime_events([str(path)], ReadStats(), since=middle))
    assert events and all(event.time >= middle for event in events)
    assert len(events) == sum(moment >= middle for moment in times)
    assert {event.source for event in events} == {"syscall"} and {event.origin for event in events} == {str(path)}


def test_urls_are_refused() -> None:
    with pytest.raises(ConfigError, match="read from local files"):
        list(read_runtime_events(["s3://bucket/trace.jsonl"], ReadStats()))


def test_a_missing_trace_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope\.jsonl: no such file or directory"):
        list(read_trace(str(tmp_path / "nope.jsonl"), ReadStats()))


def test_numbers_beyond_64_bits_are_refused_not_stored(tmp_path: Path) -> None:
    trace, _ = intrusion()
    huge_pid = {**trace.records[0], "proc": {**trace.records[0]["proc"], "pid": 2**64}}
    huge_time = {**trace.records[1], "time": 10**30}
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(lines([huge_pid, huge_time, *trace.records[2:4]])) + "\n", encoding="utf-8")
    stats = ReadStats()
    assert list(read_trace(str(path), stats)) == trace.records[2:4]
    assert [problem.message for problem in stats.problems] == [
        f"record 1: proc.pid {2**64} is not a process id",
        f"record 2: time {10**30} is not a time in nanoseconds since the epoch",
    ]
