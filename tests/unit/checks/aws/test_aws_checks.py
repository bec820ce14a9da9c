"""Each AWS check, positive and negative, on accounts built in moto (and the gate for what moto lacks); each fix is
run, command by command, against the same account, and a new scan no longer shows the finding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.checks.aws.awscli import run_command, run_commands
from tests.unit.inventory.aws.awsgate import Account

from jackwatch.checks.aws import registry, run_checks
from jackwatch.inventory.aws import AwsInventory, collect_aws
from jackwatch.model import Finding, Severity

US, EU = "us-east-1", "eu-west-1"
BEDROCK_FULL = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def scan(account: Account, regions: Sequence[str] = (US,), days: int = 0) -> AwsInventory:
    now = datetime.now(UTC) + timedelta(days=days)
    return collect_aws(account.session, regions=regions, endpoint_url=account.url, now=now)


def findings(inventory: AwsInventory, check: str) -> list[Finding]:
    run = run_checks(inventory, {check})
    assert not run.errors, run.errors
    return run.findings


def apply(account: Account, finding: Finding) -> None:
    """Run the finding's fix commands against the account."""
    run_commands(finding.evidence["fix"]["commands"], account.client)


def user_with_key(account: Account, name: str, document: str | None = None) -> str:
    iam = account.client("iam")
    iam.create_user(UserName=name)
    if document is not None:
        iam.put_user_policy(UserName=name, PolicyName="app", PolicyDocument=document)
    return str(iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"])


def test_every_check_has_metadata_and_a_function() -> None:
    specs = registry.specs
    assert len(specs) == 7
    for spec in specs.values():
        assert spec.id.startswith("aws.") and spec.description and spec.remediation and spec.docs.get("url")


# Bedrock invocation logging ----------------------------------------------------------------------------------------


def test_invocation_logging_off_is_reported_per_region_and_the_fix_turns_it_on(account: Account) -> None:
    account.client("bedrock", EU).put_model_invocation_logging_configuration(
        loggingConfig={"cloudWatchConfig": {"logGroupName": "/bedrock/invocations", "roleArn": "arn:aws:iam::1:role/x"}}
    )
    [finding] = findings(scan(account, (US, EU)), "aws.bedrock.invocation_logging_disabled")
    assert finding.subject == f"aws://{account.id}/{US}/bedrock" and finding.severity is Severity.MEDIUM
    assert finding.evidence["resource"] == {
        "kind": "bedrock_invocation_logging",
        "name": f"Bedrock invocation logging in {US}",
        "arn": None,
        "account": account.id,
        "region": US,
    }
    fix = finding.evidence["fix"]
    assert fix["logging_config"]["s3Config"]["bucketName"] == f"jackwatch-bedrock-logs-{account.id}-{US}"
    apply(account, finding)
    assert findings(scan(account, (US, EU)), "aws.bedrock.invocation_logging_disabled") == []
    assert account.client("s3").get_bucket_policy(Bucket=f"jackwatch-bedrock-logs-{account.id}-{US}")["Policy"]


def test_logging_that_cannot_be_read_is_not_reported_as_off(account: Account) -> None:
    account.gate.deny(f"bedrock:GetModelInvocationLoggingConfiguration@{EU}")
    inventory = scan(account, (US, EU))
    assert [f.subject.split("/")[3] for f in findings(inventory, "aws.bedrock.invocation_logging_disabled")] == [US]
    assert [(f.operation, f.region) for f in inventory.failures] == [("GetModelInvocationLoggingConfiguration", EU)]


# CloudTrail ---------------------------------------------------------------------------------------------------------


def make_trail(account: Account, name: str, region: str = US, *, multi: bool = True, start: bool = True) -> str:
    bucket = f"{name}-{account.id}"
    s3 = account.client("s3", region)
    if region == US:
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    trails = account.client("cloudtrail", region)
    arn = str(trails.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi)["TrailARN"])
    if start:
        trails.start_logging(Name=name)
    return arn


def test_no_trail_at_all_is_reported_once_for_the_account_and_the_fix_creates_one(account: Account) -> None:
    [finding] = findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged")
    assert finding.subject == f"aws://{account.id}/global/arn:aws:iam::{account.id}:root"
    assert finding.evidence["regions_not_covered"] == [US, EU] and finding.severity is Severity.HIGH
    apply(account, finding)
    assert findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged") == []


