"""Fields of the gcp_auditlog source on realistic Cloud Audit Logs entries (Vertex AI, IAM, Compute, Storage)."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.sources.gcp.entries import ACTIVITY, CLAUDE, DATA_ACCESS, GATEWAY, KEY_ID, KEY_NAME, PROJECT, make_entry

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import ArgMode, SourceFields
from jackwatch.rules.fields.gcp_audit import client_family, gcp_audit_fields, identity_of
from jackwatch.rules.sources import default_registry
from jackwatch.sources.gcp import to_event

GEMINI = f"projects/{PROJECT}/locations/us-central1/publishers/google/models/gemini-1.5-pro-002"
GENAI_UA = "google-genai-sdk/1.2.0 gl-python/3.11.9,gzip(gfe)"
GCLOUD_UA = (
    "google-cloud-sdk gcloud/496.0.0 command/gcloud.ai.endpoints.predict invocation-id/4f0c1e2d3a4b"
    " environment/None environment-version/None client-os/LINUX client-os-ver/6.5.0 client-pltf-arch/x86_64"
    " interactive/True from-script/False python/3.11.9 term/xterm-256color (Linux 6.5.0),gzip(gfe)"
)
DENIED = "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist)."
FALCO_PLUGIN_FIELDS = (
    "gcp.user",
    "gcp.callerIP",
    "gcp.userAgent",
    "gcp.authorizationInfo",
    "gcp.serviceName",
    "gcp.policyDelta",
    "gcp.request",
    "gcp.methodName",
    "gcp.cloudfunctions.function",
    "gcp.cloudsql.databaseId",
    "gcp.compute.instanceId",
    "gcp.compute.networkId",
    "gcp.compute.subnetwork",
    "gcp.compute.subnetworkId",
    "gcp.dns.zone",
    "gcp.iam.serviceAccount",
    "gcp.iam.serviceAccountId",
    "gcp.location",
    "gcp.logging.sink",
    "gcp.projectId",
    "gcp.resourceName",
    "gcp.resourceType",
    "gcp.resourceLabels",
    "gcp.storage.bucket",
    "gcp.time",
)
"""The Falco GCP audit plugin's field list."""


@lru_cache(maxsize=1)
def fields() -> SourceFields:
    return gcp_audit_fields(AsnDb.load())


def retain(event: Event) -> Event:
    keep = fields().retain
    assert keep is not None
    return keep(event)


def text(raw: dict[str, Any], name: str, arg: str | None = None) -> str:
    found = value(raw, name, arg)
    assert isinstance(found, str), f"{name} is {found!r}"
    return found


def value(raw: dict[str, Any], name: str, arg: str | None = None) -> object:
    return fields().fields[name].extract(to_event(raw, "test"), arg)


def values(raw: dict[str, Any]) -> dict[str, object]:
    event = to_event(raw, "test")
    return {name: item.extract(event, None) for name, item in fields().fields.items() if item.arg is ArgMode.NONE}


