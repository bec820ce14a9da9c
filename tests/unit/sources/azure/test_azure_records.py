"""One Azure record to one event: shapes, operation names, times, ids, and the records that are refused."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.sources.azure.azure_samples import (
    JSON_VALUES,
    activity_export,
    activity_rest,
    audit_list_key,
    request_response,
)

from jackwatch.sources.azure.records import SOURCE, blob_order, to_event
from jackwatch.sources.azure.shape import Shape, shape_of
from jackwatch.sources.reading.records import RecordError


def test_a_request_response_record_keeps_its_operation_name_and_time() -> None:
    record = request_response(0)
    event = to_event(record, "PT1H.json")
    assert event.source == SOURCE == "azure_openai"
    assert event.name == "ChatCompletions_Create"
    assert event.time == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert event.raw is record
    assert event.origin == "PT1H.json"


def test_an_audit_record_is_a_resource_log_record() -> None:
    event = to_event(audit_list_key(5), "x")
    assert event.name == "ListKey"
    assert shape_of(event.raw) is Shape.RESOURCE_LOG


def test_activity_log_operations_are_upper_case_in_both_shapes() -> None:
    exported = to_event(activity_export(0), "x")
    rest = to_event(activity_rest(0), "x")
    assert exported.name == rest.name == "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION"
    assert exported.time == rest.time == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert shape_of(exported.raw) is Shape.ACTIVITY_EXPORT
    assert shape_of(rest.raw) is Shape.ACTIVITY_REST


@pytest.mark.parametrize("category", ["Write", "Action", "Delete", "Administrative", "Policy"])
def test_activity_categories_of_the_export_are_recognised(category: str) -> None:
    assert shape_of(activity_export(0, category=category)) is Shape.ACTIVITY_EXPORT


def test_a_rest_record_with_a_text_operation_name_is_still_rest() -> None:
    record = activity_rest(0)
    record["operationName"] = "Microsoft.CognitiveServices/accounts/listKeys/action"
    assert shape_of(record) is Shape.ACTIVITY_REST
    assert to_event(record, "x").name == "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION"


def test_seven_fractional_digits_offsets_and_naive_times() -> None:
    assert to_event(request_response(time="2024-04-08T12:23:02.4350000Z"), "x").time == datetime(
        2024, 4, 8, 12, 23, 2, 435000, tzinfo=UTC
    )
    assert to_event(request_response(time="2024-04-08T14:23:02+02:00"), "x").time == datetime(
        2024, 4, 8, 12, 23, 2, tzinfo=UTC
    )
    assert to_event(request_response(time="2024-04-08T12:23:02"), "x").time == datetime(
        2024, 4, 8, 12, 23, 2, tzinfo=UTC
    )


def test_the_rest_event_data_id_is_the_event_id() -> None:
    assert to_event(activity_rest(3), "x").id == "9f8e7d6c-5b4a-4392-8170-000000000003"


def test_records_without_an_id_get_a_content_hash() -> None:
    first = to_event(request_response(0), "a")
    again = to_event(copy.deepcopy(request_response(0)), "b")
    assert first.id.startswith("sha256:")
    assert first.id == again.id


def test_records_sharing_correlation_id_operation_and_time_keep_distinct_ids() -> None:
    """Why ids are content hashes: such records exist (one per deployment in Elastic's fixture)."""
    chat = request_response(0)
    image = request_response(0)
    image["properties"] = {**chat["properties"], "modelDeploymentName": "dall-e-3", "modelName": "dall-e-3"}
    assert chat["correlationId"] == image["correlationId"]
    assert to_event(chat, "x").id != to_event(image, "x").id


def test_the_start_and_success_records_of_one_call_keep_distinct_ids() -> None:
    start = activity_export(0, result="Start")
    done = activity_export(2, result="Success")
    assert start["correlationId"] == done["correlationId"]
    assert to_event(start, "x").id != to_event(done, "x").id


@pytest.mark.parametrize(
    ("record", "reason", "message"),
    [
        (["not", "an", "object"], "not_an_object", "record is an array, not a JSON object"),
        ("text", "not_an_object", "record is a string, not a JSON object"),
        (request_response(operationName=None), "missing_field", "missing operationName"),
        (request_response(operationName=""), "invalid_field", "operationName must be a non-empty string"),
        (request_response(operationName=7), "invalid_field", "operationName must be a non-empty string"),
        (request_response(time=None), "missing_field", "missing time"),
        (request_response(time=1712578982), "invalid_field", "time must be a non-empty string, got a number"),
        (request_response(time="4/8/2024 12:23:02 PM"), "invalid_field", "is not an ISO 8601 timestamp"),
        (
            {**activity_rest(0), "operationName": {"localizedValue": "List Keys"}},
            "missing_field",
            "operationName.value",
        ),
        ({**activity_rest(0), "eventTimestamp": "yesterday"}, "invalid_field", "eventTimestamp 'yesterday'"),
        (
            {
                "TimeGenerated": "2024-05-01T10:00:00Z",
                "OperationName": "ChatCompletions_Create",
                "Type": "AzureDiagnostics",
            },
            "unsupported_record",
            "a Log Analytics row",
        ),
        (
            {"value": [activity_rest(0)], "nextLink": "https://management.azure.com/…&$skiptoken=x"},
            "unsupported_record",
            "a page of the REST API",
        ),
    ],
)
def test_bad_records_are_refused_with_a_reason(record: Any, reason: str, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        to_event(record, "x")
    assert caught.value.reason == reason
    assert message in caught.value.message


KEYS = st.sampled_from(
    ["time", "eventTimestamp", "operationName", "category", "resourceId", "properties", "callerIpAddress", "identity"]
)


@given(st.dictionaries(KEYS, JSON_VALUES, max_size=8))
def test_any_json_object_is_an_event_or_a_record_error(raw: dict[str, Any]) -> None:
    try:
        event = to_event(raw, "x")
    except RecordError:
        return
    assert event.time.tzinfo is UTC
    assert event.name


def test_blob_order_follows_the_hour_in_the_blob_path_across_containers() -> None:
    names = [
        "c/insights-logs-requestresponse/resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=20/h=15/m=00/PT1H.json",
        "c/insights-activity-logs/resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=20/h=14/m=00/PT1H.json",
        "c/insights-logs-audit/resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=21/h=02/m=00/PT1H.json",
        "c/insights-logs-requestresponse/resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=20/h=14/m=00/PT1H.json",
        "c/export.json",
    ]
    assert blob_order(names) == [names[4], names[1], names[3], names[0], names[2]]
