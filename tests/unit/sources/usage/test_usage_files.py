"""Reading export files and directories: format sniffing, walking, broken files, streams and rates."""

from __future__ import annotations

import gzip
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pytest
from tests.unit.sources.usage.exports import (
    AZURE_DAY,
    BEDROCK_HOUR,
    VERTEX_HOUR,
    problems,
    read,
    write_azure_csv,
    write_cur2_csv,
    write_cur2_parquet,
    write_gcp_jsonl,
)

from jackwatch.errors import ConfigError
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage import NotAnExport, read_usage_files, read_usage_stream


def test_format_is_sniffed_from_content_not_name(tmp_path: Path) -> None:
    csv_gz = tmp_path / "report-00001.bin"
    csv_gz.write_bytes(gzip.compress(write_cur2_csv(tmp_path / "plain.csv", BEDROCK_HOUR).read_bytes()))
    parquet = write_cur2_parquet(tmp_path / "report.data", BEDROCK_HOUR)
    jsonl_gz = write_gcp_jsonl(tmp_path / "billing.export", VERTEX_HOUR, gzipped=True)
    events, stats, summaries = read(csv_gz, parquet, jsonl_gz)
    assert not stats.problems and stats.files_read == 3
    assert [(summary.format, summary.kind, summary.events) for summary in summaries] == [
        ("AWS CUR", "CSV", 6),
        ("AWS CUR", "Parquet", 6),
        ("GCP billing export", "JSON Lines", 3),
    ]
    assert len(events) == 15


def test_directories_are_walked_recursively_in_name_order(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    (root / "b-gcp").mkdir(parents=True)
    (root / "a-aws" / "20241001-20241101").mkdir(parents=True)
    write_gcp_jsonl(root / "b-gcp" / "billing.jsonl", VERTEX_HOUR)
    write_cur2_csv(root / "a-aws" / "20241001-20241101" / "acme-00001.csv.gz", BEDROCK_HOUR, gzipped=True)
    manifest = {"assemblyId": "abc", "reportKeys": ["a-aws/20241001-20241101/acme-00001.csv.gz"], "charset": "UTF-8"}
    (root / "a-aws" / "20241001-20241101" / "acme-Manifest.json").write_text(json.dumps(manifest, indent=2))
    (root / "a-aws" / "README.txt").write_text("CUR 2.0 export of the payer account\n")
    write_azure_csv(root / "c-azure.csv", AZURE_DAY)
    events, stats, summaries = read(root)
    assert [Path(summary.origin).name for summary in summaries] == ["acme-00001.csv.gz", "billing.jsonl", "c-azure.csv"]
    assert [event.name for event in events] == ["aws_bedrock"] * 6 + ["gcp_vertex"] * 3 + ["azure_openai"] * 4
    assert stats.files_read == 3 and stats.files_failed == 0
    assert problems(stats) == [
        (
            str(root),
            "ignored",
            "2 file(s) left out, not usage exports by name or content: acme-Manifest.json, README.txt",
        )
    ]


def test_symbolic_links_to_directories_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_cur2_csv(outside / "cur.csv", BEDROCK_HOUR)
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "link")
    events, stats, _ = read(root)
    assert events == []
    assert problems(stats) == [(str(root / "link"), "ignored", "symbolic link to a directory, not followed")]