def test_a_multi_region_trail_that_logs_every_management_event_covers_every_region(account: Account) -> None:
    make_trail(account, "org-trail", EU)
    inventory = scan(account, (US, EU, "ap-south-1"))
    [trail] = inventory.trails
    assert trail.home_region == EU and trail.multi_region and trail.logging and trail.reads_management
    assert findings(inventory, "aws.cloudtrail.read_management_events_not_logged") == []


@pytest.mark.parametrize(
    ("selectors", "why"),
    [
        (
            {"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]},
            "only write management events",
        ),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "Name": "writes",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "readOnly", "Equals": ["false"]},
                        ],
                    },
                    {
                        "Name": "s3 data",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                        ],
                    },
                ]
            },
            "selector writes filters on readOnly",
        ),
    ],
)
def test_a_trail_without_read_events_is_reported_and_the_fix_keeps_its_data_selectors(
    account: Account, selectors: dict[str, Any], why: str
) -> None:
    make_trail(account, "main")
    account.client("cloudtrail").put_event_selectors(TrailName="main", **selectors)
    inventory = scan(account, (US, EU))
    [finding] = findings(inventory, "aws.cloudtrail.read_management_events_not_logged")
    assert why in finding.evidence["trails"][0]["why_not"]
    assert finding.evidence["regions_not_covered"] == [US, EU]
    fixed = finding.evidence["fix"]["event_selectors"]
    if "AdvancedEventSelectors" in selectors:
        assert [s["Name"] for s in fixed] == ["Management events", "s3 data"]
    apply(account, finding)
    assert findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged") == []


def test_a_stopped_single_region_trail_is_made_multi_region_and_started(account: Account) -> None:
    make_trail(account, "local", US, multi=False, start=False)
    [finding] = findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged")
    assert finding.evidence["regions_not_covered"] == [US, EU]
    assert "make it multi-region" in finding.evidence["fix"]["summary"]
    assert "start logging" in finding.evidence["fix"]["summary"]
    apply(account, finding)
    assert findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged") == []


def test_a_single_region_trail_leaves_the_other_regions_uncovered(account: Account) -> None:
    make_trail(account, "local", US, multi=False)
    [finding] = findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged")
    assert finding.evidence["regions_not_covered"] == [EU]


def test_trails_that_cannot_be_read_are_unknown_not_missing(account: Account) -> None:
    make_trail(account, "main")
    account.gate.deny("cloudtrail:GetEventSelectors")
    inventory = scan(account, (US, EU))
    assert findings(inventory, "aws.cloudtrail.read_management_events_not_logged") == []
    assert inventory.partial and inventory.trails[0].reads_management is None
    account.gate.deny(f"cloudtrail:DescribeTrails@{EU}", "cloudtrail:GetTrailStatus")
    assert findings(scan(account, (US, EU)), "aws.cloudtrail.read_management_events_not_logged") == []


# Long-term keys that can invoke Bedrock ----------------------------------------------------------------------------

INVOKE = {
    "Effect": "Allow",
    "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
    "Resource": "*",
}


def test_a_user_key_that_can_invoke_models_is_reported_and_the_fix_denies_and_deactivates(account: Account) -> None:
    key = user_with_key(account, "ci-bot", policy(INVOKE))
    [finding] = findings(scan(account), "aws.iam.user_long_term_key_can_invoke_bedrock")
    assert finding.subject == f"aws://{account.id}/global/arn:aws:iam::{account.id}:user/ci-bot"
    assert [k["id"] for k in finding.evidence["access_keys"]] == [key]
    assert finding.evidence["allowed_by"] == ["inline policy app"] and finding.severity is Severity.HIGH
    assert finding.evidence["fix"]["policy"]["Statement"][0]["Effect"] == "Deny"
    apply(account, finding)
    inventory = scan(account)
    assert findings(inventory, "aws.iam.user_long_term_key_can_invoke_bedrock") == []
    [user] = inventory.users or ()
    assert user.bedrock is not None and not user.bedrock.can_invoke and not user.active_keys