def with_payload(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    changed["protoPayload"].update(changes)
    return changed


def gemini_by_user() -> dict[str, Any]:
    """Alice calls Gemini with the Gen AI SDK from her ISP."""
    method = "google.cloud.aiplatform.v1.PredictionService.GenerateContent"
    raw = with_payload(
        make_entry(60),
        methodName=method,
        resourceName=GEMINI,
        authenticationInfo={"principalEmail": "alice@acme.example", "principalSubject": "user:alice@acme.example"},
        requestMetadata={"callerIp": "81.2.69.160", "callerSuppliedUserAgent": GENAI_UA},
    )
    raw["resource"]["labels"]["method"] = method
    return raw


# ------------------------------------------------------------------------------------------ registry


def test_the_source_is_registered_with_its_index_fields() -> None:
    source = default_registry(AsnDb.load()).get("gcp_auditlog")
    assert source is not None
    assert source.fields.name_field == "gcp.method"
    assert source.fields.partition_field == "gcp.service"
    assert source.make_event(make_entry(), "x").name == "StreamRawPredict"


def test_every_field_is_documented_and_the_plugin_fields_are_there() -> None:
    assert set(FALCO_PLUGIN_FIELDS) <= set(fields().fields)
    undocumented = [name for name, item in fields().fields.items() if len(item.doc) < 15]
    assert not undocumented


# ------------------------------------------------------------------------------------ whole entries


def test_a_claude_call_signed_with_a_key_from_a_vps() -> None:
    method = "google.cloud.aiplatform.v1.PredictionService.StreamRawPredict"
    raw = make_entry(0)
    expected = {
        "gcp.as_org": "Hetzner Online GmbH",
        "gcp.asn": "AS213230",
        "gcp.authorizationInfo": json.dumps(raw["protoPayload"]["authorizationInfo"], separators=(",", ":")),
        "gcp.callerIP": "5.161.100.20",
        "gcp.caller_ip": "5.161.100.20",
        "gcp.cloudfunctions.function": None,
        "gcp.cloudsql.databaseId": None,
        "gcp.compute.instanceId": None,
        "gcp.compute.networkId": None,
        "gcp.compute.subnetwork": None,
        "gcp.compute.subnetworkId": None,
        "gcp.credential": "sa_key",
        "gcp.dns.zone": None,
        "gcp.error": False,
        "gcp.iam.serviceAccount": None,
        "gcp.iam.serviceAccountId": None,
        "gcp.identity": KEY_NAME,
        "gcp.insert_id": raw["insertId"],
        "gcp.location": "us-east5",
        "gcp.log_type": "data_access",
        "gcp.logging.sink": None,
        "gcp.method": "StreamRawPredict",
        "gcp.methodName": method,
        "gcp.method_full": method,
        "gcp.model": "claude-3-5-sonnet-v2@20241022",
        "gcp.policyDelta": None,
        "gcp.principal": GATEWAY,
        "gcp.principal_subject": f"serviceAccount:{GATEWAY}",
        "gcp.project": PROJECT,
        "gcp.projectId": PROJECT,
        "gcp.publisher": "anthropic",
        "gcp.publisher_model": "anthropic/claude-3-5-sonnet-v2@20241022",
        "gcp.request": None,
        "gcp.resourceLabels": json.dumps(raw["resource"]["labels"], separators=(",", ":")),
        "gcp.resourceName": CLAUDE,
        "gcp.resourceType": "audited_resource",
        "gcp.sa_key": KEY_NAME,
        "gcp.sa_key_id": KEY_ID,
        "gcp.service": "aiplatform.googleapis.com",
        "gcp.serviceName": "aiplatform.googleapis.com",
        "gcp.severity": "INFO",
        "gcp.status": "OK",
        "gcp.status_code": 0,
        "gcp.status_message": None,
        "gcp.storage.bucket": None,
        "gcp.time": raw["timestamp"],
        "gcp.user": GATEWAY,
        "gcp.userAgent": "AnthropicVertex/Python 0.39.0,gzip(gfe)",
        "gcp.user_agent": "AnthropicVertex/Python 0.39.0,gzip(gfe)",
        "gcp.user_agent_family": "other",
    }
    assert values(raw) == expected


def test_a_gemini_call_by_a_person() -> None:
    found = values(gemini_by_user())
    assert found["gcp.method"] == "GenerateContent"
    assert found["gcp.credential"] == "user"
    assert found["gcp.identity"] == found["gcp.principal"] == "alice@acme.example"
    assert found["gcp.sa_key"] is None
    assert found["gcp.sa_key_id"] is None
    assert found["gcp.asn"] == "AS20712"
    assert found["gcp.user_agent_family"] == "google_sdk"
    assert (found["gcp.publisher"], found["gcp.model"]) == ("google", "gemini-1.5-pro-002")
    assert found["gcp.location"] == "us-central1"


def test_a_minimal_entry_has_every_other_field_missing() -> None:
    raw = {"protoPayload": {"methodName": "SetIamPolicy"}, "timestamp": "2024-11-20T14:00:00Z"}
    present = {name: found for name, found in values(raw).items() if found is not None}
    assert present == {
        "gcp.method": "SetIamPolicy",
        "gcp.methodName": "SetIamPolicy",
        "gcp.method_full": "SetIamPolicy",
        "gcp.identity": "unknown",
        "gcp.status_code": 0,
        "gcp.status": "OK",
        "gcp.error": False,
        "gcp.user_agent_family": "empty",
        "gcp.time": "2024-11-20T14:00:00Z",
    }
    assert fields().principal(to_event(raw, "x")) == "unknown"
    assert fields().evidence(to_event(raw, "x")) == {}


def test_a_denied_probe_has_its_status() -> None:
    raw = with_payload(
        make_entry(),
        status={
            "code": 7,
            "message": "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).",
        },
    )
    raw["severity"] = "ERROR"
    found = values(raw)
    assert (found["gcp.status_code"], found["gcp.status"], found["gcp.error"]) == (7, "PERMISSION_DENIED", True)
    assert found["gcp.status_message"] == DENIED
    assert found["gcp.severity"] == "ERROR"


@pytest.mark.parametrize(
    ("status", "code", "name", "error"),
    [
        ({}, 0, "OK", False),
        (None, 0, "OK", False),
        ({"code": 0}, 0, "OK", False),
        ({"code": 3, "message": "Invalid request."}, 3, "INVALID_ARGUMENT", True),
        ({"code": 8}, 8, "RESOURCE_EXHAUSTED", True),
        ({"code": "5"}, 5, "NOT_FOUND", True),
        ({"code": 99}, 99, None, True),
        ({"code": "denied"}, None, None, None),
        ({"code": True}, None, None, None),
        ({"code": 7.0}, None, None, None),
    ],
)
def test_status_code_variants(status: object, code: int | None, name: str | None, error: bool | None) -> None:
    raw = with_payload(make_entry(), status=status)
    if status is None:
        del raw["protoPayload"]["status"]
    assert (value(raw, "gcp.status_code"), value(raw, "gcp.status"), value(raw, "gcp.error")) == (code, name, error)


# ------------------------------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    ("info", "credential", "identity"),
    [
        ({"principalEmail": GATEWAY, "serviceAccountKeyName": KEY_NAME}, "sa_key", KEY_NAME),
        (
            {"principalEmail": f"123456789012-compute@{PROJECT[:0]}developer.gserviceaccount.com"},
            "service_account",
            "123456789012-compute@developer.gserviceaccount.com",
        ),
        (
            {"principalSubject": "serviceAccount:acme-ml-prod.svc.id.goog[serving/llm-proxy]"},
            "service_account",
            "serviceAccount:acme-ml-prod.svc.id.goog[serving/llm-proxy]",
        ),
        (
            {
                "principalSubject": "principal://iam.googleapis.com/projects/123456789012/locations/global/"
                "workloadIdentityPools/github/subject/repo:acme/infra:ref:refs/heads/main"
            },
            "federated",
            "principal://iam.googleapis.com/projects/123456789012/locations/global/"
            "workloadIdentityPools/github/subject/repo:acme/infra:ref:refs/heads/main",
        ),
        ({"principalEmail": "alice@acme.example"}, "user", "alice@acme.example"),
        ({"principalSubject": "user:bob@acme.example"}, "user", "user:bob@acme.example"),
        ({}, None, "unknown"),
        (None, None, "unknown"),
        ({"principalEmail": 42, "serviceAccountKeyName": ""}, None, "unknown"),
    ],
)
def test_identity_and_credential(info: object, credential: str | None, identity: str) -> None:
    raw = with_payload(make_entry(), authenticationInfo=info)
    assert value(raw, "gcp.credential") == credential
    assert value(raw, "gcp.identity") == identity
    assert fields().principal(to_event(raw, "x")) == identity