def test_a_named_file_that_is_not_an_export_fails_clearly(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("date,what\n2024-10-03,nothing\n")
    array = tmp_path / "billing.json"
    array.write_text('[{"service": {"description": "Vertex AI"}}]')
    events, stats, _ = read(notes, array)
    assert events == [] and stats.files_failed == 2
    assert problems(stats) == [
        (str(notes), "not_an_export", "not read: CSV with columns that are not of a usage export jackwatch reads"),
        (
            str(array),
            "not_an_export",
            "not read: a JSON array: export the billing data as newline-delimited JSON (JSON Lines)",
        ),
    ]


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    events, stats, _ = read(tmp_path / "absent.csv", empty)
    assert events == []
    assert [(location, reason) for location, reason, _ in problems(stats)] == [
        (str(tmp_path / "absent.csv"), "unreadable"),
        (str(empty), "not_an_export"),
    ]
    assert stats.files_failed == 2


def test_truncated_gzip_keeps_the_rows_read_and_reports_the_file(tmp_path: Path) -> None:
    items = BEDROCK_HOUR * 400
    whole = gzip.compress(write_cur2_csv(tmp_path / "cur.csv", items).read_bytes())
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    events, stats, summaries = read(path)
    assert 0 < len(events) < 400 * 6
    assert stats.files_failed == 1 and stats.files_read == 0
    [(location, reason, message)] = problems(stats)
    assert (location, reason) == (str(path), "unreadable") and message.startswith("read failed after ")
    assert summaries[0].events == len(events)


def test_corrupt_parquet_is_reported(tmp_path: Path) -> None:
    data = write_cur2_parquet(tmp_path / "cur.parquet", BEDROCK_HOUR).read_bytes()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(data[:200])
    events, stats, _ = read(broken)
    assert events == [] and stats.files_failed == 1
    [(location, reason, message)] = problems(stats)
    assert (location, reason) == (str(broken), "unreadable") and message.startswith("not a readable Parquet file")


def test_bad_csv_rows_and_bad_utf8(tmp_path: Path) -> None:
    good = write_cur2_csv(tmp_path / "cur.csv", BEDROCK_HOUR[:1]).read_bytes()
    path = tmp_path / "damaged.csv"
    row = good.split(b"\n")[1]
    bad_description = row.replace(b"Amazon Bedrock USE1", b"Amazon Bedrock \xff\xfeUSE1")
    bad_unused_column = row.replace(b"Anniversary", b"Anniv\xffersary")
    path.write_bytes(good + b"only,three,fields\n" + bad_description + b"\n" + bad_unused_column + b"\n" + row + b"\n")
    events, stats, _ = read(path)
    assert [event.raw["line"] for event in events] == [2, 5, 6]
    assert problems(stats) == [
        (f"{path}:3", "invalid_csv", "3 fields where the header has 27"),
        (f"{path}:4", "invalid_utf8", "not UTF-8 text"),
    ]
    assert stats.events_skipped == 2 and stats.files_read == 1


class _Pipe(io.RawIOBase):
    """A stream that can neither peek nor seek, like a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("gzipped", [True, False])
@pytest.mark.parametrize("buffered", [True, False])
def test_streams_are_read_and_left_open(tmp_path: Path, buffered: bool, gzipped: bool) -> None:
    data = write_azure_csv(tmp_path / "ea.csv", AZURE_DAY).read_bytes()
    pipe = _Pipe(gzip.compress(data) if gzipped else data)
    stream: BinaryIO = io.BufferedReader(pipe) if buffered else pipe  # type: ignore[assignment]
    stats = ReadStats()
    reader = read_usage_stream(stream, "<stdin>", stats)
    events = []
    try:
        while True:
            events.append(next(reader))
    except StopIteration as stop:
        summary = stop.value
    assert len(events) == 4 and summary.origin == "<stdin>" and summary.llm_rows == 4
    assert events[0].origin == "<stdin>" and not stats.problems
    assert not stream.closed, "the caller's stream is the caller's to close"


def test_a_stream_that_is_not_an_export_raises(tmp_path: Path) -> None:
    with pytest.raises(NotAnExport, match="CSV with columns"):
        list(read_usage_stream(io.BytesIO(b"a,b\n1,2\n"), "<stdin>", ReadStats()))


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ({"EURO": Decimal("1.08")}, "not an ISO 4217 code"),
        ({"EUR": Decimal(0)}, "positive"),
        ({"EUR": Decimal("NaN")}, "positive"),
        ({"EUR": 1.08}, "positive decimal"),
    ],
)
def test_bad_rates_are_refused_before_reading(tmp_path: Path, rates: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        list(read_usage_files([tmp_path], ReadStats(), rates=rates))  # type: ignore[arg-type]
