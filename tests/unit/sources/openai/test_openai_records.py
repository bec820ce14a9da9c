"""One audit log object to one event: name, time, id, and the errors of a bad record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.sources.sourcekit import rejection

from jackwatch.sources.openai import SOURCE, to_event
from jackwatch.sources.reading.records import RecordError, content_id

from .conftest import make_audit_log


def test_an_audit_log_object_becomes_an_event() -> None:
    raw = make_audit_log(0)
    event = to_event(raw, "audit.jsonl")
    assert (event.source, event.name, event.id, event.origin) == (SOURCE, "api_key.created", raw["id"], "audit.jsonl")
    assert event.time == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
    assert event.raw is raw


def test_fractional_seconds_are_kept_and_a_record_without_id_gets_a_content_id() -> None:
    raw = make_audit_log(0, effective_at=1773226800.25)
    del raw["id"]
    event = to_event(raw, "audit.jsonl")
    assert event.time == datetime(2026, 3, 11, 11, 0, 0, 250000, tzinfo=UTC)
    assert event.id == content_id(raw) and event.id.startswith("sha256:")


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"type": None}, "missing_field", "missing type"),
        ({"type": ""}, "invalid_field", "type must be a non-empty string, got a string ''"),
        ({"type": 7}, "invalid_field", "type must be a non-empty string, got a number 7"),
        ({"effective_at": None}, "missing_field", "missing effective_at"),
        (
            {"effective_at": "2026-03-11T11:00:00Z"},
            "invalid_field",
            "effective_at must be a number of seconds since the epoch, got a string '2026-03-11T11:00:00Z'",
        ),
        ({"effective_at": True}, "invalid_field", "effective_at must be a number of seconds since the epoch"),
        ({"effective_at": 10**20}, "invalid_field", "effective_at 100000000000000000000 is not a time"),
        ({"effective_at": float("nan")}, "invalid_field", "effective_at nan is not a time"),
    ],
)
def test_a_bad_record_is_rejected_with_its_reason(change: dict[str, Any], reason: str, message: str) -> None:
    error = rejection(to_event, make_audit_log(0), change, "audit.jsonl")
    assert error.reason == reason
    assert error.message.startswith(message)


@pytest.mark.parametrize("raw", [[make_audit_log(0)], "api_key.created", 1773226800, None])
def test_a_record_that_is_not_an_object_is_rejected(raw: object) -> None:
    with pytest.raises(RecordError) as caught:
        to_event(raw, "audit.jsonl")  # type: ignore[arg-type]
    assert caught.value.reason == "not_an_object"


@given(seconds=st.integers(0, 2**34), name=st.text(min_size=1, max_size=40))
def test_any_epoch_second_and_type_round_trip(seconds: int, name: str) -> None:
    event = to_event({"id": "audit_log-x", "type": name, "effective_at": seconds}, "audit.jsonl")
    assert event.name == name
    assert event.time.tzinfo is UTC
    assert int(event.time.timestamp()) == seconds
