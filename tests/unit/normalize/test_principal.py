"""Stable principals and credential kinds from CloudTrail userIdentity blocks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.normalize import CredentialKind, Principal, PrincipalKind, principal_from_record

ACCOUNT = "111122223333"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0"
BOTO3 = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.11.6 Botocore/1.34.0"


def record(identity: object, **extra: Any) -> dict[str, Any]:
    """A Bedrock CloudTrail record around ``identity``."""
    base: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventTime": "2024-10-03T10:00:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "194.48.248.108",
        "userAgent": BOTO3,
        "requestParameters": {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"},
        "recipientAccountId": ACCOUNT,
        "userIdentity": identity,
    }
    base.update(extra)
    return base


def role_identity(
    role: str = "app/LLMGateway", session: str = "i-0abc123", key: str = "ASIAQXAMPLE1234567"
) -> dict[str, Any]:
    name = role.rpartition("/")[2]
    return {
        "type": "AssumedRole",
        "principalId": f"AROAQXAMPLEROLEID123:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAQXAMPLEROLEID123",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": name,
            },
            "attributes": {"creationDate": "2024-10-03T09:58:00Z", "mfaAuthenticated": "false"},
            "ec2RoleDelivery": "2.0",
        },
    }


def user_identity(name: str = "ci-deploy", key: str | None = "AKIAQXAMPLE1234567") -> dict[str, Any]:
    identity = {
        "type": "IAMUser",
        "principalId": "AIDAQXAMPLEUSERID123",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "userName": name,
    }
    if key is not None:
        identity["accessKeyId"] = key
    return identity


def test_iam_user_with_long_term_key() -> None:
    found = principal_from_record(record(user_identity(), userAgent=CHROME))
    assert found == Principal(
        id=f"arn:aws:iam::{ACCOUNT}:user/ci-deploy",
        kind=PrincipalKind.IAM_USER,
        account=ACCOUNT,
        name="ci-deploy",
        session=None,
        access_key_id="AKIAQXAMPLE1234567",
        credential_kind=CredentialKind.LONG_TERM,
    )


def test_iam_user_without_arn_gets_one_from_account_and_name() -> None:
    identity = {"type": "IAMUser", "principalId": "AIDAX", "accountId": ACCOUNT, "userName": "alice"}
    assert principal_from_record(record(identity)).id == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_assumed_role_rolls_up_to_the_role_with_its_path() -> None:
    found = principal_from_record(record(role_identity()))
    assert found.id == f"arn:aws:iam::{ACCOUNT}:role/app/LLMGateway"
    assert (found.kind, found.name, found.session) == (PrincipalKind.ASSUMED_ROLE, "LLMGateway", "i-0abc123")
    assert found.credential_kind is CredentialKind.TEMPORARY


def test_assumed_role_without_issuer_is_derived_from_the_session_arn() -> None:
    identity = {
        "type": "AssumedRole",
        "principalId": "AROAQXAMPLEROLEID123:build-42",
        "arn": "arn:aws-cn:sts::111122223333:assumed-role/CodeBuild/build-42",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAQXAMPLE1234567",
    }
    found = principal_from_record(record(identity))
    assert found.id == "arn:aws-cn:iam::111122223333:role/CodeBuild"
    assert (found.name, found.session) == ("CodeBuild", "build-42")


def test_assumed_role_with_only_a_principal_id_uses_the_role_id() -> None:
    identity = {"type": "AssumedRole", "principalId": "AROAQXAMPLEROLEID123:sess"}
    found = principal_from_record(record(identity))
    assert (found.id, found.session, found.credential_kind) == ("AROAQXAMPLEROLEID123", "sess", CredentialKind.UNKNOWN)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789=,.@-_", min_size=2, max_size=64))
def test_every_session_of_a_role_has_the_same_principal(session: str) -> None:
    found = principal_from_record(record(role_identity(session=session)))
    assert found.id == f"arn:aws:iam::{ACCOUNT}:role/app/LLMGateway"
    assert found.session == session


def test_console_session_flag() -> None:
    found = principal_from_record(record(role_identity(), sessionCredentialFromConsole="true", userAgent=CHROME))
    assert found.credential_kind is CredentialKind.CONSOLE


def test_temporary_key_with_console_user_agent_is_a_console_session() -> None:
    found = principal_from_record(record(role_identity(), userAgent="AWS Internal"))
    assert found.credential_kind is CredentialKind.CONSOLE


def test_long_term_key_from_a_browser_is_not_a_console_session() -> None:
    found = principal_from_record(record(user_identity(), userAgent=CHROME))
    assert found.credential_kind is CredentialKind.LONG_TERM


def test_root_console_login() -> None:
    found = principal_from_record(
        {
            "eventName": "ConsoleLogin",
            "eventType": "AwsConsoleSignIn",
            "eventSource": "signin.amazonaws.com",
            "userIdentity": {
                "type": "Root",
                "principalId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:root",
                "accountId": ACCOUNT,
            },
            "userAgent": CHROME,
        }
    )
    assert found == Principal(
        f"arn:aws:iam::{ACCOUNT}:root", PrincipalKind.ROOT, ACCOUNT, "root", None, None, CredentialKind.CONSOLE
    )


def test_root_access_key_is_long_term() -> None:
    identity = {"type": "Root", "principalId": ACCOUNT, "accountId": ACCOUNT, "accessKeyId": "AKIAQXAMPLEROOT1234"}
    found = principal_from_record(record(identity))
    assert (found.id, found.credential_kind) == (f"arn:aws:iam::{ACCOUNT}:root", CredentialKind.LONG_TERM)


def test_federated_user_rolls_up_to_the_issuing_user() -> None:
    identity = {
        "type": "FederatedUser",
        "principalId": f"{ACCOUNT}:proxy-1",
        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/proxy-1",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAQXAMPLEFED12345",
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": "AIDAQXAMPLEUSERID123",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/ci-deploy",
                "accountId": ACCOUNT,
                "userName": "ci-deploy",
            }
        },
    }
    found = principal_from_record(record(identity))
    assert (found.id, found.kind, found.name, found.session) == (
        f"arn:aws:iam::{ACCOUNT}:user/ci-deploy",
        PrincipalKind.FEDERATED_USER,
        "ci-deploy",
        "proxy-1",
    )


def test_federated_user_without_issuer_keeps_its_arn() -> None:
    identity = {"type": "FederatedUser", "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob", "accountId": ACCOUNT}
    found = principal_from_record(record(identity))
    assert (found.id, found.session) == (f"arn:aws:sts::{ACCOUNT}:federated-user/bob", "bob")


def test_aws_service() -> None:
    found = principal_from_record(record({"type": "AWSService", "invokedBy": "bedrock.amazonaws.com"}))
    assert (found.id, found.kind, found.credential_kind) == (
        "bedrock.amazonaws.com",
        PrincipalKind.AWS_SERVICE,
        CredentialKind.AWS_SERVICE,
    )


def test_aws_account() -> None:
    identity = {"type": "AWSAccount", "accountId": "444455556666", "principalId": "AROAQXAMPLEOTHER:lambda-name"}
    found = principal_from_record(record(identity))
    assert (found.id, found.session, found.account) == ("account:444455556666", "lambda-name", "444455556666")


def test_identity_center_user() -> None:
    identity = {
        "type": "IdentityCenterUser",
        "accountId": ACCOUNT,
        "onBehalfOf": {
            "userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
            "identityStoreArn": f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067642ac7",
        },
        "credentialId": "EXAMPLEcredential",
    }
    found = principal_from_record(record(identity))
    assert (
        found.id
        == f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067642ac7/user/544894e8-80c1-707f-60e3-3ba6510dfac1"
    )
    assert found.kind is PrincipalKind.IDENTITY_CENTER_USER


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (
            {
                "type": "SAMLUser",
                "principalId": "Zqjhv6c6n0oCZqSpYxXx9bRuAgs=:alice@example.com",
                "userName": "alice@example.com",
                "identityProvider": "Zqjhv6c6n0oCZqSpYxXx9bRuAgs=",
            },
            "saml:Zqjhv6c6n0oCZqSpYxXx9bRuAgs=:alice@example.com",
        ),
        (
            {
                "type": "WebIdentityUser",
                "principalId": "accounts.google.com:app.apps.googleusercontent.com:1234",
                "userName": "1234",
                "identityProvider": "accounts.google.com",
            },
            "web-identity:accounts.google.com:1234",
        ),
        ({"type": "Unknown", "principalId": "AIDAQXAMPLE", "userName": "victim"}, "unknown:AIDAQXAMPLE"),
        ({"arn": f"arn:aws:iam::{ACCOUNT}:user/no-type"}, f"arn:aws:iam::{ACCOUNT}:user/no-type"),
        ({}, "unknown"),
    ],
)
def test_other_identity_types(identity: dict[str, str], expected: str) -> None:
    assert principal_from_record(record(identity)).id == expected


def test_type_is_inferred_from_the_arn_when_missing() -> None:
    identity = {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/bob", "accessKeyId": "ASIAQXAMPLE1234567"}
    found = principal_from_record(record(identity))
    assert (found.kind, found.id, found.session) == (
        PrincipalKind.ASSUMED_ROLE,
        f"arn:aws:iam::{ACCOUNT}:role/Admin",
        "bob",
    )


def test_bedrock_api_key_bearer_token() -> None:
    identity = user_identity("BedrockAPIKey-q7mz", key="ASIAQXAMPLEBEARER12")
    found = principal_from_record(record(identity, additionalEventData={"callWithBearerToken": True}))
    assert found.id == f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-q7mz"
    assert found.credential_kind is CredentialKind.BEDROCK_API_KEY


def test_short_term_bedrock_api_key_keeps_the_role_as_principal() -> None:
    found = principal_from_record(record(role_identity(), additionalEventData={"callWithBearerToken": "true"}))
    assert found.id == f"arn:aws:iam::{ACCOUNT}:role/app/LLMGateway"
    assert found.credential_kind is CredentialKind.BEDROCK_API_KEY


def test_absk_key_is_a_bedrock_api_key() -> None:
    found = principal_from_record(record(user_identity("BedrockAPIKey-q7mz", key="ABSKQmVkcm9ja0FQSUtleS1x")))
    assert found.credential_kind is CredentialKind.BEDROCK_API_KEY


def test_phantom_user_without_key_is_a_bedrock_api_key_but_with_an_access_key_is_long_term() -> None:
    assert (
        principal_from_record(record(user_identity("BedrockAPIKey-q7mz", key=None))).credential_kind
        is CredentialKind.BEDROCK_API_KEY
    )
    assert (
        principal_from_record(record(user_identity("BedrockAPIKey-q7mz"))).credential_kind is CredentialKind.LONG_TERM
    )


@pytest.mark.parametrize("identity", [None, "IAMUser", ["a"], 3])
def test_missing_or_malformed_identity_is_unknown(identity: object) -> None:
    found = principal_from_record(record(identity))
    assert found == Principal("unknown", PrincipalKind.UNKNOWN, None, None, None, None, CredentialKind.NONE)


def test_wrongly_typed_identity_fields_are_ignored() -> None:
    identity = {"type": "IAMUser", "arn": 5, "userName": ["x"], "accountId": None, "accessKeyId": 7}
    found = principal_from_record(record(identity))
    assert (found.id, found.access_key_id, found.credential_kind) == ("unknown", None, CredentialKind.UNKNOWN)
