"""One CloudTrail record to one Event: fields, time parsing, ids, and precise errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.errors import ContentError, Location
from jackwatch.sources.cloudtrail import SOURCE, to_event
from jackwatch.sources.cloudtrail.records import FORMAT
from jackwatch.sources.reading.context import ReadContext, TimeWindow
from jackwatch.sources.reading.records import Converter, RecordError, content_id
from jackwatch.sources.stats import ReadStats

from .conftest import RecordFactory, make_record


def test_event_fields_come_from_the_record(record: RecordFactory) -> None:
    raw = record(3)
    event = to_event(raw, "trail.json")
    assert event.source == SOURCE == "aws_cloudtrail"
    assert event.name == "InvokeModel"
    assert event.time == datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC)
    assert event.id == raw["eventID"]
    assert event.raw is raw
    assert event.origin == "trail.json"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T12:00:00.379877250Z", datetime(2024, 5, 1, 12, 0, 0, 379877, tzinfo=UTC)),
        ("2024-05-01T14:30:00+02:30", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01T07:00:00-05:00", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01 12:00:00.000000000", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_event_time_is_aware_utc(record: RecordFactory, stamp: str, expected: datetime) -> None:
    event = to_event(record(eventTime=stamp), "x")
    assert event.time == expected
    assert event.time.tzinfo is UTC


def test_missing_event_id_gives_a_stable_content_hash(record: RecordFactory) -> None:
    raw = record()
    del raw["eventID"]
    reordered = dict(reversed(list(raw.items())))
    first = to_event(raw, "a").id
    assert first.startswith("sha256:")
    assert first == to_event(dict(raw), "b").id == to_event(reordered, "c").id
    assert first != to_event({**raw, "sourceIPAddress": "198.51.100.1"}, "a").id


@pytest.mark.parametrize("event_id", ["", None, 42])
def test_unusable_event_id_falls_back_to_the_hash(record: RecordFactory, event_id: object) -> None:
    raw = record(eventID=event_id)
    assert to_event(raw, "x").id == content_id(raw)


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ([1, 2], "not_an_object", "record is an array, not a JSON object"),
        ("InvokeModel", "not_an_object", "record is a string, not a JSON object"),
        (None, "not_an_object", "record is null, not a JSON object"),
        (make_record(eventName=None), "missing_field", "missing eventName"),
        ({"eventTime": "2024-05-01T12:00:00Z"}, "missing_field", "missing eventName"),
        (make_record(eventName=7), "invalid_field", "eventName must be a non-empty string, got a number 7"),
        (make_record(eventName=""), "invalid_field", "eventName must be a non-empty string, got a string ''"),
        (make_record(eventTime=None), "missing_field", "missing eventTime"),
        (make_record(eventTime=1714564800), "invalid_field", "eventTime must be a non-empty string"),
        (make_record(eventTime="yesterday"), "invalid_field", "eventTime 'yesterday' is not an ISO 8601"),
        (make_record(eventTime="2024-13-01T00:00:00Z"), "invalid_field", "is not an ISO 8601 timestamp"),
    ],
)
def test_bad_records_raise_a_precise_content_error(raw: Any, reason: str, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        to_event(raw, "x")
    assert isinstance(caught.value, ContentError)
    assert caught.value.reason == reason
    assert message in caught.value.message


def test_a_long_bad_value_is_shortened_in_the_message(record: RecordFactory) -> None:
    with pytest.raises(RecordError) as caught:
        to_event(record(eventName={"nested": "x" * 500}), "x")
    assert len(caught.value.message) < 150


def test_converter_counts_reports_and_applies_the_window(record: RecordFactory) -> None:
    stats = ReadStats()
    window = TimeWindow.of(datetime(2024, 5, 1, 12, 0, 1), datetime(2024, 5, 1, 12, 0, 3))
    convert = Converter("logs/a.jsonl", ReadContext(stats, FORMAT, window))
    results = [convert(record(i), i + 1) for i in range(4)]
    assert [e.id if e else None for e in results] == [None, record(1)["eventID"], record(2)["eventID"], None]
    assert convert({"eventName": "X"}, 5) is None
    assert stats.events_read == 2
    assert stats.skipped == {"missing_field": 1}
    assert stats.problems[0].location == Location("logs/a.jsonl", 5)
    assert stats.problems[0].message == "record 5: missing eventTime"


@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_offset_is_normalised_to_the_same_utc_instant(moment: datetime, offset_minutes: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    stamp = moment.astimezone(zone).isoformat()
    event = to_event(make_record(eventTime=stamp), "x")
    assert event.time == moment
    assert event.time.tzinfo is UTC


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_content_id_ignores_key_order(raw: dict[str, Any]) -> None:
    assert content_id(raw) == content_id(dict(reversed(list(raw.items()))))


def test_content_id_of_a_record_with_an_integer_beyond_64_bits() -> None:
    record = {"eventName": "X", "eventTime": "2026-01-01T00:00:00Z", "requestParameters": {"n": 2**70}}
    assert content_id(record) == content_id(dict(reversed(list(record.items()))))
    assert content_id(record) != content_id({**record, "requestParameters": {"n": 2**70 + 1}})
