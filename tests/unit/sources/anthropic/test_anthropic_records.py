"""One activity to one event: name, time (RFC 3339 in any offset), id, and the errors of a bad record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.sources.sourcekit import rejection

from jackwatch.sources.anthropic import SOURCE, to_event
from jackwatch.sources.reading.records import RecordError, content_id

from .conftest import make_activity


def test_an_activity_becomes_an_event() -> None:
    raw = make_activity(0)
    event = to_event(raw, "activities.jsonl")
    assert (event.source, event.name, event.id) == (SOURCE, "api_key_created", raw["id"])
    assert event.time == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert event.raw is raw


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-03-11T09:00:00.123456789Z", datetime(2026, 3, 11, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2026-03-11T10:00:00+01:00", datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),
        ("2026-03-11T09:00:00", datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),
    ],
    ids=["nanoseconds", "offset", "no offset"],
)
def test_times_are_utc(stamp: str, expected: datetime) -> None:
    event = to_event(make_activity(0, created_at=stamp), "activities.jsonl")
    assert event.time == expected and event.time.tzinfo is UTC


def test_an_activity_without_id_gets_a_content_id() -> None:
    raw = make_activity(0)
    del raw["id"]
    assert to_event(raw, "activities.jsonl").id == content_id(raw)


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"type": None}, "missing_field", "missing type"),
        ({"type": ["api_key_created"]}, "invalid_field", "type must be a non-empty string, got an array"),
        ({"created_at": None}, "missing_field", "missing created_at"),
        ({"created_at": 1773219600}, "invalid_field", "created_at must be a non-empty string, got a number"),
        ({"created_at": "11/03/2026 09:00"}, "invalid_field", "created_at '11/03/2026 09:00' is not an RFC 3339"),
    ],
)
def test_a_bad_record_is_rejected_with_its_reason(change: dict[str, Any], reason: str, message: str) -> None:
    error = rejection(to_event, make_activity(0), change, "activities.jsonl")
    assert error.reason == reason
    assert error.message.startswith(message)


def test_a_record_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(RecordError) as caught:
        to_event(["activity"], "activities.jsonl")  # type: ignore[arg-type]
    assert caught.value.reason == "not_an_object"


@given(
    moment=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
    offset=st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
def test_any_rfc3339_time_is_the_same_instant_in_utc(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(tzinfo=offset)
    event = to_event(make_activity(0, created_at=aware.isoformat()), "activities.jsonl")
    assert event.time == aware and event.time.tzinfo is UTC
