"""Tests for tools/cloudtrail_synth.py: record shapes, identities, determinism and the S3 file layout."""

from __future__ import annotations

import gzip
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))

import cloudtrail_synth as ct

ACCOUNT = "123456789012"
WHEN = datetime(2025, 6, 10, 14, 2, 7, tzinfo=UTC)
REQUIRED = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
)
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def ids(seed: int = 1) -> ct.Ids:
    return ct.Ids(Random(seed))


def app_user(i: ct.Ids) -> ct.Identity:
    return ct.iam_user(ACCOUNT, "openai-app-bedrock", principal_id=i.unique_id("AIDA"), access_key_id=i.access_key_id())


def role_session(i: ct.Ids, **kwargs: Any) -> ct.Identity:
    return ct.assumed_role(
        ACCOUNT,
        "rag-indexer-role",
        "rag-indexer",
        role_id=i.unique_id("AROA"),
        access_key_id=i.access_key_id("ASIA"),
        created=WHEN - timedelta(minutes=5),
        **kwargs,
    )


def test_api_call_has_every_field_in_cloudtrail_order_and_round_trips() -> None:
    i = ids()
    record = ct.api_call(
        i, ct.Actor(app_user(i), "5.75.213.87", ct.AIOHTTP_UA), WHEN, "sts", "GetCallerIdentity", "us-east-1"
    )
    keys = list(record)
    assert [k for k in keys if k in REQUIRED] == list(REQUIRED)
    assert record["eventTime"] == "2025-06-10T14:02:07Z"
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["eventCategory"] == "Management"
    assert record["recipientAccountId"] == ACCOUNT
    assert UUID4.match(record["eventID"]) and UUID4.match(record["requestID"])
    assert record["tlsDetails"]["clientProvidedHostHeader"] == "sts.amazonaws.com"
    assert "errorCode" not in record and "sessionCredentialFromConsole" not in record
    assert json.loads(orjson.dumps(record)) == record


def test_failure_sets_error_fields_and_drops_the_response() -> None:
    i = ids()
    user = app_user(i)
    failure = ct.scp_denied(user.arn, "bedrock:ListFoundationModels")
    record = ct.bedrock_call(
        i,
        ct.Actor(user, "180.191.162.14", "python-urllib3/2.0.7"),
        WHEN,
        "ap-south-1",
        "ListFoundationModels",
        response={"modelSummaries": []},
        failure=failure,
    )
    assert record["errorCode"] == "AccessDenied"
    assert "explicit deny in a service control policy" in record["errorMessage"]
    assert user.arn in record["errorMessage"]
    assert record["responseElements"] is None
    assert record["tlsDetails"]["clientProvidedHostHeader"] == "bedrock.ap-south-1.amazonaws.com"


@pytest.mark.parametrize("operation", ct.INVOKE_OPERATIONS)
def test_bedrock_runtime_calls_carry_only_the_model_id(operation: str) -> None:
    i = ids()
    actor = ct.Actor(app_user(i), "194.48.248.61", ct.AXIOS_UA)
    record = ct.bedrock_invoke(
        i, actor, WHEN, "us-west-2", "anthropic.claude-3-opus-20240229-v1:0", operation=operation
    )
    assert record["eventSource"] == "bedrock.amazonaws.com"
    assert record["eventName"] == operation
    assert record["requestParameters"] == {"modelId": "anthropic.claude-3-opus-20240229-v1:0"}
    assert record["responseElements"] is None
    assert record["readOnly"] is True
    assert record["tlsDetails"]["clientProvidedHostHeader"] == "bedrock-runtime.us-west-2.amazonaws.com"