def test_a_key_name_without_an_id_part_has_no_key_id() -> None:
    assert identity_of({"serviceAccountKeyName": "//iam.googleapis.com/keys/"}).key_id == "keys"
    assert identity_of({"serviceAccountKeyName": KEY_NAME + "/"}).key_id == KEY_ID
    assert identity_of({"principalEmail": GATEWAY}).key_id is None


@given(
    st.dictionaries(
        st.sampled_from(["principalEmail", "principalSubject", "serviceAccountKeyName", "other"]),
        st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text(), max_size=2)),
    )
)
def test_identity_is_always_a_non_empty_text(info: dict[str, object]) -> None:
    found = identity_of(info)
    assert isinstance(found.stable, str)
    assert found.stable
    assert found.credential in (None, "sa_key", "service_account", "federated", "user")
    assert (found.credential == "sa_key") == (found.key is not None)


# ---------------------------------------------------------------------------------- network, client


@pytest.mark.parametrize(
    ("caller", "ip", "asn"),
    [
        ("private", None, None),
        ("gce-internal-ip", None, None),
        ("34.105.22.7", "34.105.22.7", "AS396982"),
        ("2a01:4f8:1c1c:a1b2::1", "2a01:4f8:1c1c:a1b2::1", "AS24940"),
        ("::ffff:167.99.12.34", "167.99.12.34", "AS14061"),
        ("198.51.100.7", "198.51.100.7", None),
    ],
)
def test_caller_ip_and_asn(caller: str, ip: str | None, asn: str | None) -> None:
    raw = with_payload(make_entry(), requestMetadata={"callerIp": caller})
    assert value(raw, "gcp.callerIP") == caller
    assert value(raw, "gcp.caller_ip") == ip
    assert value(raw, "gcp.asn") == asn


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        (GCLOUD_UA, "gcloud"),
        (GENAI_UA, "google_sdk"),
        ("model-builder/1.71.1 grpc-python/1.66.1 gax/2.19.2 gapic/1.71.1 gl-python/3.11.9,gzip(gfe)", "google_sdk"),
        ("google-api-python-client/2.149.0 (gzip),gzip(gfe)", "google_sdk"),
        ("AnthropicVertex/Python 0.39.0,gzip(gfe)", "other"),
        ("python-requests/2.32.3,gzip(gfe)", "http_library"),
        ("Python/3.11 aiohttp/3.9.5,gzip(gfe)", "http_library"),
        ("curl/8.5.0,gzip(gfe)", "http_library"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/131.0.0.0 Safari/537.36,gzip(gfe)",
            "browser",
        ),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_user_agent_family(agent: str | None, family: str) -> None:
    assert client_family(agent) == family
    metadata = {"callerIp": "5.161.100.20"} if agent is None else {"callerSuppliedUserAgent": agent}
    assert value(with_payload(make_entry(), requestMetadata=metadata), "gcp.user_agent_family") == family


