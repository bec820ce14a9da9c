"""Fields of the aws_cloudtrail source on realistic records (Bedrock LLMjacking and Panther test events)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.datasets import DATASETS, needs

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import ArgMode, SourceFields
from jackwatch.rules.fields.cloudtrail import cloudtrail_fields

ACCOUNT = "111122223333"
BOTO3_PROBE_UA = (
    "Boto3/1.29.7 md/Botocore#1.32.7 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.1"
    " md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.32.7"
)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
PANTHER = DATASETS / "panther-analysis-tests" / "aws_cloudtrail.jsonl"


def _user(name: str, key: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDAQXAMPLEUSERID123",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "userName": name,
    }


def _bedrock(name: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventTime": "2024-10-03T10:15:02Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestID": "8d3b5c1e-0f7a-4e8b-9d55-1c2e3f4a5b6c",
        "eventID": f"{name}-4c7e1f2a-9b3d-4e5f-8a6b-7c8d9e0f1a2b",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": "bedrock-runtime.us-east-1.amazonaws.com",
        },
    }
    record.update(fields)
    return record


INVOKE_PROBE = _bedrock(
    "InvokeModel",
    userIdentity=_user("ci-deploy", "AKIAQXAMPLE1234567"),
    sourceIPAddress="083.007.139.184",
    userAgent=BOTO3_PROBE_UA,
    errorCode="ValidationException",
    errorMessage="max_tokens_to_sample: range: 1..1,000,000",
    requestParameters={"modelId": "anthropic.claude-v2"},
    responseElements=None,
)

CONVERSE_PROFILE = _bedrock(
    "Converse",
    userIdentity={
        "type": "AssumedRole",
        "principalId": "AROAQXAMPLEROLEID123:i-0a1b2c3d4e5f67890",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/LLMGateway/i-0a1b2c3d4e5f67890",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAQXAMPLE1234567",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAQXAMPLEROLEID123",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/app/LLMGateway",
                "accountId": ACCOUNT,
                "userName": "LLMGateway",
            },
            "attributes": {"creationDate": "2024-10-03T09:00:00Z", "mfaAuthenticated": "false"},
            "ec2RoleDelivery": "2.0",
        },
    },
    awsRegion="eu-west-3",
    sourceIPAddress="2a05:d012:8b5:6501:1b3a:77f1:c9e4:a1d2",
    userAgent="aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.12.2 api/bedrock-runtime#3.600.0",
    requestParameters={"modelId": "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"},
    responseElements=None,
)

AVAILABILITY_FROM_CHROME = _bedrock(
    "GetFoundationModelAvailability",
    userIdentity=_user("ci-deploy", "AKIAQXAMPLE1234567"),
    awsRegion="us-west-2",
    sourceIPAddress="194.48.248.108",
    userAgent=CHROME,
    requestParameters={"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"},
    responseElements=None,
)

BEARER_TOKEN_CALL = _bedrock(
    "InvokeModelWithResponseStream",
    userIdentity=_user("BedrockAPIKey-q7mz", "ASIAQXAMPLEBEARER12"),
    sourceIPAddress="180.191.12.34",
    userAgent="Python/3.11 aiohttp/3.9.5",
    requestParameters={
        "modelId": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0"
    },
    additionalEventData={"callWithBearerToken": True},
    responseElements=None,
)

ROOT_CONSOLE_LOGIN = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
    },
    "eventTime": "2024-10-03T08:00:00Z",
    "eventSource": "signin.amazonaws.com",
    "eventName": "ConsoleLogin",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "2a01:4f8:c17:1234::1",
    "userAgent": CHROME,
    "requestParameters": None,
    "responseElements": {"ConsoleLogin": "Success"},
    "additionalEventData": {
        "LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No",
        "MFAUsed": "No",
    },
    "eventID": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    "readOnly": False,
    "eventType": "AwsConsoleSignIn",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
    "eventCategory": "Management",
}

S3_GET_OBJECT = {
    "eventVersion": "1.09",
    "userIdentity": _user("etl", "AKIAQXAMPLEETL12345"),
    "eventTime": "2024-10-03T11:00:00Z",
    "eventSource": "s3.amazonaws.com",
    "eventName": "GetObject",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "10.0.12.7",
    "userAgent": "[aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.amzn.2023 command/s3.cp]",
    "requestParameters": {
        "bucketName": "prod-models",
        "Host": "prod-models.s3.us-east-1.amazonaws.com",
        "key": "weights/model.safetensors",
    },
    "responseElements": None,
    "additionalEventData": {"bytesTransferredIn": 0.0, "bytesTransferredOut": 1048576.0, "x-amz-id-2": "abc"},
    "requestID": "REQ1",
    "eventID": "e-s3-1",
    "readOnly": True,
    "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::prod-models/weights/model.safetensors"}],
    "eventType": "AwsApiCall",
    "managementEvent": False,
    "recipientAccountId": ACCOUNT,
    "vpcEndpointId": "vpce-0a1b2c3d",
    "eventCategory": "Data",
}

# Trimmed from panther-labs/panther-analysis rule tests (Apache-2.0): RunInstances and ECR PutImage.
RUN_INSTANCES = {
    "awsRegion": "us-east-1",
    "eventID": "015c585b-cbc2-4f9e-9c52-a2f22f3c09f4",
    "eventName": "RunInstances",
    "eventSource": "ec2.amazonaws.com",
    "eventTime": "2022-10-20 14:16:43",
    "eventType": "AwsApiCall",
    "readOnly": False,
    "recipientAccountId": "123123123123",
    "sourceIPAddress": "AWS Internal",
    "userAgent": "AWS Internal",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROA5PZQZ5QHAW6RFPO5:temp_user",
        "arn": "arn:aws:sts::123123123123:assumed-role/DevAdministrator/temp_user",
        "accountId": "123123123123",
        "accessKeyId": "ASIA5PZQZ5QHAW6RFPO5",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "arn": "arn:aws:iam::123123123123:role/DevAdministrator",
                "userName": "DevAdministrator",
            }
        },
    },
    "sessionCredentialFromConsole": "true",
    "requestParameters": {
        "instanceType": "t1.micro",
        "placement": {"availabilityZone": "us-east-1a"},
        "instancesSet": {
            "items": [{"imageId": "ami-026b57f3c383c2eec", "keyName": "kp1", "maxCount": 1, "minCount": 1}]
        },
        "tagSpecificationSet": {
            "items": [
                {"resourceType": "volume", "tags": [{"key": "Name", "value": "vol"}]},
                {
                    "resourceType": "instance",
                    "tags": [{"key": "team", "value": "ml"}, {"key": "Name", "value": "test2"}],
                },
            ]
        },
    },
    "responseElements": {
        "reservationId": "r-0c5b4d6e7f8a9b0c1",
        "instancesSet": {
            "items": [
                {"imageId": "ami-026b57f3c383c2eec", "instanceId": "i-0d7e4b9be8a0de6ea", "subnetId": "subnet-0a1b2c3d"}
            ]
        },
    },
}

PUT_IMAGE = {
    "eventVersion": "1.04",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE:account_name",
        "arn": "arn:aws:sts::123456789012:user/Mary_Major",
        "accountId": "123456789012",
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": "Mary_Major",
    },
    "eventTime": "2019-04-15T16:45:00Z",
    "eventSource": "ecr.amazonaws.com",
    "eventName": "PutImage",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "203.0.113.12",
    "userAgent": "console.amazonaws.com",
    "requestParameters": {"repositoryName": "testrepo", "imageTag": "latest", "registryId": "123456789012"},
}


@pytest.fixture(scope="module")
def fields() -> SourceFields:
    return cloudtrail_fields(AsnDb.load())


def event(raw: Mapping[str, Any]) -> Event:
    name = raw.get("eventName")
    return Event("aws_cloudtrail", name if isinstance(name, str) else "", datetime(2024, 10, 3, tzinfo=UTC), "id", raw)


def read(fields: SourceFields, raw: Mapping[str, Any], name: str, arg: str | None = None) -> object:
    return fields.fields[name].extract(event(raw), arg)


def test_source_contract(fields: SourceFields) -> None:
    assert fields.source == "aws_cloudtrail"
    assert fields.name_field == "ct.name"
    assert all(name == field.name and field.doc.strip() for name, field in fields.fields.items())
    assert fields.fields["json.value"].arg is ArgMode.REQUIRED


def test_every_plugin_field_used_by_falco_rules_exists(fields: SourceFields) -> None:
    used = {
        "ct.region",
        "ct.name",
        "ct.error",
        "ct.srcip",
        "ct.user",
        "ct.user.identitytype",
        "s3.bucket",
        "ct.request.functionname",
        "ct.src",
        "ct.response.subnetid",
        "ct.response.reservationid",
        "ct.request.username",
        "ct.request.taskdefinition",
        "ct.request.name",
        "ct.request.groupname",
        "ct.request.cluster",
        "ct.request.availabilityzone",
        "ct.user.principalid",
        "ct.user.arn",
        "ct.request.servicename",
        "ct.request.serialnumber",
        "ct.request.policy",
        "ct.request.host",
        "ct.id",
        "json.value",
    }
    assert used <= fields.fields.keys()


# --------------------------------------------------------------------------------------------- ct.*


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ct.id", "InvokeModel-4c7e1f2a-9b3d-4e5f-8a6b-7c8d9e0f1a2b"),
        ("ct.name", "InvokeModel"),
        ("ct.error", "ValidationException"),
        ("ct.errormessage", "max_tokens_to_sample: range: 1..1,000,000"),
        ("ct.time", "2024-10-03T10:15:02Z"),
        ("ct.src", "bedrock.amazonaws.com"),
        ("ct.shortsrc", "bedrock"),
        ("ct.region", "us-east-1"),
        ("ct.useragent", BOTO3_PROBE_UA),
        ("ct.requestid", "8d3b5c1e-0f7a-4e8b-9d55-1c2e3f4a5b6c"),
        ("ct.eventtype", "AwsApiCall"),
        ("ct.eventcategory", "Management"),
        ("ct.recipientaccountid", ACCOUNT),
        ("ct.managementevent", "true"),
        ("ct.readonly", "true"),
        ("ct.user", "ci-deploy"),
        ("ct.user.accountid", ACCOUNT),
        ("ct.user.identitytype", "IAMUser"),
        ("ct.user.principalid", "AIDAQXAMPLEUSERID123"),
        ("ct.user.arn", f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"),
        ("ct.srcip", "083.007.139.184"),
        ("ct.srcdomain", None),
        ("ct.request", '{"modelId":"anthropic.claude-v2"}'),
        ("ct.response", "null"),
        ("ct.resources", None),
        ("ct.additionaleventdata", None),
        ("ct.tlsdetails.tlsversion", "TLSv1.3"),
        ("ct.tlsdetails.ciphersuite", "TLS_AES_128_GCM_SHA256"),
        ("ct.tlsdetails.clientprovidedhostheader", "bedrock-runtime.us-east-1.amazonaws.com"),
        ("ct.info", "us-east-1 ci-deploy InvokeModel Error=ValidationException"),
        ("ct.apiversion", None),
        ("ct.vpcendpointid", None),
        ("ct.sessioncredentialfromconsole", None),
        ("s3.bucket", None),
        ("s3.uri", None),
        ("s3.bytes", None),
        ("s3.cnt.get", 0),
        ("s3.cnt.put", 0),
        ("s3.cnt.other", 1),
        ("ec2.name", None),
        ("ecr.repository", None),
    ],
)
def test_plugin_fields_on_an_invoke_probe(fields: SourceFields, name: str, expected: object) -> None:
    assert read(fields, INVOKE_PROBE, name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("s3.bucket", "prod-models"),
        ("s3.key", "weights/model.safetensors"),
        ("s3.uri", "s3://prod-models/weights/model.safetensors"),
        ("s3.bytes", 1048576),
        ("s3.bytes.in", 0),
        ("s3.bytes.out", 1048576),
        ("s3.cnt.get", 1),
        ("s3.cnt.put", 0),
        ("s3.cnt.other", 0),
        ("ct.request.host", "prod-models.s3.us-east-1.amazonaws.com"),
        ("ct.vpcendpointid", "vpce-0a1b2c3d"),
        ("ct.eventcategory", "Data"),
        ("ct.managementevent", "false"),
        ("ct.resources", '[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::prod-models/weights/model.safetensors"}]'),
        ("ct.info", "us-east-1 etl GetObject s3://prod-models/weights/model.safetensors Size=1048576"),
        ("ct.srcip", "10.0.12.7"),
    ],
)
def test_s3_fields(fields: SourceFields, name: str, expected: object) -> None:
    assert read(fields, S3_GET_OBJECT, name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ct.user", "DevAdministrator"),
        ("ct.srcip", None),
        ("ct.srcdomain", "AWS Internal"),
        ("ct.readonly", "false"),
        ("ct.sessioncredentialfromconsole", "true"),
        ("ct.request.availabilityzone", "us-east-1a"),
        ("ct.response.reservationid", "r-0c5b4d6e7f8a9b0c1"),
        ("ct.response.subnetid", "subnet-0a1b2c3d"),
        ("ec2.name", "test2"),
        ("ec2.imageid", "ami-026b57f3c383c2eec"),
        ("ct.time", "2022-10-20 14:16:43"),
        ("ct.shortsrc", "ec2"),
    ],
)
def test_ec2_fields(fields: SourceFields, name: str, expected: object) -> None:
    assert read(fields, RUN_INSTANCES, name) == expected


def test_ecr_fields(fields: SourceFields) -> None:
    assert read(fields, PUT_IMAGE, "ecr.repository") == "testrepo"
    assert read(fields, PUT_IMAGE, "ecr.imagetag") == "latest"
    assert read(fields, PUT_IMAGE, "ct.error") is None
    assert read(fields, PUT_IMAGE, "ct.id") is None


def test_request_fields_read_their_parameter(fields: SourceFields) -> None:
    raw = {
        "eventName": "CreateService",
        "eventSource": "ecs.amazonaws.com",
        "requestParameters": {
            "cluster": "prod",
            "serviceName": "api",
            "taskDefinition": "api:42",
            "functionName": "fn",
            "groupName": "admins",
            "name": "thing",
            "policy": '{"Version":"2012-10-17"}',
            "serialNumber": "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
            "userName": "AWS ROOT USER",
            "subnetId": "subnet-1",
        },
    }
    expected = {
        "ct.request.cluster": "prod",
        "ct.request.servicename": "api",
        "ct.request.taskdefinition": "api:42",
        "ct.request.functionname": "fn",
        "ct.request.groupname": "admins",
        "ct.request.name": "thing",
        "ct.request.policy": '{"Version":"2012-10-17"}',
        "ct.request.serialnumber": "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
        "ct.request.username": "AWS ROOT USER",
        "ct.request.subnetid": "subnet-1",
        "ct.shortsrc": "ecs",
    }
    assert {name: read(fields, raw, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "userName": "acme"}, "acme"),
        ({"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root"}, ""),
        ({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}, "lambda.amazonaws.com"),
        ({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/s"}, "AssumedRole"),
        ({"type": "FederatedUser", "arn": "arn:aws:sts::1:federated-user/bob"}, "FederatedUser"),
        ({"type": "AWSAccount", "accountId": "444455556666"}, "AWSAccount"),
        ({"userName": "legacy"}, "legacy"),
        ({}, ""),
        (None, ""),
    ],
)
def test_ct_user_follows_the_plugin(fields: SourceFields, identity: object, expected: str) -> None:
    assert read(fields, {"eventName": "X", "userIdentity": identity}, "ct.user") == expected


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("/responseElements/ConsoleLogin", "Success"),
        ("/additionalEventData/MFAUsed", "No"),
        ("/userIdentity/type", "Root"),
        ("/readOnly", "false"),
        ("/managementEvent", "true"),
        ("/requestParameters", "null"),
        ("/responseElements", '{"ConsoleLogin":"Success"}'),
        ("/missing", None),
        ("/responseElements/ConsoleLogin/deeper", None),
        ("userIdentity/type", None),
    ],
)
def test_json_value(fields: SourceFields, pointer: str, expected: str | None) -> None:
    assert read(fields, ROOT_CONSOLE_LOGIN, "json.value", pointer) == expected


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("/a~1b/c~0d", "slash-tilde"),
        ("/list/1/n", "2"),
        ("/list/01/n", None),
        ("/list/-", None),
        ("/list/9", None),
        ("/list/x", None),
        ("/list/²", None),
        ("/f", "1.5"),
        ("/list", '[{"n":1},{"n":2}]'),
        ("/", "empty key"),
        ("/big", str(2**70)),
        ("", None),
    ],
)
def test_json_pointer_details(fields: SourceFields, pointer: str, expected: str | None) -> None:
    raw = {
        "eventName": "X",
        "a/b": {"c~d": "slash-tilde"},
        "list": [{"n": 1}, {"n": 2}],
        "f": 1.5,
        "": "empty key",
        "big": 2**70,
    }
    value = read(fields, raw, "json.value", pointer)
    if pointer == "":
        assert isinstance(value, str) and json.loads(value)["f"] == 1.5
    else:
        assert value == expected


def test_falco_console_login_without_mfa_matches_the_root_login(fields: SourceFields) -> None:
    # The plugin's "Console Login Without MFA" condition, read field by field.
    ev = event(ROOT_CONSOLE_LOGIN)
    get = fields.fields
    assert get["ct.name"].extract(ev, None) == "ConsoleLogin"
    assert get["ct.error"].extract(ev, None) is None
    assert get["ct.user.identitytype"].extract(ev, None) == "Root"
    assert get["json.value"].extract(ev, "/responseElements/ConsoleLogin") == "Success"
    assert get["json.value"].extract(ev, "/additionalEventData/MFAUsed") == "No"


def test_falco_event_fields(fields: SourceFields) -> None:
    ev = Event("aws_cloudtrail", "GetObject", datetime(2024, 10, 3, 10, 15, 2, 123456, tzinfo=UTC), "id", S3_GET_OBJECT)
    found = {name: field.extract(ev, None) for name, field in fields.fields.items() if name.startswith("evt.")}
    assert found == {
        "evt.source": "aws_cloudtrail",
        "evt.pluginname": "cloudtrail",
        "evt.plugininfo": "us-east-1 etl GetObject s3://prod-models/weights/model.safetensors Size=1048576",
        "evt.num": None,
        "evt.time": "10:15:02.123456000",
        "evt.time.s": "10:15:02",
        "evt.time.iso8601": "2024-10-03T10:15:02.123456000Z",
        "evt.datetime": "2024-10-03 10:15:02.123456000",
        "evt.datetime.s": "2024-10-03 10:15:02",
        "evt.rawtime": 1727950502123456000,
        "evt.rawtime.s": 1727950502,
        "evt.rawtime.ns": 123456000,
    }


# -------------------------------------------------------------------------------------------- aws.*


def _aws(fields: SourceFields, raw: Mapping[str, Any]) -> dict[str, object]:
    ev = event(raw)
    return {name: field.extract(ev, None) for name, field in fields.fields.items() if name.startswith("aws.")}


def test_aws_fields_on_the_invoke_probe(fields: SourceFields) -> None:
    assert _aws(fields, INVOKE_PROBE) == {
        "aws.principal": f"arn:aws:iam::{ACCOUNT}:user/ci-deploy",
        "aws.principal.kind": "iam_user",
        "aws.principal.name": "ci-deploy",
        "aws.principal.session": None,
        "aws.access_key_id": "AKIAQXAMPLE1234567",
        "aws.credential_kind": "long_term",
        "aws.account": ACCOUNT,
        "aws.region": "us-east-1",
        "aws.source_ip": "83.7.139.184",
        "aws.source_service": None,
        "aws.asn": "AS5617",
        "aws.as_org": "Orange Polska Spolka Akcyjna",
        "aws.user_agent_family": "aws_sdk",
        "aws.error": "ValidationException",
        "aws.error_class": "validation",
        "aws.success": False,
        "aws.model_id": "anthropic.claude-v2",
        "aws.model_vendor": "anthropic",
        "aws.model_profile": None,
        "aws.model_kind": "foundation_model",
        "aws.bearer_token": False,
        "aws.is_bedrock": True,
        "aws.console_session": False,
    }


def test_aws_fields_on_a_converse_with_an_inference_profile(fields: SourceFields) -> None:
    found = _aws(fields, CONVERSE_PROFILE)
    assert found["aws.principal"] == f"arn:aws:iam::{ACCOUNT}:role/app/LLMGateway"
    assert found["aws.principal.kind"] == "assumed_role"
    assert found["aws.principal.session"] == "i-0a1b2c3d4e5f67890"
    assert found["aws.credential_kind"] == "temporary"
    assert found["aws.region"] == "eu-west-3"
    assert found["aws.source_ip"] == "2a05:d012:8b5:6501:1b3a:77f1:c9e4:a1d2"
    assert found["aws.asn"] == "AS16509"
    assert found["aws.model_id"] == "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert found["aws.model_profile"] == "eu"
    assert found["aws.model_kind"] == "inference_profile"
    assert (found["aws.success"], found["aws.error"], found["aws.error_class"]) == (True, None, None)


def test_aws_fields_on_a_console_only_api_from_chrome_with_a_long_term_key(fields: SourceFields) -> None:
    found = _aws(fields, AVAILABILITY_FROM_CHROME)
    assert found["aws.user_agent_family"] == "browser"
    assert found["aws.credential_kind"] == "long_term"
    assert found["aws.console_session"] is False
    assert (found["aws.asn"], found["aws.as_org"]) == ("AS200019", "ALEXHOST SRL")


def test_aws_fields_on_a_bearer_token_call(fields: SourceFields) -> None:
    found = _aws(fields, BEARER_TOKEN_CALL)
    assert found["aws.bearer_token"] is True
    assert found["aws.credential_kind"] == "bedrock_api_key"
    assert found["aws.principal"] == f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-q7mz"
    assert found["aws.principal.name"] == "BedrockAPIKey-q7mz"
    assert found["aws.user_agent_family"] == "http_library"
    assert found["aws.model_id"] == "anthropic.claude-3-sonnet-20240229-v1:0"


def test_aws_fields_on_a_root_console_login(fields: SourceFields) -> None:
    found = _aws(fields, ROOT_CONSOLE_LOGIN)
    assert found["aws.principal"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert found["aws.principal.kind"] == "root"
    assert found["aws.credential_kind"] == "console"
    assert found["aws.console_session"] is True
    assert found["aws.is_bedrock"] is False
    assert found["aws.asn"] == "AS24940"
    assert found["aws.model_id"] is None


def test_aws_fields_on_a_service_source_and_private_ip(fields: SourceFields) -> None:
    service = _aws(fields, RUN_INSTANCES)
    assert (service["aws.source_ip"], service["aws.source_service"], service["aws.asn"]) == (None, "AWS Internal", None)
    assert service["aws.console_session"] is True
    private = _aws(fields, S3_GET_OBJECT)
    assert (private["aws.source_ip"], private["aws.asn"], private["aws.as_org"]) == ("10.0.12.7", None, None)
    assert private["aws.user_agent_family"] == "aws_cli"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("bedrock.amazonaws.com", True),
        ("bedrock-runtime.amazonaws.com", True),
        ("bedrock-mantle.amazonaws.com", True),
        ("bedrock-agent.amazonaws.com", True),
        ("bedrockish.amazonaws.com", False),
        ("s3.amazonaws.com", False),
        (None, False),
    ],
)
def test_is_bedrock(fields: SourceFields, source: str | None, expected: bool) -> None:
    assert read(fields, {"eventName": "X", "eventSource": source}, "aws.is_bedrock") is expected


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("AccessDenied", "access_denied"),
        ("Client.UnauthorizedOperation", "access_denied"),
        ("ThrottlingException", "throttling"),
    ],
)
def test_error_fields(fields: SourceFields, code: str, error_class: str) -> None:
    raw = dict(INVOKE_PROBE, errorCode=code)
    assert (read(fields, raw, "aws.error"), read(fields, raw, "aws.error_class"), read(fields, raw, "aws.success")) == (
        code,
        error_class,
        False,
    )


# ------------------------------------------------------------------------------ principal, evidence


def test_principal_and_evidence(fields: SourceFields) -> None:
    ev = event(AVAILABILITY_FROM_CHROME)
    assert fields.principal(ev) == f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"
    assert fields.evidence(ev) == {
        "region": "us-west-2",
        "source_ip": "194.48.248.108",
        "asn": "AS200019 ALEXHOST SRL",
        "user_agent": CHROME,
        "access_key_id": "AKIAQXAMPLE1234567",
        "model": "anthropic.claude-3-sonnet-20240229-v1:0",
    }


def test_evidence_omits_what_the_event_lacks_and_truncates_the_user_agent(fields: SourceFields) -> None:
    raw = {"eventName": "X", "sourceIPAddress": "AWS Internal", "userAgent": "x" * 500}
    assert fields.evidence(event(raw)) == {"source_ip": "AWS Internal", "user_agent": "x" * 200}
    assert fields.principal(event(raw)) == "unknown"
    assert fields.evidence(event({"eventName": "X", "sourceIPAddress": "  ", "userAgent": " "})) == {}


def test_normalised_values_are_computed_once_per_event(fields: SourceFields) -> None:
    raw = copy.deepcopy(INVOKE_PROBE)
    ev = event(raw)
    assert fields.fields["aws.asn"].extract(ev, None) == "AS5617"
    assert fields.fields["aws.principal"].extract(ev, None) == f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"
    raw["sourceIPAddress"] = "1.1.1.1"
    raw["userIdentity"]["arn"] = f"arn:aws:iam::{ACCOUNT}:user/changed"
    assert fields.fields["aws.asn"].extract(ev, None) == "AS5617"
    assert fields.fields["aws.principal"].extract(ev, None) == f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"
    assert {"aws.principal", "aws.source_ip", "aws.asn"} <= ev.memo.keys()


# fields the compact copy kept by stateful rules cannot answer: request and response bodies, record details
DROPPED_BY_RETAIN = (
    "ct.request",
    "ct.response",
    "ct.resources",
    "ct.serviceeventdetails",
    "ct.edgedevicedetails",
    "ct.addendum.",
    "ct.tlsdetails.",
    "ct.apiversion",
    "ct.sharedeventid",
    "ct.vpcendpointid",
    "ct.eventcategory",
    "ct.readonly",
    "ct.managementevent",
    "ct.info",
    "evt.plugininfo",
    "s3.",
    "ec2.",
    "ecr.",
)


def assert_retained_alike(fields: SourceFields, raw: Mapping[str, Any]) -> None:
    """The kept copy of an event answers principal, evidence and every other field as the event does."""
    assert fields.retain is not None
    original = event(raw)
    kept = fields.retain(original)
    assert fields.retain(original) is kept
    assert not kept.memo  # what findings read of it is derived again, from what it keeps
    assert (kept.id, kept.time, kept.name, kept.source) == (original.id, original.time, original.name, original.source)
    fresh = event(raw)
    for name, item in fields.fields.items():
        if item.arg is ArgMode.NONE and not name.startswith(DROPPED_BY_RETAIN):
            assert item.extract(kept, None) == item.extract(fresh, None), name
    assert fields.principal(kept) == fields.principal(fresh)
    assert fields.evidence(kept) == fields.evidence(fresh)


@pytest.mark.parametrize(
    "raw", [INVOKE_PROBE, CONVERSE_PROFILE, AVAILABILITY_FROM_CHROME, BEARER_TOKEN_CALL, ROOT_CONSOLE_LOGIN]
)
def test_retained_copies_answer_like_the_event(fields: SourceFields, raw: Mapping[str, Any]) -> None:
    assert_retained_alike(fields, raw)


def test_retained_copies_leave_out_bodies_and_session_details(fields: SourceFields) -> None:
    assert fields.retain is not None
    kept = fields.retain(event(CONVERSE_PROFILE)).raw
    assert not {"responseElements", "tlsDetails", "requestID"} & kept.keys()
    assert kept["requestParameters"] == {"modelId": "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"}
    assert kept["userIdentity"]["sessionContext"] == {
        "sessionIssuer": CONVERSE_PROFILE["userIdentity"]["sessionContext"]["sessionIssuer"]
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"eventName": "X"},
        {"eventName": "X", "userIdentity": "root", "requestParameters": "bad", "responseElements": [1, 2]},
        {"eventName": "X", "additionalEventData": ["x"], "tlsDetails": 5, "sourceIPAddress": 12, "userAgent": {}},
        {"eventName": "X", "additionalEventData": {"bytesTransferredIn": float("inf"), "bytesTransferredOut": "²"}},
        {"eventName": "X", "additionalEventData": {"bytesTransferredIn": float("nan"), "bytesTransferredOut": True}},
        {
            "eventName": "X",
            "requestParameters": {"instancesSet": {"items": "x"}, "tagSpecificationSet": {"items": [1, {"tags": 3}]}},
        },
    ],
)
def test_malformed_records_never_raise(fields: SourceFields, raw: dict[str, Any]) -> None:
    ev = event(raw)
    for name, field in fields.fields.items():
        value = field.extract(ev, "/a" if name == "json.value" else None)
        assert value is None or type(value) in (str, int, bool)
    assert isinstance(fields.principal(ev), str)
    assert all(isinstance(value, str) for value in fields.evidence(ev).values())


@needs(PANTHER)
def test_every_field_on_the_panther_corpus(fields: SourceFields) -> None:
    records = [json.loads(line)["log"] for line in PANTHER.read_text().splitlines()]
    assert len(records) > 500
    seen: set[str] = set()
    for raw in records:
        ev = event(raw)
        for name, field in fields.fields.items():
            value = field.extract(ev, "/userIdentity/type" if name == "json.value" else None)
            assert value is None or type(value) in (str, int, bool), (name, value)
            if value is not None:
                seen.add(name)
        principal = fields.principal(ev)
        assert principal and isinstance(principal, str)
        assert all(isinstance(value, str) and value for value in fields.evidence(ev).values())
    assert {"ct.user.arn", "s3.bytes", "ec2.imageid", "ecr.repository", "aws.asn", "aws.source_service"} <= seen


@needs(PANTHER)
def test_retained_copies_answer_like_the_event_on_the_panther_corpus(fields: SourceFields) -> None:
    for line in PANTHER.read_text().splitlines():
        assert_retained_alike(fields, json.loads(line)["log"])