def test_the_invoke_probe_answers_with_the_documented_validation_message() -> None:
    i = ids()
    record = ct.bedrock_invoke(
        i,
        ct.Actor(app_user(i), "5.75.213.87", ct.AIOHTTP_UA),
        WHEN,
        "us-east-1",
        "anthropic.claude-v2",
        failure=ct.PROBE_REJECTED,
    )
    assert record["errorCode"] == "ValidationException"
    assert record["errorMessage"].startswith("Malformed input request: -1 is not greater or equal to 0")
    denied = ct.bedrock_invoke(
        i, ct.Actor(app_user(i), "5.75.213.87", ct.AIOHTTP_UA), WHEN, "eu-west-3", "m", failure=ct.MODEL_ACCESS_DENIED
    )
    assert denied["errorCode"] == "AccessDeniedException"
    assert denied["errorMessage"] == "You don't have access to the model with the specified model ID."


def test_bedrock_invoke_rejects_control_plane_names() -> None:
    i = ids()
    with pytest.raises(ValueError, match="not a Bedrock runtime operation"):
        ct.bedrock_invoke(
            i, ct.Actor(app_user(i), "1.2.3.4", "x"), WHEN, "us-east-1", "m", operation="ListFoundationModels"
        )


@pytest.mark.parametrize(
    ("name", "request_keys", "read_only"),
    [
        ("GetFoundationModelAvailability", {"modelId"}, True),
        ("ListFoundationModelAgreementOffers", {"modelId"}, True),
        ("GetUseCaseForModelAccess", None, True),
        ("PutUseCaseForModelAccess", {"formData"}, False),
        ("CreateFoundationModelAgreement", {"offerToken", "modelId"}, False),
        ("PutFoundationModelEntitlement", {"modelId"}, False),
    ],
)
def test_model_access_calls_have_their_request_shapes(
    name: str, request_keys: set[str] | None, read_only: bool
) -> None:
    i = ids()
    record = ct.model_access_call(
        i, ct.Actor(app_user(i), "37.120.236.45", ct.chrome_ua(126)), WHEN, "us-east-1", name, "m"
    )
    assert record["eventSource"] == "bedrock.amazonaws.com"
    assert record["readOnly"] is read_only
    params = record["requestParameters"]
    assert (set(params) if params is not None else None) == request_keys
    assert record["tlsDetails"]["clientProvidedHostHeader"] == "bedrock.us-east-1.amazonaws.com"


def test_model_access_call_rejects_other_apis() -> None:
    i = ids()
    with pytest.raises(ValueError, match="not a model-access API"):
        ct.model_access_call(i, ct.Actor(app_user(i), "1.2.3.4", "x"), WHEN, "us-east-1", "ListFoundationModels")


def test_assumed_role_session_rolls_up_to_its_role_and_keeps_session_context() -> None:
    i = ids()
    session = role_session(i, path="/aws-reserved/sso.amazonaws.com/", mfa=True, console=True)
    ui = session.user_identity
    assert ui["type"] == "AssumedRole"
    assert ui["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/rag-indexer-role/rag-indexer"
    assert ui["accessKeyId"].startswith("ASIA")
    issuer = ui["sessionContext"]["sessionIssuer"]
    assert issuer["arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/rag-indexer-role"
    assert ui["principalId"] == f"{issuer['principalId']}:rag-indexer"
    assert ui["sessionContext"]["attributes"] == {"creationDate": "2025-06-10T13:57:07Z", "mfaAuthenticated": "true"}
    assert session.principal_arn == issuer["arn"]
    record = ct.api_call(
        i, ct.Actor(session, "98.207.44.12", ct.chrome_ua(125)), WHEN, "ec2", "DescribeVpcs", "us-east-1"
    )
    assert record["sessionCredentialFromConsole"] == "true"


def test_iam_user_principal_is_its_arn_and_key_is_long_term() -> None:
    user = app_user(ids())
    assert user.principal_arn == f"arn:aws:iam::{ACCOUNT}:user/openai-app-bedrock"
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", user.user_identity["accessKeyId"])
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user.user_identity["principalId"])


def test_bedrock_api_key_calls_are_marked_bearer_and_carry_no_access_key() -> None:
    i = ids()
    key = ct.bedrock_api_key_user(ACCOUNT, "x1y2", principal_id=i.unique_id("AIDA"))
    record = ct.bedrock_call(
        i,
        ct.Actor(key, "45.134.17.201", "Boto3/1.39.4"),
        WHEN,
        "us-east-1",
        "DeleteGuardrail",
        request={"guardrailIdentifier": "h3n8v5c2w6zt"},
    )
    assert record["userIdentity"]["userName"] == "BedrockAPIKey-x1y2"
    assert "accessKeyId" not in record["userIdentity"]
    assert record["additionalEventData"] == {"callWithBearerToken": True}
    assert record["readOnly"] is False


def test_service_calls_have_no_tls_details_and_service_identity() -> None:
    i = ids()
    service = ct.Actor(ct.aws_service("lambda.amazonaws.com"), "lambda.amazonaws.com", "lambda.amazonaws.com")
    record = ct.api_call(i, service, WHEN, "sts", "AssumeRole", "us-east-1", account=ACCOUNT)
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}
    assert "tlsDetails" not in record
    assert record["recipientAccountId"] == ACCOUNT


