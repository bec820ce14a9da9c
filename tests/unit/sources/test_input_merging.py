"""The inputs of one kind are read side by side and merged in time order, up to a bound; beyond it, in turn. The
events of a kind whose events are small once read (Bedrock invocation logs) are read a batch ahead, the others not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
from tests.content.test_bedrock_invocation_detection import invocation
from tests.unit.sources.cloudtrail.conftest import make_record

from jackwatch.sources.inputs import MERGED_INPUTS, ReadRequest, read_inputs
from jackwatch.sources.reading.readahead import READ_AHEAD
from jackwatch.sources.stats import ReadStats


def log_file(path: Path, minutes: list[int], role: str) -> str:
    records = [invocation(timedelta(minutes=minute), role, minute) for minute in minutes]
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return f"bedrock:{path}"


def test_two_inputs_of_one_kind_are_merged_in_time_order(tmp_path: Path) -> None:
    bucket = log_file(tmp_path / "bucket.jsonl", [0, 2, 4, 6], "app")
    export = log_file(tmp_path / "export.jsonl", [1, 3, 5, 7], "batch")
    events = list(read_inputs([bucket, export], ReadStats(), ReadRequest()))
    assert [event.time for event in events] == sorted(event.time for event in events)
    assert len(events) == 8


def test_more_inputs_than_are_merged_are_read_in_turn(tmp_path: Path) -> None:
    count = MERGED_INPUTS + 4
    specs = [log_file(tmp_path / f"{number:02d}.jsonl", [count - number], "app") for number in range(count)]
    stats = ReadStats()
    events = list(read_inputs(specs, stats, ReadRequest()))
    # each file holds one call, the later files the earlier calls: read in the order given, not merged
    assert [event.time for event in events] == sorted((event.time for event in events), reverse=True)
    assert stats.events_read == count and not stats.problems


def files_read_for_the_first_event(specs: list[str]) -> int:
    """How many files are opened before the first event of ``specs`` is handed on."""
    opened: list[str] = []
    events = read_inputs(specs, ReadStats(), ReadRequest(progress=opened.append))
    next(events)
    return len(opened)


def test_invocation_logs_are_read_a_batch_ahead_cloudtrail_is_not(tmp_path: Path) -> None:
    (tmp_path / "bedrock").mkdir()
    for number in range(3):
        log_file(tmp_path / "bedrock" / f"{number}.jsonl", [number], "app")
    (tmp_path / "trail").mkdir()
    for number in range(3):
        record = make_record(number, eventTime=f"2026-11-20T14:0{number}:00Z")
        (tmp_path / "trail" / f"{number}.json").write_bytes(orjson.dumps({"Records": [record]}))
    assert READ_AHEAD > 3
    assert files_read_for_the_first_event([f"bedrock:{tmp_path / 'bedrock'}"]) == 3
    assert files_read_for_the_first_event([str(tmp_path / "trail")]) == 1