# ------------------------------------------------------------------------------- place, resource labels


def test_location_and_project_of_an_endpoint_call() -> None:
    """A tuned model served from an endpoint: location from the resource labels, no publisher model."""
    endpoint = f"projects/{PROJECT}/locations/europe-west4/endpoints/4871203560912345088"
    raw = with_payload(
        make_entry(),
        methodName="google.cloud.aiplatform.v1.PredictionService.Predict",
        resourceName=endpoint,
    )
    raw["resource"] = {
        "type": "aiplatform.googleapis.com/Endpoint",
        "labels": {"endpoint_id": "4871203560912345088", "location": "europe-west4", "resource_container": PROJECT},
    }
    found = values(raw)
    assert (found["gcp.location"], found["gcp.project"], found["gcp.projectId"]) == ("europe-west4", PROJECT, None)
    assert (found["gcp.publisher"], found["gcp.model"], found["gcp.publisher_model"]) == (None, None, None)


def test_a_compute_activity_entry_gives_the_plugin_resource_fields() -> None:
    raw = make_entry(
        logName=ACTIVITY,
        protoPayload={
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalEmail": "alice@acme.example"},
            "requestMetadata": {"callerIp": "81.2.69.160", "callerSuppliedUserAgent": GCLOUD_UA},
            "serviceName": "compute.googleapis.com",
            "methodName": "v1.compute.instances.insert",
            "resourceName": f"projects/{PROJECT}/zones/us-central1-a/instances/gpu-worker-1",
            "request": {"@type": "type.googleapis.com/compute.instances.insert", "name": "gpu-worker-1"},
        },
        resource={
            "type": "gce_instance",
            "labels": {"instance_id": "7712093312388429011", "zone": "us-central1-a", "project_id": PROJECT},
        },
        severity="NOTICE",
    )
    found = values(raw)
    assert found["gcp.method"] == "insert"
    assert found["gcp.compute.instanceId"] == "7712093312388429011"
    assert found["gcp.location"] == "us-central1"
    assert found["gcp.log_type"] == "activity"
    assert found["gcp.user_agent_family"] == "gcloud"
    assert json.loads(text(raw, "gcp.request")) == raw["protoPayload"]["request"]
    assert value(raw, "json.value", "/protoPayload/request/name") == "gpu-worker-1"
    assert value(raw, "json.value", "/resource/labels") == found["gcp.resourceLabels"]
    assert value(raw, "json.value", "/nope") is None