def test_root_and_web_identity_shapes() -> None:
    i = ids()
    admin = ct.root(ACCOUNT, access_key_id=i.access_key_id("ASIA"))
    assert admin.user_identity["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert admin.console
    github = ct.web_identity_user(ACCOUNT, "token.actions.githubusercontent.com", "repo:acme/app:ref:refs/heads/main")
    assert github.user_identity["type"] == "WebIdentityUser"
    assert github.user_identity["identityProvider"].endswith("oidc-provider/token.actions.githubusercontent.com")


def test_global_services_log_in_their_home_region() -> None:
    i = ids()
    record = ct.api_call(
        i, ct.Actor(app_user(i), "5.75.213.87", "x"), WHEN, "iam", "ListAttachedUserPolicies", "eu-west-1"
    )
    assert record["awsRegion"] == "us-east-1"
    assert record["tlsDetails"]["clientProvidedHostHeader"] == "iam.amazonaws.com"
    regional = ct.api_call(i, ct.Actor(app_user(i), "5.75.213.87", "x"), WHEN, "sts", "GetCallerIdentity", "eu-west-1")
    assert regional["tlsDetails"]["clientProvidedHostHeader"] == "sts.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("InvokeModel", True),
        ("ConverseStream", True),
        ("GetModelInvocationLoggingConfiguration", True),
        ("ListFoundationModels", True),
        ("DeleteGuardrail", False),
        ("PutUseCaseForModelAccess", False),
        ("CreateServiceSpecificCredential", False),
        ("ConsoleLogin", False),
    ],
)
def test_read_only_flag(name: str, expected: bool) -> None:
    assert ct.is_read_only(name) is expected


@pytest.mark.parametrize(
    "op", [op for ops in ct.OPERATIONS.values() for op in ops], ids=lambda op: f"{op.service}.{op.name}"
)
def test_every_ordinary_operation_fills_its_placeholders(op: ct.Operation) -> None:
    i = ids()
    session = role_session(i)
    record = ct.ordinary_call(
        i, ct.Actor(session, "3.215.47.112", ct.go_sdk_ua("1.30.3", "ec2#1")), WHEN, "eu-west-1", op
    )
    text = orjson.dumps(record).decode()
    assert "{region}" not in text and "{account}" not in text and "{n}" not in text
    assert record["eventSource"] == ct.SERVICES[op.service].event_source
    assert record["awsRegion"] == (ct.SERVICES[op.service].home_region or "eu-west-1")


def test_same_seed_same_records_other_seed_other_ids() -> None:
    def build(seed: int) -> dict[str, Any]:
        i = ids(seed)
        return ct.bedrock_invoke(i, ct.Actor(app_user(i), "3.215.47.112", "x"), WHEN, "us-east-1", "m")

    assert build(5) == build(5)
    assert build(5)["eventID"] != build(6)["eventID"]