def test_grants_through_groups_count_and_group_denies_win(account: Account) -> None:
    iam = account.client("iam")
    user_with_key(account, "analyst")
    iam.create_group(GroupName="ml")
    iam.put_group_policy(GroupName="ml", PolicyName="ml-invoke", PolicyDocument=policy(INVOKE))
    iam.add_user_to_group(GroupName="ml", UserName="analyst")
    [finding] = findings(scan(account), "aws.iam.user_long_term_key_can_invoke_bedrock")
    assert finding.evidence["allowed_by"] == ["inline policy ml-invoke (group ml)"]
    iam.create_group(GroupName="quarantine")
    deny = {"Effect": "Deny", "Action": "bedrock:*", "Resource": "*"}
    iam.put_group_policy(GroupName="quarantine", PolicyName="no-bedrock", PolicyDocument=policy(deny))
    iam.add_user_to_group(GroupName="quarantine", UserName="analyst")
    assert findings(scan(account), "aws.iam.user_long_term_key_can_invoke_bedrock") == []


def test_users_without_active_keys_or_without_bedrock_are_not_reported(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="console-only")
    iam.put_user_policy(UserName="console-only", PolicyName="app", PolicyDocument=policy(INVOKE))
    user_with_key(account, "s3-reader", policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    key = user_with_key(account, "retired", policy(INVOKE))
    iam.update_access_key(UserName="retired", AccessKeyId=key, Status="Inactive")
    assert findings(scan(account), "aws.iam.user_long_term_key_can_invoke_bedrock") == []


def test_a_grant_only_under_a_condition_is_medium(account: Account) -> None:
    mfa = {**INVOKE, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    user_with_key(account, "mfa-user", policy(mfa))
    [finding] = findings(scan(account), "aws.iam.user_long_term_key_can_invoke_bedrock")
    assert finding.severity is Severity.MEDIUM and finding.evidence["conditional"] is True


# Old access keys ----------------------------------------------------------------------------------------------------


def test_keys_older_than_90_days_are_reported_per_key_and_rotation_clears_them(account: Account) -> None:
    key = user_with_key(account, "legacy")
    assert findings(scan(account, days=90), "aws.iam.access_key_older_than_90_days") == []
    [finding] = findings(scan(account, days=91), "aws.iam.access_key_older_than_90_days")
    assert finding.key == key and finding.evidence["age_days"] == 91 and finding.severity is Severity.MEDIUM
    assert finding.evidence["access_key"]["id"] == key
    apply(account, finding)
    later = findings(scan(account, days=91), "aws.iam.access_key_older_than_90_days")
    assert finding.id not in {f.id for f in later} and [f.key for f in later] != [key]


def test_inactive_old_keys_are_not_reported(account: Account) -> None:
    key = user_with_key(account, "legacy")
    account.client("iam").update_access_key(UserName="legacy", AccessKeyId=key, Status="Inactive")
    assert findings(scan(account, days=400), "aws.iam.access_key_older_than_90_days") == []


# Full Bedrock access ------------------------------------------------------------------------------------------------


def test_amazon_bedrock_full_access_on_a_user_is_reported_and_the_fix_leaves_inference_only(
    policy_account: Account,
) -> None:
    account = policy_account
    iam = account.client("iam")
    iam.create_user(UserName="dev")
    iam.attach_user_policy(UserName="dev", PolicyArn=BEDROCK_FULL)
    [finding] = findings(scan(account), "aws.iam.user_bedrock_full_access")
    assert finding.evidence["granted_by"] == [
        {"name": "AmazonBedrockFullAccess", "kind": "managed", "arn": BEDROCK_FULL, "group": None}
    ]
    assert (
        finding.evidence["fix"]["commands"][0]
        == f"aws iam detach-user-policy --user-name dev --policy-arn {BEDROCK_FULL}"
    )
    apply(account, finding)
    inventory = scan(account)
    assert findings(inventory, "aws.iam.user_bedrock_full_access") == []
    [user] = inventory.users or ()
    assert user.bedrock is not None and user.bedrock.can_invoke


@pytest.mark.parametrize(
    "grant",
    [
        {"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
    ],
)
def test_wildcard_grants_through_a_group_are_full_access(account: Account, grant: dict[str, Any]) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="ops")
    iam.create_group(GroupName="admins")
    iam.put_group_policy(GroupName="admins", PolicyName="everything", PolicyDocument=policy(grant))
    iam.add_user_to_group(GroupName="admins", UserName="ops")
    [finding] = findings(scan(account), "aws.iam.user_bedrock_full_access")
    assert (
        finding.evidence["fix"]["commands"][0]
        == "aws iam delete-group-policy --group-name admins --policy-name everything"
    )
    assert "affects its other members" in finding.evidence["fix"]["summary"]


def test_inference_only_and_partly_denied_grants_are_not_full_access(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="app")
    iam.put_user_policy(UserName="app", PolicyName="invoke", PolicyDocument=policy(INVOKE))
    iam.create_user(UserName="admin")
    no_logging_changes = {
        "Effect": "Deny",
        "Action": [
            "bedrock:DeleteModelInvocationLoggingConfiguration",
            "bedrock:PutModelInvocationLoggingConfiguration",
        ],
        "Resource": "*",
    }
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=policy(everything, no_logging_changes))
    assert findings(scan(account), "aws.iam.user_bedrock_full_access") == []


# Long-term Bedrock API keys -----------------------------------------------------------------------------------------


def test_long_term_bedrock_api_keys_are_reported_and_the_fix_revokes_them(account: Account) -> None:
    iam = account.client("iam")
    for user in ("BedrockAPIKey-x7k2", "BedrockAPIKey-q9p1"):
        iam.create_user(UserName=user)
    forever = iam.create_service_specific_credential(UserName="BedrockAPIKey-x7k2", ServiceName="bedrock.amazonaws.com")
    month = iam.create_service_specific_credential(
        UserName="BedrockAPIKey-q9p1", ServiceName="bedrock.amazonaws.com", CredentialAgeDays=30
    )
    secret = forever["ServiceSpecificCredential"]["ServiceCredentialSecret"]
    result = findings(scan(account), "aws.bedrock.long_term_api_key")
    by_key = {f.key: f for f in result}
    first = by_key[forever["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]]
    second = by_key[month["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]]
    assert first.severity is Severity.HIGH and second.severity is Severity.MEDIUM
    assert first.subject == f"aws://{account.id}/global/arn:aws:iam::{account.id}:user/BedrockAPIKey-x7k2"
    assert secret not in json.dumps([f.evidence for f in result])
    apply(account, first)
    assert [f.key for f in findings(scan(account), "aws.bedrock.long_term_api_key")] == [second.key]
    assert findings(scan(account, days=31), "aws.bedrock.long_term_api_key") == []


def test_inactive_api_keys_and_other_services_credentials_are_not_reported(account: Account) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="git")
    iam.create_service_specific_credential(UserName="git", ServiceName="codecommit.amazonaws.com")
    iam.create_user(UserName="BedrockAPIKey-old")
    made = iam.create_service_specific_credential(UserName="BedrockAPIKey-old", ServiceName="bedrock.amazonaws.com")
    ident = made["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    run_command(
        f"aws iam update-service-specific-credential --user-name BedrockAPIKey-old "
        f"--service-specific-credential-id {ident} --status Inactive",
        account.client,
    )
    assert findings(scan(account), "aws.bedrock.long_term_api_key") == []


# Guardrails ---------------------------------------------------------------------------------------------------------


def test_no_guardrail_anywhere_is_reported_once_and_the_fix_creates_one(account: Account) -> None:
    [finding] = findings(scan(account, (US, EU)), "aws.bedrock.no_guardrails")
    assert finding.severity is Severity.LOW and finding.evidence["regions"] == [US, EU]
    variables = run_commands(finding.evidence["fix"]["commands"], account.client)
    assert variables["GUARDRAIL_ID"]
    assert findings(scan(account, (US, EU)), "aws.bedrock.no_guardrails") == []


def test_a_guardrail_in_one_region_is_enough_and_unreadable_regions_stop_the_verdict(account: Account) -> None:
    account.client("bedrock", EU).create_guardrail(
        name="pii", blockedInputMessaging="blocked", blockedOutputsMessaging="blocked"
    )
    assert findings(scan(account, (US, EU)), "aws.bedrock.no_guardrails") == []
    account.gate.deny(f"bedrock:ListGuardrails@{EU}")
    assert findings(scan(account, (US, EU)), "aws.bedrock.no_guardrails") == []
