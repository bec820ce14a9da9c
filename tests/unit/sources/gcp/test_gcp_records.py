"""One Cloud Audit Logs entry to one Event (name, time, id, precise errors), and the names inside an entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.sources.gcp.entries import ACTIVITY, CLAUDE, DATA_ACCESS, PROJECT, make_entry

from jackwatch.sources.gcp import SOURCE, to_event
from jackwatch.sources.gcp.names import (
    GRPC_CODES,
    ResourceName,
    log_parent,
    log_type,
    parse_resource_name,
    short_method,
    status_name,
)
from jackwatch.sources.reading.records import RecordError, content_id

from .conftest import RecordFactory


def test_event_fields_come_from_the_entry(entry: RecordFactory) -> None:
    raw = entry(3)
    event = to_event(raw, "audit.json")
    assert event.source == SOURCE == "gcp_auditlog"
    assert event.name == "StreamRawPredict"
    assert event.time == datetime(2024, 11, 20, 14, 0, 3, 104117, tzinfo=UTC)
    assert event.id == f"{DATA_ACCESS}/{raw['insertId']}"
    assert event.raw is raw
    assert event.origin == "audit.json"


def test_an_activity_entry_is_an_event_too(entry: RecordFactory) -> None:
    """Admin Activity entries (always written) of any service are read; rules choose what they need."""
    raw = entry(
        logName=ACTIVITY,
        protoPayload={
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "status": {},
            "authenticationInfo": {"principalEmail": "alice@acme.example"},
            "requestMetadata": {"callerIp": "81.2.69.160", "callerSuppliedUserAgent": "Mozilla/5.0,gzip(gfe)"},
            "serviceName": "iam.googleapis.com",
            "methodName": "google.iam.admin.v1.CreateServiceAccountKey",
            "resourceName": f"projects/-/serviceAccounts/llm-gateway@{PROJECT}.iam.gserviceaccount.com",
        },
        resource={"type": "service_account", "labels": {"project_id": PROJECT, "email_id": "x", "unique_id": "1"}},
        severity="NOTICE",
    )
    event = to_event(raw, "x")
    assert event.name == "CreateServiceAccountKey"
    assert event.id == f"{ACTIVITY}/{raw['insertId']}"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-11-20T14:02:11Z", datetime(2024, 11, 20, 14, 2, 11, tzinfo=UTC)),
        ("2024-11-20T14:02:11.474822Z", datetime(2024, 11, 20, 14, 2, 11, 474822, tzinfo=UTC)),
        ("2024-11-20T14:02:11.474822913Z", datetime(2024, 11, 20, 14, 2, 11, 474822, tzinfo=UTC)),
        ("2024-11-20T15:02:11+01:00", datetime(2024, 11, 20, 14, 2, 11, tzinfo=UTC)),
        ("2024-11-20T14:02:11", datetime(2024, 11, 20, 14, 2, 11, tzinfo=UTC)),
    ],
)
def test_event_time_is_aware_utc(entry: RecordFactory, stamp: str, expected: datetime) -> None:
    event = to_event(entry(timestamp=stamp), "x")
    assert event.time == expected
    assert event.time.tzinfo is UTC


def test_the_id_is_the_insert_id_within_its_log(entry: RecordFactory) -> None:
    same_insert = entry(insertId="abc")
    other_log = entry(insertId="abc", logName=ACTIVITY)
    assert to_event(same_insert, "x").id != to_event(other_log, "x").id
    without_log = entry(insertId="abc")
    del without_log["logName"]
    assert to_event(without_log, "x").id == "abc"


@pytest.mark.parametrize("insert_id", ["", None, 42])
def test_an_unusable_insert_id_falls_back_to_the_content_hash(entry: RecordFactory, insert_id: object) -> None:
    raw = entry(insertId=insert_id)
    found = to_event(raw, "x").id
    assert found == content_id(raw)
    assert found.startswith("sha256:")


REQUEST_LOG = "type.googleapis.com/google.appengine.logging.v1.RequestLog"


def _payload(**changes: object) -> dict[str, object]:
    payload = dict(make_entry()["protoPayload"])
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ([1, 2], "not_an_object", "record is an array, not a JSON object"),
        ("GenerateContent", "not_an_object", "record is a string, not a JSON object"),
        (make_entry(protoPayload=None), "not_audit_log", "no protoPayload: not a Cloud Audit Logs entry"),
        (
            {"textPayload": "Container started", "timestamp": "2024-11-20T14:00:00Z", "insertId": "a"},
            "not_audit_log",
            "no protoPayload",
        ),
        (make_entry(protoPayload="AuditLog"), "invalid_field", "protoPayload must be an object, got a string"),
        (
            make_entry(
                protoPayload=_payload(**{"@type": "type.googleapis.com/google.appengine.logging.v1.RequestLog"})
            ),
            "not_audit_log",
            "protoPayload is 'type.googleapis.com/google.appengine.logging.v1.RequestLog', not a Cloud Audit Logs",
        ),
        (make_entry(protoPayload=_payload(methodName=None)), "missing_field", "missing protoPayload.methodName"),
        (
            make_entry(protoPayload=_payload(methodName=7)),
            "invalid_field",
            "protoPayload.methodName must be a non-empty string, got a number 7",
        ),
        (make_entry(timestamp=None), "missing_field", "missing timestamp"),
        (make_entry(timestamp=1732111331), "invalid_field", "timestamp must be a non-empty string, got a number"),
        (make_entry(timestamp="yesterday"), "invalid_field", "timestamp 'yesterday' is not an RFC 3339 timestamp"),
        (make_entry(timestamp="2024-13-20T14:00:00Z"), "invalid_field", "is not an RFC 3339 timestamp"),
    ],
)
def test_bad_entries_raise_a_precise_record_error(raw: object, reason: str, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        to_event(raw, "x")  # type: ignore[arg-type]
    assert caught.value.reason == reason
    assert message in caught.value.message


@pytest.mark.parametrize(
    "stamp", ["2024-11-20t14:02:11.123456789z", "2024-11-20T14:02:11.123456789z", "2024-11-20t14:02:11.123456789Z"]
)
def test_rfc_3339_lower_case_designators_are_read(stamp: str) -> None:
    assert to_event(make_entry(timestamp=stamp), "x").time == datetime(2024, 11, 20, 14, 2, 11, 123456, tzinfo=UTC)


def test_a_payload_without_type_is_accepted(entry: RecordFactory) -> None:
    """Some exports drop ``@type``; the entry is still an audit log entry."""
    payload = _payload(**{"@type": None})
    assert to_event(entry(protoPayload=payload), "x").name == "StreamRawPredict"


@pytest.mark.parametrize(
    ("method", "short"),
    [
        ("google.cloud.aiplatform.v1.PredictionService.GenerateContent", "GenerateContent"),
        ("google.cloud.aiplatform.v1beta1.PredictionService.StreamGenerateContent", "StreamGenerateContent"),
        ("google.cloud.aiplatform.v1.PredictionService.RawPredict", "RawPredict"),
        ("google.cloud.aiplatform.v1.LlmUtilityService.CountTokens", "CountTokens"),
        ("SetIamPolicy", "SetIamPolicy"),
        ("storage.objects.get", "get"),
        ("/google.cloud.aiplatform.v1.PredictionService/Predict", "Predict"),
        ("trailing.", "trailing."),
    ],
)
def test_short_method_is_the_last_part(method: str, short: str) -> None:
    assert short_method(method) == short


@given(st.text(min_size=1))
def test_short_method_is_a_non_empty_suffix(method: str) -> None:
    short = short_method(method)
    assert short
    assert method.endswith(short)
    assert short == method or ("." not in short and "/" not in short)


@pytest.mark.parametrize(
    ("log_name", "expected"),
    [
        (DATA_ACCESS, "data_access"),
        (ACTIVITY, "activity"),
        ("organizations/123456789012/logs/cloudaudit.googleapis.com%2Fsystem_event", "system_event"),
        ("folders/998877/logs/cloudaudit.googleapis.com%2Fpolicy", "policy"),
        ("projects/p/logs/cloudaudit.googleapis.com/data_access", "data_access"),
        ("projects/p/logs/stdout", None),
        ("projects/p/logs/cloudaudit.googleapis.com%2F", None),
        ("not a log name", None),
    ],
)
def test_log_type_comes_from_the_log_name(log_name: str, expected: str | None) -> None:
    assert log_type(log_name) == expected


@pytest.mark.parametrize(
    ("log_name", "expected"),
    [
        (DATA_ACCESS, ("projects", PROJECT)),
        ("organizations/123456789012/logs/cloudaudit.googleapis.com%2Factivity", ("organizations", "123456789012")),
        ("projects", None),
        ("", None),
    ],
)
def test_log_parent(log_name: str, expected: tuple[str, str] | None) -> None:
    assert log_parent(log_name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (CLAUDE, ResourceName(PROJECT, "us-east5", "anthropic", "claude-3-5-sonnet-v2@20241022")),
        (
            "projects/123456789012/locations/us-central1/publishers/google/models/gemini-1.5-pro-002",
            ResourceName("123456789012", "us-central1", "google", "gemini-1.5-pro-002"),
        ),
        (
            "publishers/meta/models/llama-3.1-405b-instruct-maas",
            ResourceName(None, None, "meta", "llama-3.1-405b-instruct-maas"),
        ),
        ("projects/p/locations/europe-west4/endpoints/1234567890", ResourceName("p", "europe-west4")),
        ("projects/p/locations/us-central1/models/987", ResourceName("p", "us-central1")),
        ("//aiplatform.googleapis.com/projects/p/locations/global", ResourceName("p", "global")),
        ("projects/_/buckets/acme-exports", ResourceName("_")),
        ("projects//locations/", ResourceName()),
        ("", ResourceName()),
    ],
)
def test_resource_names_are_parsed(name: str, expected: ResourceName) -> None:
    assert parse_resource_name(name) == expected


def test_status_names_are_the_grpc_codes() -> None:
    assert [status_name(code) for code in (0, 3, 5, 7, 8, 16)] == [
        "OK",
        "INVALID_ARGUMENT",
        "NOT_FOUND",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "UNAUTHENTICATED",
    ]
    assert status_name(len(GRPC_CODES)) is None
    assert status_name(-1) is None
