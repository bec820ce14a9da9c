"""Fields of the azure_openai source on realistic resource log and Activity log records, in every shape."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.sources.azure.azure_samples import (
    ACCOUNT_ID,
    JSON_VALUES,
    LOCAL_AUTH_ON,
    MALLORY_OID,
    SUBSCRIPTION,
    account_write,
    activity_export,
    activity_rest,
    audit_list_key,
    request_response,
)

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import ArgMode, SourceFields
from jackwatch.rules.fields.azure_openai import azure_openai_fields
from jackwatch.rules.fields.docs import render_field_docs
from jackwatch.sources.azure.records import to_event
from jackwatch.sources.reading.records import RecordError

ACCOUNT = ACCOUNT_ID.lower()


@lru_cache(maxsize=1)
def fields() -> SourceFields:
    return azure_openai_fields(AsnDb.load())


def values(record: dict[str, Any]) -> dict[str, object]:
    """Every field of the event of ``record``."""
    event = to_event(record, "test")
    return {name: field.extract(event, None) for name, field in fields().fields.items()}


def test_every_field_is_documented_and_takes_no_argument() -> None:
    for name, field in fields().fields.items():
        assert name.startswith("azure."), name
        assert field.doc.strip(), name
        assert field.arg is ArgMode.NONE, name
    page = render_field_docs(fields())
    assert "`azure.caller_network`" in page
    assert fields().name_field == "azure.operation"
    assert fields().partition_field == "azure.category"


def test_a_key_authenticated_chat_call() -> None:
    found = values(request_response(0))
    assert found == {
        "azure.operation": "ChatCompletions_Create",
        "azure.category": "RequestResponse",
        "azure.resource_id": ACCOUNT,
        "azure.subscription": SUBSCRIPTION,
        "azure.resource_group": "rg-ai-prod",
        "azure.resource_type": "microsoft.cognitiveservices/accounts",
        "azure.account": "openai-app-eastus",
        "azure.deployment": "gpt-4o-prod",
        "azure.model": "gpt-4o",
        "azure.model_version": "2024-08-06",
        "azure.api_name": "Azure OpenAI API version 2024-02-15-preview",
        "azure.stream_type": "Non-Streaming",
        "azure.result": "Success",
        "azure.status_code": 200,
        "azure.caller_ip": "203.0.113.***",
        "azure.caller_network": "203.0.113.0/24",
        "azure.caller": None,
        "azure.caller_object_id": None,
        "azure.auth": "key",
        "azure.location": "eastus",
        "azure.duration_ms": 1021,
        "azure.request_length": 1342,
        "azure.response_length": 2211,
        "azure.content_filtered": False,
        "azure.local_auth_disabled": None,
        "azure.correlation_id": "d427a391-2bc7-4f38-9cbc-000000000000",
        "azure.asn": None,
        "azure.as_org": None,
    }


def test_properties_written_as_json_text_read_the_same() -> None:
    record = request_response(0)
    as_text = {**record, "properties": orjson.dumps(record["properties"]).decode()}
    assert values(as_text) == values(record)


def test_an_entra_authenticated_call_names_its_caller() -> None:
    record = request_response(0, properties={**request_response(0)["properties"], "objectId": MALLORY_OID})
    found = values(record)
    assert (found["azure.auth"], found["azure.caller"], found["azure.caller_object_id"]) == (
        "entra",
        MALLORY_OID,
        MALLORY_OID,
    )
    assert fields().principal(to_event(record, "x")) == MALLORY_OID


def test_a_resource_log_identity_with_claims_names_the_caller() -> None:
    record = request_response(0, identity={"claims": {"appid": "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"}})
    found = values(record)
    assert (found["azure.caller"], found["azure.auth"]) == ("3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b", "entra")


def test_the_caller_ip_spelling_of_other_services_is_read() -> None:
    record = request_response(0)
    record["callerIPAddress"] = record.pop("callerIpAddress")
    assert values(record)["azure.caller_ip"] == "203.0.113.***"


def test_a_failed_call_and_a_throttled_one() -> None:
    assert values(request_response(0, resultSignature="429"))["azure.result"] == "Failure"
    assert values(request_response(0, resultSignature=401))["azure.status_code"] == 401
    explicit = values(request_response(0, resultType="Succeeded", resultSignature="200"))
    assert explicit["azure.result"] == "Success"


def test_the_caller_network_gives_the_asn() -> None:
    found = values(request_response(0, callerIpAddress="5.161.100.***"))
    assert (found["azure.caller_network"], found["azure.asn"], found["azure.as_org"]) == (
        "5.161.100.0/24",
        "AS213230",
        "Hetzner Online GmbH",
    )


def test_the_audit_key_listing() -> None:
    found = values(audit_list_key(0))
    assert (found["azure.operation"], found["azure.category"], found["azure.account"]) == (
        "ListKey",
        "Audit",
        "openai-app-eastus",
    )
    assert (found["azure.caller"], found["azure.auth"], found["azure.caller_ip"]) == (MALLORY_OID, "entra", None)
    assert (found["azure.result"], found["azure.status_code"], found["azure.deployment"]) == (None, None, None)


@pytest.mark.parametrize("record", [activity_export(0), activity_rest(0)], ids=["export", "rest"])
def test_key_listing_in_the_activity_log_reads_the_same_in_both_shapes(record: dict[str, Any]) -> None:
    found = values(record)
    assert found["azure.operation"] == "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION"
    assert found["azure.category"] == "Administrative"
    assert found["azure.resource_id"] == ACCOUNT
    assert found["azure.account"] == "openai-app-eastus"
    assert (found["azure.result"], found["azure.status_code"]) == ("Success", 200)
    assert (found["azure.caller"], found["azure.caller_object_id"], found["azure.auth"]) == (
        "mallory@contoso.com",
        MALLORY_OID,
        "entra",
    )
    assert (found["azure.caller_ip"], found["azure.caller_network"]) == ("198.51.100.23", "198.51.100.0/24")
    assert found["azure.correlation_id"] == "3d1e6f0a-52c4-4b8e-9a61-0c2f7d9e4b11"
    assert found["azure.content_filtered"] is None
    assert found["azure.local_auth_disabled"] is None
    assert found["azure.deployment"] is None
    assert fields().principal(to_event(record, "x")) == MALLORY_OID


def test_shape_specific_values_of_the_activity_log() -> None:
    exported, rest = values(activity_export(0)), values(activity_rest(0))
    assert (exported["azure.location"], exported["azure.duration_ms"]) == ("global", 195)
    assert (rest["azure.location"], rest["azure.duration_ms"]) == (None, None)


def test_activity_log_steps_and_failures() -> None:
    assert values(activity_export(0, result="Start"))["azure.result"] == "Start"
    assert values(activity_rest(0, status="Started"))["azure.result"] == "Start"
    failed = values(activity_export(0, result="Failure"))
    assert (failed["azure.result"], failed["azure.status_code"]) == ("Failure", 403)
    assert values(activity_rest(0, status="Failed"))["azure.result"] == "Failure"


def test_a_service_principal_is_named_by_its_application_id() -> None:
    record = activity_export(0)
    claims = record["identity"]["claims"]
    for claim in list(claims):
        if claim.endswith(("/upn", "/objectidentifier")):
            del claims[claim]
    assert values(record)["azure.caller"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


@pytest.mark.parametrize(
    ("body", "disabled"),
    [
        (LOCAL_AUTH_ON, False),
        ('{"properties":{"disableLocalAuth":true}}', True),
        ('{"properties":{"disableLocalAuth":"false"}}', False),
        ('{"properties":{"publicNetworkAccess":"Disabled"}}', None),
        ('{"tags":{"owner":"ml"}}', None),
        ('{"properties": "disableLocalAuth"}', None),
        ("not json", None),
        (None, None),
    ],
)
def test_local_auth_from_the_request_body(body: str | None, disabled: bool | None) -> None:
    assert values(account_write(0, body))["azure.local_auth_disabled"] is disabled


def test_local_auth_from_a_rest_record_and_a_body_given_as_an_object() -> None:
    rest = activity_rest(0, action="write", status="Started")
    rest["properties"]["requestbody"] = LOCAL_AUTH_ON
    assert values(rest)["azure.local_auth_disabled"] is False
    exported = account_write(0)
    exported["properties"]["requestBody"] = {"properties": {"disableLocalAuth": True}}
    assert values(exported)["azure.local_auth_disabled"] is True


def test_a_resource_log_never_says_anything_about_local_auth() -> None:
    record = request_response(0)
    record["properties"] = {**record["properties"], "requestbody": LOCAL_AUTH_ON}
    assert values(record)["azure.local_auth_disabled"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"resultSignature": "400 content_filter"},
        {"resultDescription": "The response was filtered due to the prompt triggering content management policy"
         " (content_filter)"},
        {"resultDescription": "ResponsibleAIPolicyViolation"},
        {"properties": {**request_response(0)["properties"], "finishReason": "content_filter"}},
        {"properties": {**request_response(0)["properties"], "contentFilterResults": {"hate": {"filtered": True}}}},
    ],
)  # fmt: skip
def test_content_filter_codes_mark_a_record_filtered(change: dict[str, Any]) -> None:
    assert values(request_response(0, **{"resultSignature": "400", **change}))["azure.content_filtered"] is True


def test_a_bare_400_and_a_deployment_named_after_the_filter_are_not_filtered() -> None:
    assert values(request_response(0, resultSignature="400"))["azure.content_filtered"] is False
    named = request_response(0)
    named["properties"] = {**named["properties"], "modelDeploymentName": "content_filter_eval"}
    assert values(named)["azure.content_filtered"] is False


def test_missing_and_malformed_values_are_missing() -> None:
    record = {"time": "2026-11-20T14:00:00Z", "operationName": "ChatCompletions_Create", "properties": "{not json"}
    found = values(record)
    assert found["azure.operation"] == "ChatCompletions_Create"
    assert {name for name, value in found.items() if value is not None} == {
        "azure.operation",
        "azure.auth",
        "azure.content_filtered",
    }
    odd = values(
        request_response(0, durationMs=-1021, resultSignature="None", callerIpAddress="", location=" ", resourceId=7)
    )
    assert (odd["azure.duration_ms"], odd["azure.status_code"], odd["azure.result"]) == (None, None, None)
    assert (odd["azure.caller_ip"], odd["azure.location"], odd["azure.account"]) == (None, None, None)


def test_numbers_written_as_text_are_numbers() -> None:
    record = request_response(0, durationMs="102")
    record["properties"] = {**record["properties"], "requestLength": "2", "responseLength": 113.0}
    found = values(record)
    assert (found["azure.duration_ms"], found["azure.request_length"], found["azure.response_length"]) == (102, 2, 113)


def test_principal_of_key_auth_is_the_account_resource_id() -> None:
    assert fields().principal(to_event(request_response(0), "x")) == ACCOUNT
    assert fields().principal(to_event({"time": "2026-11-20T14:00:00Z", "operationName": "X"}, "x")) == "unknown"


def test_evidence() -> None:
    key_call = fields().evidence(to_event(request_response(0, callerIpAddress="5.161.100.***"), "x"))
    assert key_call == {
        "region": "eastus",
        "source_ip": "5.161.100.***",
        "asn": "AS213230 Hetzner Online GmbH",
        "deployment": "gpt-4o-prod",
        "model": "gpt-4o",
    }
    assert fields().evidence(to_event(activity_rest(0), "x")) == {"source_ip": "198.51.100.23"}


def test_the_record_is_read_once_per_event_and_never_changed() -> None:
    record = activity_export(0)
    original = copy.deepcopy(record)
    event: Event = to_event(record, "x")
    for field in fields().fields.values():
        field.extract(event, None)
    assert "azure.record" in event.memo
    assert record == original


_KEYS = st.sampled_from(
    [
        "category",
        "resourceId",
        "properties",
        "callerIpAddress",
        "identity",
        "claims",
        "caller",
        "resultType",
        "resultSignature",
        "durationMs",
        "status",
        "httpRequest",
        "location",
    ]
)
_TYPES = {
    "azure.status_code": int,
    "azure.duration_ms": int,
    "azure.request_length": int,
    "azure.response_length": int,
    "azure.content_filtered": bool,
    "azure.local_auth_disabled": bool,
}


@settings(deadline=None)  # the first example loads the ASN database
@given(
    st.sampled_from([request_response(0), audit_list_key(0), activity_export(0), activity_rest(0), account_write(0)]),
    st.dictionaries(_KEYS, JSON_VALUES, max_size=6),
)
def test_any_values_in_a_readable_record_give_fields_of_their_type(
    base: dict[str, Any], change: dict[str, Any]
) -> None:
    record = {**copy.deepcopy(base), **change}
    try:
        event = to_event(record, "x")
    except RecordError:
        return
    for name, field in fields().fields.items():
        value = field.extract(event, None)
        assert value is None or isinstance(value, _TYPES.get(name, str)), (name, value)
        assert not isinstance(value, str) or value == value.strip(), (name, value)
    assert isinstance(fields().principal(event), str)
    assert all(isinstance(value, str) and value for value in fields().evidence(event).values())
