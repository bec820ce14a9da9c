"""Reading a recorded trace: JSON Lines, plain or gzip, bad lines reported with their number."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.unit.runtime.kit import intrusion

from jackwatch.errors import SourceError
from jackwatch.runtime import trace as trace_module
from jackwatch.runtime.trace import read_trace
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
    assert stats.events_read == 4 and stats.skipped == {"invalid_json": 1, "invalid_record": 2}
    assert [str(problem.location).rsplit("/", 1)[1] for problem in stats.problems] == [
        "trace.jsonl:4:2",
        "trace.jsonl:5",
        "trace.jsonl:6",
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
    assert stats.files_failed == 1 and stats.problems[-1].reason == "unreadable"


def test_an_overlong_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace_module, "MAX_LINE", 100)
    trace, _ = intrusion()
    short = {"type": "procexit", "time": 1, "proc": {"pid": 1}}
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(trace.records[0]) + "\n" + json.dumps(short) + "\n", encoding="utf-8")
    stats = ReadStats()
    assert list(read_trace(str(path), stats)) == [short]
    assert stats.skipped == {"line_too_long": 1}


def test_a_missing_trace_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read the trace"):
        list(read_trace(str(tmp_path / "nope.jsonl"), ReadStats()))
