"""The pure parts of the AWS inventory: what trail selectors log, role trust, and the assets an inventory makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jackwatch.inventory.aws import AwsInventory, aws_assets
from jackwatch.inventory.aws.bedrock import logging_config
from jackwatch.inventory.aws.cloudtrail import field_passes, selector_list, why_no_reads
from jackwatch.inventory.aws.model import AccessKey, BedrockRegion, Guardrail, IamUser, ServiceCredential, Trail
from jackwatch.inventory.aws.policy import PolicyError
from jackwatch.inventory.aws.trust import summarize_trust
from jackwatch.model import asset_id

MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


@pytest.mark.parametrize(
    ("selectors", "why"),
    [
        ([], None),
        ([{"ReadWriteType": "All", "IncludeManagementEvents": True}], None),
        ([{"ReadWriteType": "ReadOnly"}], None),
        ([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}], "only write management events"),
        ([{"ReadWriteType": "All", "IncludeManagementEvents": False}], "exclude management events"),
        (
            [{"ReadWriteType": "All", "ExcludeManagementEventSources": ["bedrock.amazonaws.com"]}],
            "exclude bedrock.amazonaws.com",
        ),
        ([{"ReadWriteType": "All", "ExcludeManagementEventSources": ["kms.amazonaws.com"]}], None),
    ],
)
def test_basic_selectors(selectors: list[dict[str, Any]], why: str | None) -> None:
    found = why_no_reads("basic", selectors)
    assert (found is None) if why is None else (found is not None and why in found)


@pytest.mark.parametrize(
    ("fields", "logs"),
    [
        ([MANAGEMENT], True),
        ([MANAGEMENT, {"Field": "readOnly", "Equals": ["true"]}], True),
        ([MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}], False),
        ([MANAGEMENT, {"Field": "readOnly", "NotEquals": ["true"]}], False),
        ([MANAGEMENT, {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com", "rdsdata.amazonaws.com"]}], True),
        ([MANAGEMENT, {"Field": "eventSource", "NotEquals": ["bedrock.amazonaws.com"]}], False),
        ([MANAGEMENT, {"Field": "eventSource", "StartsWith": ["bedrock."]}], True),
        ([MANAGEMENT, {"Field": "eventName", "NotStartsWith": ["Invoke"]}], False),
        ([MANAGEMENT, {"Field": "userIdentity.arn", "NotEndsWith": [":role/ci"]}], True),
        ([MANAGEMENT, {"Field": "userIdentity.arn", "EndsWith": [":role/ci"]}], False),
        ([{"Field": "eventCategory", "Equals": ["Data"]}], False),
    ],
)
def test_advanced_selectors(fields: list[dict[str, Any]], logs: bool) -> None:
    assert (why_no_reads("advanced", [{"Name": "s", "FieldSelectors": fields}]) is None) is logs


def test_one_advanced_selector_that_logs_reads_is_enough_and_the_reasons_are_named() -> None:
    writes = {"Name": "writes", "FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]}
    data = {"Name": "data", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}
    reason = why_no_reads("advanced", [writes, data])
    assert reason == "selector writes filters on readOnly and so leaves out read-only Bedrock calls"
    assert why_no_reads("advanced", [writes, {"Name": "all", "FieldSelectors": [MANAGEMENT]}]) is None
    assert why_no_reads("advanced", [data]) == "its advanced event selectors exclude management events"
    assert field_passes({"Field": "readOnly", "Unknown": ["x"]}, {"readOnly": "true"})


def test_selector_lists() -> None:
    assert selector_list({"EventSelectors": [{"ReadWriteType": "All"}], "AdvancedEventSelectors": []}) == (
        "basic",
        ({"ReadWriteType": "All"},),
    )
    assert selector_list({"AdvancedEventSelectors": [{"Name": "a"}]})[0] == "advanced"


def test_trust_summaries() -> None:
    trust = summarize_trust(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ci", "444455556666"]}},
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
                    },
                    "Condition": {"StringLike": {"sub": "repo:acme/*"}},
                },
                {"Effect": "Deny", "Principal": "*"},
            ]
        },
        "123456789012",
    )
    assert trust.external_accounts == ("111122223333", "444455556666") and not trust.anyone and not trust.conditional
    assert trust.federated == ("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",)
    assert summarize_trust('{"Statement": {"Effect": "Allow", "Principal": "*"}}', "1").anyone
    guarded = summarize_trust(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Condition": {"x": 1}}]}, "1"
    )
    assert not guarded.anyone and guarded.conditional and guarded.aws == ("*",)
    own = summarize_trust(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}, "123456789012"
    )
    assert own.external_accounts == ()
    with pytest.raises(PolicyError):
        summarize_trust("[", "1")


def test_logging_configuration_replies() -> None:
    assert not logging_config({}).enabled and not logging_config(None).enabled
    cloudwatch = logging_config(
        {"cloudWatchConfig": {"logGroupName": "g", "roleArn": "r"}, "imageDataDeliveryEnabled": True}
    )
    assert cloudwatch.enabled and cloudwatch.log_group == "g" and cloudwatch.image and not cloudwatch.text
    assert not logging_config({"s3Config": {"bucketName": ""}}).enabled


def test_assets_of_an_inventory() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    user = IamUser(
        arn="arn:aws:iam::123456789012:user/BedrockAPIKey-x1",
        name="BedrockAPIKey-x1",
        id="AIDA",
        created=now - timedelta(days=5),
        groups=(),
        policies=(),
        access_keys=(AccessKey("AKIAEXAMPLE", "BedrockAPIKey-x1", "Active", now - timedelta(days=3)),),
    )
    inventory = AwsInventory(
        account="123456789012",
        partition="aws",
        caller="arn:aws:sts::123456789012:assumed-role/audit/me",
        collected_at=now,
        regions=("us-east-1",),
        bedrock_regions=("us-east-1",),
        users=(user,),
        roles=(),
        service_credentials=(ServiceCredential("ACCA1", "BedrockAPIKey-x1", "bedrock.amazonaws.com", "Active", now),),
        bedrock=(
            BedrockRegion(
                "us-east-1",
                logging_config({}),
                (Guardrail("g1", "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1", "pii", "READY", "DRAFT"),),
            ),
        ),
        trails=(Trail("arn:aws:cloudtrail:eu-west-1:123456789012:trail/t", "t", "eu-west-1", True, False, True, True),),
        trail_regions=("us-east-1",),
    )
    found = {asset.kind: asset for asset in aws_assets(inventory)}
    account = found["aws_account"]
    assert account.ref == "aws://123456789012/global/arn:aws:iam::123456789012:root" and account.parent is None
    assert found["aws_iam_user"].ref == "aws://123456789012/global/arn:aws:iam::123456789012:user/BedrockAPIKey-x1"
    assert found["aws_iam_user"].parent == asset_id("aws_account", account.ref)
    attrs = found["aws_iam_user"].attrs
    assert attrs["access_keys"][0]["age_days"] == 3 and attrs["bedrock_api_key_user"]
    assert attrs["bedrock_api_keys"][0]["id"] == "ACCA1" and attrs["bedrock"] is None
    assert found["aws_bedrock"].ref == "aws://123456789012/us-east-1/bedrock"
    assert found["aws_bedrock"].attrs["invocation_logging"]["enabled"] is False
    assert found["aws_bedrock_guardrail"].ref.endswith("/us-east-1/arn:aws:bedrock:us-east-1:123456789012:guardrail/g1")
    assert (
        found["aws_cloudtrail_trail"].ref
        == "aws://123456789012/eu-west-1/arn:aws:cloudtrail:eu-west-1:123456789012:trail/t"
    )
