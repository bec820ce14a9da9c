"""One invocation record to one event: operation, time, id, CloudWatch Logs events, and bad records."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from tests.unit.sources.sourcekit import rejection

from jackwatch.sources.bedrock_invocation import SOURCE, to_event
from jackwatch.sources.bedrock_invocation.records import hourly_order
from jackwatch.sources.reading.records import RecordError, content_id

from .conftest import RecordFactory


def test_a_record_becomes_an_event_named_by_its_operation(record: RecordFactory) -> None:
    raw = record(5)
    event = to_event(raw, "logs.jsonl")
    assert (event.source, event.name, event.id, event.origin) == (SOURCE, "Converse", raw["requestId"], "logs.jsonl")
    assert event.time == datetime(2025, 5, 15, 14, 0, 5, tzinfo=UTC)
    assert event.raw is raw


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-05-15T14:17:22Z", datetime(2025, 5, 15, 14, 17, 22, tzinfo=UTC)),
        ("2025-05-15 14:17:22.000000000", datetime(2025, 5, 15, 14, 17, 22, tzinfo=UTC)),
        ("2025-05-15 14:17:22.123456789", datetime(2025, 5, 15, 14, 17, 22, 123456, tzinfo=UTC)),
        ("2025-05-15T16:17:22+02:00", datetime(2025, 5, 15, 14, 17, 22, tzinfo=UTC)),
        ("2025-05-15T14:17", datetime(2025, 5, 15, 14, 17, tzinfo=UTC)),
    ],
)
def test_both_timestamp_forms_and_offsets(record: RecordFactory, stamp: str, expected: datetime) -> None:
    moment = to_event(record(timestamp=stamp), "f").time
    assert moment == expected and moment.tzinfo is UTC


def test_a_record_without_request_id_gets_a_content_id(record: RecordFactory) -> None:
    raw = record()
    del raw["requestId"]
    assert to_event(raw, "f").id == content_id(raw)


def test_a_cloudwatch_logs_event_stands_for_the_record_in_its_message(record: RecordFactory) -> None:
    raw = record(3)
    log_event = {
        "logStreamName": "aws/bedrock/modelinvocations",
        "timestamp": 1747317603000,
        "message": orjson.dumps(raw).decode(),
        "ingestionTime": 1747317604123,
        "eventId": "38291823017230123012301230123012301230123012301230",
    }
    event = to_event(log_event, "events.json")
    assert event.raw == raw and event.name == "Converse" and event.id == raw["requestId"]


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"operation": None}, "missing_field", "missing operation"),
        ({"operation": ""}, "invalid_field", "operation must be a non-empty string"),
        ({"operation": 3}, "invalid_field", "got a number 3"),
        ({"timestamp": None}, "missing_field", "missing timestamp"),
        ({"timestamp": "yesterday"}, "invalid_field", "timestamp 'yesterday' is not an ISO 8601 date and time"),
        ({"timestamp": "2025-05-15"}, "invalid_field", "is not an ISO 8601 date and time"),
        ({"timestamp": 1747317603}, "invalid_field", "timestamp must be a non-empty string"),
        ({"schemaType": "CloudTrailEvent"}, "invalid_field", "schemaType 'CloudTrailEvent' is not ModelInvocationLog"),
    ],
)
def test_bad_records(record: RecordFactory, change: dict[str, Any], reason: str, message: str) -> None:
    error = rejection(to_event, record(), change, "f")
    assert re.search(message, str(error))
    assert error.reason == reason


@pytest.mark.parametrize(
    ("log_event", "reason", "message"),
    [
        ({"timestamp": 1, "message": "{not json"}, "invalid_json", "message is not JSON"),
        ({"timestamp": 1, "message": "[1, 2]"}, "not_an_object", "message holds an array"),
        ({"timestamp": 1, "message": 42}, "invalid_field", "message must be JSON text"),
    ],
)
def test_bad_cloudwatch_logs_events(log_event: dict[str, Any], reason: str, message: str) -> None:
    with pytest.raises(RecordError, match=message) as caught:
        to_event(log_event, "f")
    assert caught.value.reason == reason


def test_a_record_that_is_not_an_object() -> None:
    with pytest.raises(RecordError, match="record is an array") as caught:
        to_event([1], "f")  # type: ignore[arg-type]
    assert caught.value.reason == "not_an_object"


def test_files_are_read_hour_by_hour_across_regions() -> None:
    prefix = "AWSLogs/111122223333/BedrockModelInvocationLogs"
    names = [
        f"{prefix}/us-east-1/2025/05/15/15/20250515T150412Z_b.json.gz",
        f"{prefix}/eu-west-1/2025/05/15/14/20250515T145901Z_c.json.gz",
        f"{prefix}/us-east-1/2025/05/15/14/20250515T140002Z_a.json.gz",
        "exports/loose.jsonl",
    ]
    assert hourly_order(names) == [names[3], names[2], names[1], names[0]]
