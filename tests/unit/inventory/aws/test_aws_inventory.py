"""The AWS inventory read through boto3 from moto in server mode, with the gate answering what moto lacks (Bedrock
API keys, guardrails), refusing calls as AWS does, and paging IAM lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from tests.unit.inventory.aws.awsgate import REGION, Account

from jackwatch.errors import ConfigError, SourceError
from jackwatch.inventory.aws import aws_assets, check_regions, collect_aws
from jackwatch.inventory.aws.policy import Access

US, EU = "us-east-1", "eu-west-1"
INVOKE = {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}


def policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_users_groups_policies_keys_and_their_last_use(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="alice", Path="/apps/")
    iam.create_group(GroupName="ml")
    iam.add_user_to_group(GroupName="ml", UserName="alice")
    made = iam.create_policy(PolicyName="invoke", PolicyDocument=policy(INVOKE))["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="ml", PolicyArn=made)
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    used = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name=EU
    )
    used.client("sts", endpoint_url=account.url).get_caller_identity()
    inventory = collect_aws(account.session, regions=[US], endpoint_url=account.url)
    assert inventory.account == account.id and inventory.partition == "aws" and not inventory.partial
    assert inventory.caller.startswith(f"arn:aws:sts::{account.id}:assumed-role/jackwatch-audit/")
    [alice] = inventory.users or ()
    assert alice.arn == f"arn:aws:iam::{account.id}:user/apps/alice" and alice.groups == ("ml",)
    assert [(p.source.name, p.source.kind, p.source.group) for p in alice.policies or ()] == [
        ("invoke", "managed", "ml")
    ]
    assert alice.bedrock is not None and alice.bedrock.can_invoke and not alice.bedrock.full.allowed
    assert [v.access for v in alice.bedrock.invoke] == [Access.ALLOWED, Access.NOT_ALLOWED]
    [access_key] = alice.access_keys or ()
    assert access_key.id == key["AccessKeyId"] and access_key.active and access_key.created is not None
    assert access_key.last_used is not None and access_key.last_used_service == "sts"
    assert access_key.last_used_region == EU


def test_roles_their_trust_and_bedrock_permissions(account: Account) -> None:
    iam = account.client("iam")
    trust = policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"},
    )
    iam.create_role(RoleName="summarizer", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="summarizer", PolicyName="invoke", PolicyDocument=policy(INVOKE))
    boundary = iam.create_policy(
        PolicyName="s3-only", PolicyDocument=policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    )
    iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="bounded", PolicyName="invoke", PolicyDocument=policy(INVOKE))
    iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=boundary["Policy"]["Arn"])
    inventory = collect_aws(account.session, regions=[US], endpoint_url=account.url)
    roles = {role.name: role for role in inventory.roles or ()}
    summarizer = roles["summarizer"]
    assert summarizer.trust is not None
    assert summarizer.trust.services == ("lambda.amazonaws.com",)
    assert summarizer.trust.external_accounts == ("999988887777",) and not summarizer.trust.anyone
    assert summarizer.bedrock is not None and summarizer.bedrock.can_invoke
    bounded = roles["bounded"]
    assert bounded.boundary_arn == boundary["Policy"]["Arn"]
    assert bounded.bedrock is not None and not bounded.bedrock.can_invoke
    assert bounded.bedrock.invoke[0].outside_boundary


def test_bedrock_settings_per_region_and_api_keys(account: Account) -> None:
    account.client("bedrock", EU).put_model_invocation_logging_configuration(
        loggingConfig={
            "s3Config": {"bucketName": "invocation-logs", "keyPrefix": "eu/"},
            "textDataDeliveryEnabled": True,
        }
    )
    for name in ("pii", "prompt-attacks"):
        account.client("bedrock", US).create_guardrail(
            name=name, blockedInputMessaging="no", blockedOutputsMessaging="no"
        )
    iam = account.client("iam")
    iam.create_user(UserName="BedrockAPIKey-ab12")
    made = iam.create_service_specific_credential(
        UserName="BedrockAPIKey-ab12", ServiceName="bedrock.amazonaws.com", CredentialAgeDays=7
    )["ServiceSpecificCredential"]
    inventory = collect_aws(account.session, regions=[US, EU], endpoint_url=account.url)
    assert inventory.bedrock_regions == (US, EU)
    regions = {region.region: region for region in inventory.bedrock}
    assert regions[US].logging is not None and not regions[US].logging.enabled
    eu = regions[EU].logging
    assert eu is not None and eu.enabled and eu.s3_bucket == "invocation-logs" and eu.s3_prefix == "eu/" and eu.text
    assert sorted(g.name for g in regions[US].guardrails or ()) == ["pii", "prompt-attacks"]
    assert regions[EU].guardrails == ()
    [credential] = inventory.service_credentials or ()
    assert credential.id == made["ServiceSpecificCredentialId"] and credential.user == "BedrockAPIKey-ab12"
    assert credential.expires is not None and credential.usable(datetime.now(UTC))
    [user] = inventory.users or ()
    assert user.bedrock_api_key_user
    assert made["ServiceCredentialSecret"] not in repr(inventory)


def test_trails_are_read_once_each_from_their_home_region(account: Account) -> None:
    account.client("s3", EU).create_bucket(
        Bucket=f"trail-{account.id}", CreateBucketConfiguration={"LocationConstraint": EU}
    )
    trails = account.client("cloudtrail", EU)
    trails.create_trail(Name="everywhere", S3BucketName=f"trail-{account.id}", IsMultiRegionTrail=True)
    trails.start_logging(Name="everywhere")
    inventory = collect_aws(account.session, regions=[US, EU, "ap-south-1"], endpoint_url=account.url)
    [trail] = inventory.trails
    assert trail.name == "everywhere" and trail.home_region == EU and trail.multi_region and trail.logging
    assert trail.reads_management and trail.selectors_kind == "basic"
    assert set(inventory.trail_regions) == {US, EU, "ap-south-1"}
    selector_calls = [call for call in account.gate.calls if call.startswith("cloudtrail:GetEventSelectors")]
    assert selector_calls == [f"cloudtrail:GetEventSelectors@{EU}"]


def test_refused_calls_make_a_partial_view_and_the_rest_is_read(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=policy())
    account.gate.deny(
        "iam:GetAccountAuthorizationDetails",
        "iam:ListServiceSpecificCredentials",
        f"bedrock:ListGuardrails@{EU}",
        f"cloudtrail:DescribeTrails@{EU}",
    )
    inventory = collect_aws(account.session, regions=[US, EU], endpoint_url=account.url)
    assert inventory.partial
    failed = {(f.operation, f.region): f for f in inventory.failures}
    assert set(failed) == {
        ("GetAccountAuthorizationDetails", "global"),
        ("ListServiceSpecificCredentials", "global"),
        ("ListGuardrails", EU),
        ("DescribeTrails", EU),
    }
    denied = failed[("GetAccountAuthorizationDetails", "global")]
    assert denied.code == "AccessDenied" and "access denied" in denied.message
    assert "Bedrock permissions" in denied.scope and "unknown" in str(denied)
    [bob] = inventory.users or ()
    assert bob.bedrock is None and bob.policies is None and len(bob.access_keys or ()) == 1
    [role] = inventory.roles or ()
    assert role.name == "app" and role.bedrock is None
    assert inventory.service_credentials is None
    assert {r.region: r.guardrails for r in inventory.bedrock}[EU] is None
    assert inventory.trail_regions == (US,)
    account_asset = aws_assets(inventory)[0]
    assert account_asset.attrs["partial"] and len(account_asset.attrs["failures"]) == 4


def test_when_users_cannot_be_listed_at_all_they_are_unknown(account: Account) -> None:
    account.gate.deny("iam:GetAccountAuthorizationDetails", "iam:ListUsers", "iam:ListRoles")
    inventory = collect_aws(account.session, regions=[US], endpoint_url=account.url)
    assert inventory.users is None and inventory.roles is None
    assert {f.operation for f in inventory.failures} == {"GetAccountAuthorizationDetails", "ListUsers", "ListRoles"}


def test_many_users_and_keys_are_read_over_every_page(account: Account) -> None:
    iam = account.client("iam")
    for number in range(25):
        name = f"svc-{number:02d}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(INVOKE))
        iam.create_access_key(UserName=name)
        iam.create_access_key(UserName=name)
        iam.create_service_specific_credential(UserName=name, ServiceName="bedrock.amazonaws.com")
    for number in range(9):
        account.client("bedrock", US).create_guardrail(
            name=f"g{number}", blockedInputMessaging="no", blockedOutputsMessaging="no"
        )
    account.gate.page_size = 4
    inventory = collect_aws(account.session, regions=[US], endpoint_url=account.url)
    assert not inventory.partial
    users = inventory.users or ()
    assert sorted(user.name for user in users) == [f"svc-{n:02d}" for n in range(25)]
    assert all(len(user.access_keys or ()) == 2 and user.bedrock and user.bedrock.can_invoke for user in users)
    assert len(inventory.service_credentials or ()) == 25
    assert len(inventory.bedrock[0].guardrails or ()) == 9
    calls = account.gate.calls
    assert (
        calls.count("iam:GetAccountAuthorizationDetails@us-east-1") == 7
    )  # 25 users + 25 inline policies? no: users only
    assert calls.count("iam:ListServiceSpecificCredentials@us-east-1") == 7
    assert calls.count("iam:ListAccessKeys@us-east-1") == 25
    assert calls.count("bedrock:ListGuardrails@us-east-1") == 3


def test_key_pages_of_one_user(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="two-keys")
    made = {iam.create_access_key(UserName="two-keys")["AccessKey"]["AccessKeyId"] for _ in range(2)}
    account.gate.page_size = 1
    inventory = collect_aws(account.session, regions=[US], endpoint_url=account.url)
    [user] = inventory.users or ()
    assert {key.id for key in user.access_keys or ()} == made
    assert account.gate.calls.count("iam:ListAccessKeys@us-east-1") == 2


def test_regions_default_to_the_enabled_ones_and_fall_back_when_they_cannot_be_listed(account: Account) -> None:
    inventory = collect_aws(account.session, endpoint_url=account.url)
    assert US in inventory.regions and EU in inventory.regions
    assert not any(region.startswith(("us-gov-", "cn-")) for region in inventory.regions)
    assert "ap-east-1" not in inventory.regions  # an opt-in region not enabled
    assert set(inventory.bedrock_regions) <= set(inventory.regions) and US in inventory.bedrock_regions
    account.gate.deny("ec2:DescribeRegions", "account:ListRegions")
    fallback = collect_aws(account.session, endpoint_url=account.url)
    assert fallback.regions == (REGION,)
    [failure] = [f for f in fallback.failures if f.operation == "DescribeRegions"]
    assert "--region" in failure.scope


def test_refused_or_missing_credentials_stop_the_inventory(account: Account) -> None:
    account.gate.deny("sts:GetCallerIdentity")
    with pytest.raises(SourceError, match=r"cannot tell which AWS account.*access denied"):
        collect_aws(account.session, regions=[US], endpoint_url=account.url)


def test_no_credentials_at_all_is_a_clear_error(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError, match="no usable AWS credentials"):
        collect_aws(boto3.session.Session(region_name=US), regions=[US], endpoint_url=account.url)


def test_region_names_are_checked() -> None:
    assert check_regions(["eu-west-1", "EU-WEST-1", "us-gov-west-1"]) == ["eu-west-1", "us-gov-west-1"]
    with pytest.raises(ConfigError, match="'europe' is not an AWS region name"):
        check_regions(["europe"])


def test_aws_managed_policies_are_read_once_and_unreadable_ones_are_named(policy_account: Account) -> None:
    iam = policy_account.client("iam")
    for name in ("ann", "ben"):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonBedrockFullAccess")
    inventory = collect_aws(policy_account.session, regions=[US], endpoint_url=policy_account.url)
    assert all(user.bedrock and user.bedrock.full.allowed for user in inventory.users or ())
    assert policy_account.gate.calls.count("iam:GetPolicyVersion@us-east-1") == 1
    policy_account.gate.deny("iam:GetPolicy")
    denied = collect_aws(policy_account.session, regions=[US], endpoint_url=policy_account.url)
    for user in denied.users or ():
        assert user.bedrock is not None and not user.bedrock.can_invoke
        assert user.bedrock.invoke[0].unknown == ("managed policy AmazonBedrockFullAccess",)
    [failure] = denied.failures
    assert failure.operation == "GetPolicy" and "AmazonBedrockFullAccess" in failure.scope
