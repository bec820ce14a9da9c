"""The inputs every reader checks and reads: paths and ``-``, other specs handed to the reader's own function."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.unit.sources.sourcekit import json_lines, put

from jackwatch.errors import ConfigError, SourceError
from jackwatch.model import Event
from jackwatch.sources.cloudtrail.records import FORMAT
from jackwatch.sources.reading.context import ReadContext, ReadOptions
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, local_inputs, read_context, read_local
from jackwatch.sources.stats import ReadStats


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A kind of input only the reader under test knows."""

    name: str


def parse(text: str) -> PathSpec | StdinSpec | QueueSpec:
    if text == "-":
        return StdinSpec()
    if text.startswith("queue:"):
        return QueueSpec(text.removeprefix("queue:"))
    if "://" in text:
        raise ConfigError(f"{text!r}: unsupported input")
    return PathSpec(Path(text))


def record(index: int) -> dict[str, object]:
    return {"eventName": "InvokeModel", "eventTime": f"2024-05-01T12:00:0{index}Z", "eventID": f"event-{index}"}


def context(stats: ReadStats, stdin: bytes = b"") -> ReadContext:
    return read_context(stats, FORMAT, None, None, None, ReadOptions(stdin=io.BytesIO(stdin)))


def test_specs_are_parsed_and_paths_checked_before_anything_is_read(tmp_path: Path) -> None:
    trail = put(tmp_path / "trail.json", json_lines([record(0)]))
    assert local_inputs([str(trail), "-", "queue:alerts"], parse, "CloudTrail") == [
        PathSpec(trail),
        StdinSpec(),
        QueueSpec("alerts"),
    ]


@pytest.mark.parametrize(
    ("specs", "error", "message"),
    [
        ([], ConfigError, "no CloudTrail input given"),
        (["-", "queue:a", "-"], ConfigError, r"standard input \(-\) can be read only once"),
        (["ftp://host/trail.json"], ConfigError, "unsupported input"),
        (["/nonexistent/trail.json"], SourceError, "no such file or directory"),
    ],
)
def test_bad_specs_are_refused_before_anything_is_read(specs: list[str], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        local_inputs(specs, parse, "CloudTrail")


def test_the_window_of_a_read_must_not_be_empty() -> None:
    moment = datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be before until"):
        read_context(ReadStats(), FORMAT, moment, moment, None, None)
    window = read_context(ReadStats(), FORMAT, moment, None, None, None).window
    assert (window.since, window.until) == (moment, None)


def test_inputs_are_read_in_turn_and_other_specs_by_the_readers_function(tmp_path: Path) -> None:
    trail = put(tmp_path / "trail.json", json_lines([record(0)]))
    stats = ReadStats()
    read = context(stats, stdin=json_lines([record(1)]))
    asked: list[QueueSpec] = []

    def from_queue(spec: QueueSpec) -> Iterator[Event]:
        asked.append(spec)
        yield read.format.make_event(record(2), f"queue:{spec.name}")

    inputs = [PathSpec(trail), QueueSpec("alerts"), StdinSpec()]
    events = read_local(inputs, read, from_queue)
    assert asked == []  # nothing is read before the events are asked for
    assert [event.id for event in events] == ["event-0", "event-2", "event-1"]
    assert asked == [QueueSpec("alerts")]
    assert stats.events_read == 2  # the reader's own function counts its own events


def test_another_spec_without_a_reader_for_it_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="QueueSpec"):
        list(read_local([QueueSpec("alerts")], context(ReadStats())))