@pytest.mark.parametrize(
    ("labels", "location"),
    [
        ({"location": "us-east5", "region": "us-west1"}, "us-east5"),
        ({"region": "us-west1", "zone": "us-west1-b"}, "us-west1"),
        ({"zone": "europe-west4-a"}, "europe-west4"),
        ({"zone": "eu"}, "eu"),
        ({}, "us-east5"),  # from resourceName
    ],
)
def test_location_follows_the_plugin_then_the_resource_name(labels: dict[str, str], location: str) -> None:
    raw = make_entry()
    raw["resource"]["labels"] = labels
    assert value(raw, "gcp.location") == location


def test_project_falls_back_to_the_log_then_the_resource_name() -> None:
    raw = make_entry()
    del raw["resource"]
    assert value(raw, "gcp.project") == PROJECT
    raw["logName"] = "organizations/123456789012/logs/cloudaudit.googleapis.com%2Fdata_access"
    raw["protoPayload"]["resourceName"] = CLAUDE.replace(PROJECT, "other-project")
    assert value(raw, "gcp.project") == "other-project"
    assert value(raw, "gcp.projectId") is None


VIEWER = "roles/storage.objectViewer"


def test_iam_storage_and_sink_resources() -> None:
    bucket = make_entry(
        logName=ACTIVITY,
        protoPayload={
            "methodName": "storage.setIamPermissions",
            "serviceName": "storage.googleapis.com",
            "serviceData": {
                "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
                "policyDelta": {
                    "bindingDeltas": [{"action": "ADD", "role": "roles/storage.objectViewer", "member": "allUsers"}]
                },
            },
        },
        resource={"type": "gcs_bucket", "labels": {"bucket_name": "acme-model-weights", "location": "us"}},
    )
    assert value(bucket, "gcp.storage.bucket") == "acme-model-weights"
    assert json.loads(text(bucket, "gcp.policyDelta")) == [{"action": "ADD", "role": VIEWER, "member": "allUsers"}]
    dataset = make_entry(
        protoPayload={
            "methodName": "google.iam.v1.IAMPolicy.SetIamPolicy",
            "metadata": {"datasetChange": {"bindingDeltas": [{"action": "ADD", "member": "user:eve@evil.example"}]}},
        },
        resource={"type": "bigquery_dataset", "labels": {"dataset_id": "billing_export", "project_id": PROJECT}},
    )
    assert json.loads(text(dataset, "gcp.policyDelta")) == [{"action": "ADD", "member": "user:eve@evil.example"}]
    account = make_entry(
        protoPayload={"methodName": "google.iam.admin.v1.CreateServiceAccountKey"},
        resource={"type": "service_account", "labels": {"email_id": GATEWAY, "unique_id": "104567890123456789012"}},
    )
    assert (value(account, "gcp.iam.serviceAccount"), value(account, "gcp.iam.serviceAccountId")) == (
        GATEWAY,
        "104567890123456789012",
    )
    sink = make_entry(
        protoPayload={"methodName": "google.logging.v2.ConfigServiceV2.DeleteSink"},
        resource={"type": "logging_sink", "labels": {"name": "vertex-audit-to-gcs", "project_id": PROJECT}},
    )
    assert value(sink, "gcp.logging.sink") == "vertex-audit-to-gcs"
    account["resource"]["labels"]["name"] = "not-a-sink"
    assert value(account, "gcp.logging.sink") is None


