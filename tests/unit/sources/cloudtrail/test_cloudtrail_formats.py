"""Every file format CloudTrail arrives in, and every way its content can be bad."""

from __future__ import annotations

import gzip
import itertools
import json
import tracemalloc
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest.mock import patch

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.sources.sourcekit import json_lines

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.cloudtrail import ReadOptions, read_cloudtrail
from jackwatch.sources.cloudtrail.records import FORMAT
from jackwatch.sources.reading.blob import Outcome, _wrapped_records, read_events
from jackwatch.sources.reading.chunks import StreamBroken
from jackwatch.sources.reading.context import ReadContext
from jackwatch.sources.reading.records import Converter
from jackwatch.sources.stats import ReadStats

from .conftest import DATA, Reader, RecordFactory, make_record

SMALL = ReadOptions(stream_threshold=4096)


def records_file(records: list[dict[str, object]]) -> bytes:
    return orjson.dumps({"Records": records})


ENCODERS: dict[str, Callable[[Any], bytes]] = {"records": records_file, "array": orjson.dumps, "lines": json_lines}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def ids(events: Sequence[Event]) -> list[str]:
    return [event.id for event in events]


def test_the_aws_sample_file_reads_every_record(read: Reader) -> None:
    events, stats = read([DATA / "bedrock_llmjacking.json"])
    assert [e.name for e in events] == [
        "GetCallerIdentity",
        "ListFoundationModels",
        "GetModelInvocationLoggingConfiguration",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ]
    assert stats.events_read == 5
    assert stats.files_read == 1
    assert not stats.problems


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("shape", ["records", "array", "lines", "lines_of_records"])
def test_every_shape_gives_the_same_events(
    tmp_path: Path, read: Reader, record: RecordFactory, shape: str, compress: bool, streamed: bool
) -> None:
    records = [record(i) for i in range(40)]
    data = {
        "records": records_file(records),
        "array": orjson.dumps(records),
        "lines": json_lines(records),
        "lines_of_records": records_file(records[:20]) + b"\n" + records_file(records[20:]) + b"\n",
    }[shape]
    threshold = len(data) // 2 if streamed else len(data)
    if compress:
        data = gzip.compress(data)
    path = write(tmp_path, "CloudTrail.log", data)
    events, stats = read([path], options=ReadOptions(stream_threshold=threshold))
    assert ids(events) == [r["eventID"] for r in records]
    assert stats.events_read == 40
    assert stats.files_read == 1
    assert not stats.problems


