"""CloudWatch Logs exports to S3 (``<time> <JSON record>`` lines, gzipped) unwrapped into JSON Lines."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.sourcekit import json_lines

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.bedrock_invocation.cloudwatch import unwrap_export_lines
from jackwatch.sources.bedrock_invocation.records import FORMAT
from jackwatch.sources.reading.blob import read_events
from jackwatch.sources.reading.context import DEFAULT_STREAM_THRESHOLD, ReadContext
from jackwatch.sources.reading.records import Converter
from jackwatch.sources.stats import ReadStats

from .conftest import Reader, RecordFactory

ORIGIN = "s3://exports/bedrock/4f1c0e2a-task/aws/bedrock/modelinvocations/000000.gz"


def export_line(raw: dict[str, object], stamp: str = "2025-05-15T14:17:22.512Z") -> bytes:
    return stamp.encode() + b" " + orjson.dumps(raw) + b"\n"


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read_export(data: bytes, size: int = 1 << 20) -> tuple[list[Event], ReadStats]:
    """Events of an export file the way the reader reads any input: decompressed, unwrapped, parsed."""
    stats = ReadStats()
    convert = Converter(ORIGIN, ReadContext(stats, FORMAT))
    return list(read_events(pieces(data, size), convert, DEFAULT_STREAM_THRESHOLD)), stats


def test_an_export_file_reads_as_json_lines(record: RecordFactory) -> None:
    data = gzip.compress(b"".join(export_line(record(i)) for i in range(3)))
    events, stats = read_export(data)
    assert [event.id for event in events] == [record(i)["requestId"] for i in range(3)]
    assert stats.problems == [] and stats.files_read == 1


def test_a_line_without_time_is_reported_and_the_line_numbers_stay_the_files(record: RecordFactory) -> None:
    data = (
        export_line(record(1))
        + b"ERROR Bedrock delivery retried\n"
        + b"\n"
        + b"2025-05-15T14:17:25Z {not json\n"
        + export_line(record(5), "2025-05-15T14:17:26Z")
    )
    events, stats = read_export(gzip.compress(data))
    assert [event.id for event in events] == [record(1)["requestId"], record(5)["requestId"]]
    assert [(p.reason, p.location) for p in stats.problems] == [
        ("invalid_line", Location(ORIGIN, 2)),
        ("invalid_json", Location(ORIGIN, 4, 2)),
    ]
    assert dict(stats.skipped) == {"invalid_line": 1, "invalid_json": 1}


def test_content_that_is_not_an_export_passes_through(record: RecordFactory) -> None:
    data = json_lines([record(1), record(2)])
    events, stats = read_export(data)
    assert len(events) == 2 and stats.problems == []
    stats = ReadStats()
    convert = Converter(ORIGIN, ReadContext(stats, FORMAT))
    assert b"".join(unwrap_export_lines(iter([data[:10], data[10:]]), convert)) == data


@pytest.mark.parametrize("size", [1, 3, 7, 39, 41, 500])
def test_chunk_boundaries_do_not_matter(record: RecordFactory, size: int) -> None:
    data = b"\n" + export_line(record(1)) + b"garbage\n" + export_line(record(2)).rstrip(b"\n")
    events, stats = read_export(data, size)
    assert [event.id for event in events] == [record(1)["requestId"], record(2)["requestId"]]
    assert [(p.reason, p.location.line) for p in stats.problems] == [("invalid_line", 3)]


def test_an_empty_export() -> None:
    events, stats = read_export(gzip.compress(b""))
    assert events == [] and [p.reason for p in stats.problems] == ["empty_file"]


def test_an_export_file_on_disk_is_read_by_the_source(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    path = tmp_path / "000000.gz"
    path.write_bytes(gzip.compress(export_line(record(0)) + b"not an export line\n" + export_line(record(1))))
    events, stats = read([path])
    assert len(events) == 2
    assert stats.skipped == {"invalid_line": 1}
    assert stats.problems[0].location == Location(str(path), 2)