# ------------------------------------------------------------------------------- evidence, retain


def test_evidence_of_a_key_call_and_of_an_internal_caller() -> None:
    assert fields().evidence(to_event(make_entry(), "x")) == {
        "region": "us-east5",
        "source_ip": "5.161.100.20",
        "asn": "AS213230 Hetzner Online GmbH",
        "user_agent": "AnthropicVertex/Python 0.39.0,gzip(gfe)",
        "project": PROJECT,
        "model": "anthropic/claude-3-5-sonnet-v2@20241022",
    }
    internal = with_payload(make_entry(), requestMetadata={"callerIp": "private", "callerSuppliedUserAgent": "  "})
    evidence = fields().evidence(to_event(internal, "x"))
    assert evidence["source_ip"] == "private"
    assert "asn" not in evidence
    assert "user_agent" not in evidence


def test_retain_keeps_what_rules_and_findings_read() -> None:
    raw = with_payload(make_entry(), request={"@type": "type.googleapis.com/google.api.HttpBody"}, response={})
    event = to_event(raw, "x")
    kept = retain(event)
    assert retain(event) is kept
    assert set(kept.raw["protoPayload"]) == {
        "@type",
        "serviceName",
        "methodName",
        "resourceName",
        "authenticationInfo",
        "status",
        "requestMetadata",
    }
    assert set(kept.raw["protoPayload"]["requestMetadata"]) == {"callerIp", "callerSuppliedUserAgent"}
    dropped = {"gcp.request", "gcp.authorizationInfo"}
    for name, item in fields().fields.items():
        if item.arg is ArgMode.NONE and name not in dropped:
            assert item.extract(kept, None) == item.extract(event, None), name
    assert fields().evidence(kept) == fields().evidence(event)
    assert (kept.id, kept.time, kept.name, kept.source) == (event.id, event.time, event.name, event.source)


_JSON = st.recursive(  # what orjson parses: integers within 64 bits
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["authenticationInfo", "requestMetadata", "status", "resourceName", "serviceName", "serviceData", "metadata"]
)


@given(
    payload=st.dictionaries(_KEYS, _JSON, max_size=5),
    resource=_JSON,
    log_name=st.one_of(st.none(), st.text(max_size=40), st.just(DATA_ACCESS)),
)
def test_no_field_fails_on_any_entry_the_source_accepts(
    payload: dict[str, Any], resource: object, log_name: object
) -> None:
    raw: dict[str, Any] = {
        "protoPayload": {**payload, "methodName": "google.cloud.aiplatform.v1.PredictionService.RawPredict"},
        "timestamp": "2024-11-20T14:00:00Z",
        "insertId": "1c9rkqbe2p4k",
        "resource": resource,
        "logName": log_name,
    }
    event: Event = to_event(raw, "x")
    for item in fields().fields.values():
        item.extract(event, "/protoPayload/status" if item.arg is ArgMode.REQUIRED else None)
    assert isinstance(fields().principal(event), str)
    assert all(isinstance(text, str) for text in fields().evidence(event).values())
    retain(event)