@pytest.mark.parametrize("shape", ["records", "lines"])
def test_orjson_is_asked_only_about_content_msgspec_refuses(
    tmp_path: Path, read: Reader, record: RecordFactory, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [record(i) for i in range(3)]
    data = records_file(records) if shape == "records" else json_lines(records)
    asked: list[bytes] = []
    monkeypatch.setattr("jackwatch.sources.reading.blob.orjson.loads", lambda text: asked.append(text))
    events, stats = read([write(tmp_path, "a.json", data)])
    assert ids(events) == [r["eventID"] for r in records]
    assert not stats.problems
    assert asked == []  # JSON Lines fail as one document: read line by line without orjson's account of why


def test_gzip_is_detected_by_magic_bytes_not_by_name(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    plain = write(tmp_path, "a.json.gz", records_file([record(0)]))
    zipped = write(tmp_path, "b.json", gzip.compress(records_file([record(1)])))
    events, stats = read([plain, zipped])
    assert ids(events) == [record(0)["eventID"], record(1)["eventID"]]
    assert stats.files_read == 2


def test_a_single_event_object_and_pretty_printed_json(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    single = write(tmp_path, "one.json", orjson.dumps(record(0), option=orjson.OPT_INDENT_2))
    pretty = write(tmp_path, "two.json", orjson.dumps({"Records": [record(1)]}, option=orjson.OPT_INDENT_2))
    events, stats = read([single, pretty])
    assert ids(events) == [record(0)["eventID"], record(1)["eventID"]]
    assert not stats.problems


def test_a_byte_order_mark_and_crlf_lines_are_accepted(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    data = b"\xef\xbb\xbf" + b"\r\n".join(orjson.dumps(record(i)) for i in range(3)) + b"\r\n"
    events, stats = read([write(tmp_path, "a.jsonl", data)])
    assert len(events) == 3
    assert not stats.problems


def test_concatenated_gzip_members_are_all_read(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    data = gzip.compress(json_lines([record(0)])) + gzip.compress(json_lines([record(1)])) + b"\x00" * 16
    events, stats = read([write(tmp_path, "a.jsonl.gz", data)])
    assert ids(events) == [record(0)["eventID"], record(1)["eventID"]]
    assert not stats.problems


def test_invalid_json_lines_are_reported_by_line_and_the_rest_is_read(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    data = json_lines([record(0)]) + b'{"eventName": "Broken",\n' + b"\n" + json_lines([record(1)]) + b"[1, 2]\n"
    events, stats = read([write(tmp_path, "a.jsonl", data)])
    assert ids(events) == [record(0)["eventID"], record(1)["eventID"]]
    assert stats.skipped == {"invalid_json": 1, "not_an_object": 2}
    bad_json = next(p for p in stats.problems if p.reason == "invalid_json")
    assert bad_json.location.path.endswith("a.jsonl")
    assert (bad_json.location.line, bad_json.location.col) == (2, 24)
    assert [p.location.line for p in stats.problems if p.reason == "not_an_object"] == [5, 5]


def test_json_lines_with_a_broken_first_line_are_still_read_as_lines(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    data = b'{"eventName": "Broken"}}\n' + json_lines([record(1), record(2)])
    events, stats = read([write(tmp_path, "a.jsonl", data)])
    assert ids(events) == [record(1)["eventID"], record(2)["eventID"]]
    assert [(p.reason, p.location.line) for p in stats.problems] == [("invalid_json", 1)]


def test_a_file_that_is_not_json_fails_with_its_position(tmp_path: Path, read: Reader) -> None:
    path = write(tmp_path, "a.json", b'{"Records": [\n  {"eventName": nope}\n]}')
    events, stats = read([path])
    assert events == []
    assert stats.files_failed == 1
    assert stats.files_read == 0
    problem = stats.problems[0]
    assert problem.reason == "invalid_json"
    assert problem.location == Location(str(path), 2, 17)


@pytest.mark.parametrize("threshold", [64 * 1024 * 1024, 1024])
def test_records_that_are_not_objects_or_lack_fields_are_counted(
    tmp_path: Path, read: Reader, record: RecordFactory, threshold: int
) -> None:
    bad = [record(0), "text", 5, None, record(1, eventName=None), record(2, eventTime="soon"), record(3)]
    path = write(tmp_path, "a.json", orjson.dumps({"Records": bad}))
    events, stats = read([path], options=ReadOptions(stream_threshold=threshold))
    assert ids(events) == [record(0)["eventID"], record(3)["eventID"]]
    assert stats.skipped == {"not_an_object": 3, "missing_field": 1, "invalid_field": 1}
    assert [p.message.split(":")[0] for p in stats.problems] == [f"record {n}" for n in (2, 3, 4, 5, 6)]


def test_records_that_is_not_an_array_is_reported(tmp_path: Path, read: Reader) -> None:
    events, stats = read([write(tmp_path, "a.json", b'{"Records": {"eventName": "X"}}')])
    assert events == []
    assert stats.skipped == {"invalid_records": 1}


def test_an_empty_file_is_reported_not_fatal(tmp_path: Path, read: Reader) -> None:
    events, stats = read([write(tmp_path, "a.json", b"  \n")])
    assert events == []
    assert stats.problems[0].reason == "empty_file"
    assert stats.events_skipped == 0


@pytest.mark.parametrize("threshold", [64 * 1024 * 1024, 2048])
def test_truncated_gzip_keeps_the_records_before_the_cut(
    tmp_path: Path, read: Reader, record: RecordFactory, threshold: int
) -> None:
    records = [record(i, requestParameters={"modelId": f"m{i}", "pad": "x" * 200}) for i in range(60)]
    whole = gzip.compress(records_file(records))
    path = write(tmp_path, "cut.json.gz", whole[: len(whole) * 2 // 3])
    events, stats = read([path], options=ReadOptions(stream_threshold=threshold))
    assert 0 < len(events) < 60
    assert ids(events) == [r["eventID"] for r in records[: len(events)]]
    assert stats.skipped == {"truncated_gzip": 1}
    assert stats.files_read == 1
    assert "truncated" in stats.problems[0].message


def test_truncated_gzip_json_lines_keeps_whole_lines_and_names_the_cut_line(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    records = [record(i) for i in range(50)]
    data = json_lines(records)
    whole = zlib.compressobj(9, zlib.DEFLATED, 31)
    compressed = whole.compress(data) + whole.flush()
    path = write(tmp_path, "cut.jsonl.gz", compressed[: len(compressed) // 2])
    events, stats = read([path])
    kept = len(events)
    assert 0 < kept < 50
    assert ids(events) == [r["eventID"] for r in records[:kept]]
    assert [p.reason for p in stats.problems] == ["truncated_gzip"]
    assert stats.problems[0].location.line == kept + 1


def test_corrupt_gzip_is_reported(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    whole = bytearray(gzip.compress(records_file([record(i) for i in range(20)])))
    whole[20:40] = b"\xff" * 20
    events, stats = read([write(tmp_path, "bad.json.gz", bytes(whole))])
    assert events == []
    assert stats.skipped == {"invalid_gzip": 1}
    assert stats.files_failed == 1


@pytest.mark.parametrize("threshold", [64 * 1024 * 1024, 1024])
def test_invalid_utf8_is_replaced_and_reported(
    tmp_path: Path, read: Reader, record: RecordFactory, threshold: int
) -> None:
    data = records_file([record(0, userAgent="agent-\u00e9"), record(1)])
    data = data.replace("\u00e9".encode(), b"\xe9")
    events, stats = read([write(tmp_path, "a.json", data)], options=ReadOptions(stream_threshold=threshold))
    assert len(events) == 2
    assert events[0].raw["userAgent"] == "agent-\ufffd"
    assert [p.reason for p in stats.problems] == ["invalid_utf8"]
    assert stats.events_skipped == 0


def test_invalid_utf8_in_json_lines_is_located(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    records = [record(0), record(1, userAgent="ua-\u00e9"), record(2, userAgent="\u00e9")]
    data = json_lines(records).replace("\u00e9".encode(), b"\xff")
    events, stats = read([write(tmp_path, "a.jsonl", data)])
    assert len(events) == 3
    assert [(p.reason, p.location.line) for p in stats.problems] == [("invalid_utf8", 2), ("invalid_utf8", 3)]


@pytest.mark.parametrize("size", [10_000, 1_500_000])
def test_a_line_longer_than_the_threshold_is_skipped_when_streaming(
    tmp_path: Path, read: Reader, record: RecordFactory, size: int
) -> None:
    huge = record(1, requestParameters={"blob": "y" * size})
    data = json_lines([record(0), huge, record(2), record(3)])
    events, stats = read([write(tmp_path, "a.jsonl", data)], options=ReadOptions(stream_threshold=4096))
    assert ids(events) == [record(i)["eventID"] for i in (0, 2, 3)]
    assert [(p.reason, p.location.line) for p in stats.problems] == [("record_too_large", 2)]


def test_a_first_line_longer_than_the_threshold_is_skipped_and_the_rest_read(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    huge = record(0, requestParameters={"blob": "y" * 10_000})
    data = json_lines([huge, record(1), record(2)])
    events, stats = read([write(tmp_path, "a.jsonl", data)], options=ReadOptions(stream_threshold=4096))
    assert ids(events) == [record(i)["eventID"] for i in (1, 2)]
    assert [(p.reason, p.location.line) for p in stats.problems] == [("record_too_large", 1)]


def test_a_one_line_document_longer_than_the_threshold_is_streamed(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    records = [record(i, requestParameters={"blob": "y" * 1000}) for i in range(20)]
    events, stats = read([write(tmp_path, "a.json", records_file(records))], options=ReadOptions(stream_threshold=4096))
    assert ids(events) == [r["eventID"] for r in records] and not stats.problems


def test_a_large_object_without_records_fails_when_streaming(tmp_path: Path, read: Reader) -> None:
    pretty = orjson.dumps({"Items": ["x" * 100] * 100}, option=orjson.OPT_INDENT_2)
    events, stats = read([write(tmp_path, "a.json", pretty)], options=SMALL)
    assert events == []
    assert stats.skipped == {"no_records": 1}
    assert stats.files_failed == 1


def test_a_large_one_line_value_that_is_not_a_document_fails_when_streaming(tmp_path: Path, read: Reader) -> None:
    # one line, and not {"Records": …}: JSON Lines whose only record is too large to read
    events, stats = read([write(tmp_path, "a.json", orjson.dumps({"Items": ["x" * 100] * 100}))], options=SMALL)
    assert events == []
    assert stats.skipped == {"record_too_large": 1}
    assert stats.files_failed == 1


def test_invalid_json_in_a_streamed_file_keeps_what_came_before(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    records = [record(i) for i in range(10)]
    records[6]["eventName"] = "__BROKEN__"
    data = records_file(records).replace(b'"__BROKEN__"', b"InvokeModel")
    events, stats = read([write(tmp_path, "a.json", data)], options=SMALL)
    assert ids(events) == [r["eventID"] for r in records[:6]]
    assert stats.skipped == {"invalid_json": 1}
    assert stats.files_read == 1


def test_a_streamed_file_that_is_not_json_fails(tmp_path: Path, read: Reader) -> None:
    events, stats = read([write(tmp_path, "a.json", b"<html>" + b"x" * 10_000)], options=SMALL)
    assert events == []
    assert stats.skipped == {"invalid_json": 1}
    assert stats.files_failed == 1


def failing_after(data: bytes, good_chunks: int) -> Iterator[bytes]:
    """Chunks of ``data`` until a read fails, as a dropped connection does."""
    for index in range(good_chunks):
        yield data[index * 1000 : (index + 1) * 1000]
    raise StreamBroken("unreadable", "read failed: connection reset")


@pytest.mark.parametrize("threshold", [64 * 1024 * 1024, 1500])
def test_a_read_that_fails_midway_keeps_the_records_before(record: RecordFactory, threshold: int) -> None:
    stats = ReadStats()
    data = json_lines([record(i) for i in range(40)])
    reader = read_events(failing_after(data, 5), Converter("s3://b/k", ReadContext(stats, FORMAT)), threshold)
    events = []
    with pytest.raises(StopIteration) as done:
        while True:
            events.append(next(reader))
    assert done.value.value is Outcome.UNREADABLE
    assert 0 < len(events) < 40
    assert stats.skipped == {"unreadable": 1}
    assert stats.files_failed == 1


def test_an_input_that_cannot_be_opened_is_counted() -> None:
    stats = ReadStats()
    reader = read_events(failing_after(b"", 0), Converter("gone.json", ReadContext(stats, FORMAT)), 1 << 20)
    assert list(reader) == []
    assert stats.files_failed == 1
    assert stats.problems[0].location == Location("gone.json")


def test_a_large_single_line_file_streams_in_bounded_memory(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    """~20 MB on one line, read with a 1 MB threshold: peak memory stays far below the file's size."""
    path = tmp_path / "big.json.gz"
    count = 2000
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'{"Records":[')
        for index in range(count):
            padding = {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "pad": f"{index:08d}" * 1250}
            out.write((b"," if index else b"") + orjson.dumps(record(index, requestParameters=padding)))
        out.write(b"]}")
    size = count * 10_000
    stats = ReadStats()
    tracemalloc.start()
    try:
        seen = sum(1 for _ in read_cloudtrail([str(path)], stats, options=ReadOptions(stream_threshold=1024 * 1024)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == stats.events_read == count
    assert not stats.problems
    assert peak < size * 0.4


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=12),
    shape=st.sampled_from(["records", "array", "lines"]),
    compress=st.booleans(),
    threshold=st.sampled_from([2000, 1 << 20]),
    cuts=st.lists(st.integers(min_value=1, max_value=20_000), max_size=6),
)
def test_any_chunking_gives_the_same_events(
    count: int, shape: str, compress: bool, threshold: int, cuts: list[int]
) -> None:
    records = [make_record(index) for index in range(count)]
    data = ENCODERS[shape](records)
    if compress:
        data = gzip.compress(data)
    bounds = sorted({0, len(data), *(cut for cut in cuts if cut < len(data))})
    chunks = [data[start:end] for start, end in itertools.pairwise(bounds)]
    stats = ReadStats()
    events = list(read_events(iter(chunks), Converter("x", ReadContext(stats, FORMAT)), threshold))
    assert ids(events) == [r["eventID"] for r in records]
    assert stats.events_skipped == 0


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=12),
    shape=st.sampled_from(["records", "array", "lines"]),
    threshold=st.sampled_from([2000, 1 << 20]),
    keep=st.floats(min_value=0.0, max_value=0.999),
)
def test_a_gzip_cut_anywhere_yields_a_prefix_and_one_problem(
    count: int, shape: str, threshold: int, keep: float
) -> None:
    records = [make_record(index) for index in range(count)]
    data = gzip.compress(ENCODERS[shape](records))
    stats = ReadStats()
    reader = read_events([data[: max(2, int(len(data) * keep))]], Converter("x", ReadContext(stats, FORMAT)), threshold)
    got = ids(list(reader))
    assert got == [r["eventID"] for r in records[: len(got)]]
    assert [p.reason for p in stats.problems] in (["truncated_gzip"], ["invalid_gzip"])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def events_and_problems(data: bytes) -> tuple[list[tuple[str, str, object]], list[tuple[str, str]]]:
    stats = ReadStats()
    events = list(read_events([data], Converter("x", ReadContext(stats, FORMAT)), 1 << 20))
    return [(e.id, e.name, e.raw) for e in events], [(p.reason, p.message) for p in stats.problems]


@settings(max_examples=80, deadline=None)
@given(
    extras=st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4), min_size=0, max_size=6),
    others=st.dictionaries(st.sampled_from(["Other", "records", "Records2"]), JSON_VALUES, max_size=2),
)
def test_records_decoded_one_by_one_equal_the_whole_document(
    extras: list[dict[str, object]], others: dict[str, object]
) -> None:
    records: list[object] = [{**extra, **make_record(index)} for index, extra in enumerate(extras)]
    records.insert(len(records) // 2, ["not", "a", "record"])
    data = json.dumps({**others, "Records": records}, ensure_ascii=False).encode()  # any integer, any text
    assert _wrapped_records(data, "Records") is not None  # the records are split, not read as one document
    split = events_and_problems(data)
    with patch("jackwatch.sources.reading.blob._wrapped_records", return_value=None) as splitting:
        whole = events_and_problems(data)
    assert splitting.called
    assert split == whole


def test_a_record_msgspec_refuses_is_reported_and_the_others_are_read(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    text = records_file([record(0), {"eventName": "X", "big": 1}, record(2)]).replace(b'"big":1', b'"big":1e400')
    events, stats = read([write(tmp_path, "a.json", text)])
    assert ids(events) == [record(0)["eventID"], record(2)["eventID"]]
    assert [(p.reason, p.message.split(":")[0]) for p in stats.problems] == [("invalid_json", "record 2")]


def test_non_ascii_records_are_split_and_decoded_alike(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    records = [{**record(i), "userAgent": "agent/1.0 (Ünïcode ✓ 測試)"} for i in range(3)]
    events, stats = read([write(tmp_path, "a.json", records_file(records))])
    assert [event.raw for event in events] == records
    assert not stats.problems