def test_user_agents_look_like_the_real_clients() -> None:
    ua = ct.boto3_ua("1.34.84", "1.34.84", "windows#10", "3.11.9", arch="amd64")
    assert ua.startswith("Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/windows#10 md/arch#amd64")
    assert ua.endswith("cfg/retry-mode#legacy Botocore/1.34.84")
    assert "exec-env/AWS_Lambda_python3.12" in ct.boto3_ua("1", "1", "linux", "3.12", exec_env="AWS_Lambda_python3.12")
    assert ct.aws_cli_ua("2.17.20", "iam.list-users").endswith("md/command#iam.list-users")
    assert "Windows NT 10.0" in ct.chrome_ua(126, "Windows NT 10.0; Win64; x64")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_delivery_time_ends_the_five_minute_slot(when: datetime) -> None:
    delivered = ct.delivery_time(when)
    assert timedelta(0) < delivered - when <= ct.FILE_INTERVAL
    assert delivered.minute % 5 == 0 and delivered.second == 0 and delivered.microsecond == 0


@given(
    st.from_regex(r"\d{12}", fullmatch=True),
    st.sampled_from(["us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1"]),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
    st.text(ct.ALNUM, min_size=16, max_size=16),
)
def test_object_key_matches_the_aws_layout(account: str, region: str, when: datetime, suffix: str) -> None:
    key = ct.object_key(account, region, when, suffix)
    match = ct.OBJECT_KEY_RE.match(key)
    assert match is not None
    assert (match["account"], match["region"], match["suffix"]) == (account, region, suffix)
    assert match["date"] == when.strftime("%Y/%m/%d")
    assert match["stamp"] == when.strftime("%Y%m%dT%H%MZ")


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_event_time_round_trips(when: datetime) -> None:
    assert ct.parse_time(ct.format_time(when)) == when.replace(microsecond=0)


def _trail_records() -> list[dict[str, Any]]:
    i = ids(3)
    user = ct.Actor(app_user(i), "194.48.248.61", ct.AXIOS_UA)
    records = [
        ct.bedrock_invoke(i, user, WHEN + timedelta(seconds=37 * n), region, "m")
        for n, region in enumerate(["us-east-1", "us-west-2"] * 20)
    ]
    return list(reversed(records))


def test_write_trail_groups_by_region_and_slot_in_time_order(tmp_path: Path) -> None:
    records = _trail_records()
    files = ct.write_trail(records, tmp_path, ids(9))
    assert files
    seen: list[dict[str, Any]] = []
    for path in files:
        key = path.relative_to(tmp_path).as_posix()
        match = ct.OBJECT_KEY_RE.match(key)
        assert match is not None, key
        content = json.loads(gzip.decompress(path.read_bytes()))
        assert list(content) == ["Records"]
        batch = content["Records"]
        times = [r["eventTime"] for r in batch]
        assert times == sorted(times)
        assert {r["awsRegion"] for r in batch} == {match["region"]}
        stamp = datetime.strptime(match["stamp"], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
        assert all(stamp - ct.FILE_INTERVAL <= ct.parse_time(t) < stamp for t in times)
        seen += batch
    assert sorted(seen, key=lambda r: r["eventID"]) == sorted(records, key=lambda r: r["eventID"])


def test_write_trail_is_reproducible_and_splits_big_slots(tmp_path: Path) -> None:
    records = _trail_records()
    first = ct.write_trail(records, tmp_path / "a", ids(9), max_records=3)
    second = ct.write_trail(records, tmp_path / "b", ids(9), max_records=3)
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    assert max(len(json.loads(gzip.decompress(p.read_bytes()))["Records"]) for p in first) == 3


def test_encode_file_is_gzip_of_a_records_document() -> None:
    data = ct.encode_file([b'{"a":1}', b'{"b":2}'])
    assert data[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(data)) == {"Records": [{"a": 1}, {"b": 2}]}
    assert ct.encode_file([b"{}"]) == ct.encode_file([b"{}"])


def test_not_authorized_names_the_action_and_resource() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:user/openai-app-bedrock"
    failure = ct.not_authorized(arn, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/logs", code="AccessDeniedException")
    assert failure.code == "AccessDeniedException"
    assert failure.message == (
        f"User: {arn} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::{ACCOUNT}:role/logs "
        "because no identity-based policy allows the iam:PassRole action"
    )
