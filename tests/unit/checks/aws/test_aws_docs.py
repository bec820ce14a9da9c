"""docs/aws-posture.md matches the code: every check is documented, and the minimal read-only policy allows every
call a scan makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.unit.inventory.aws.awsgate import Account

from jackwatch.checks.aws import registry
from jackwatch.inventory.aws import collect_aws

PAGE = Path(__file__).resolve().parents[4] / "docs" / "aws-posture.md"


def test_every_check_is_documented_with_its_severity() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for spec in registry.specs.values():
        assert f"### `{spec.id}`" in text
        assert re.search(rf"^\| `{re.escape(spec.id)}` \| {spec.severity}\b", text, re.MULTILINE), spec.id


def test_the_documented_policy_allows_every_call_of_a_scan(account: Account) -> None:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"### Minimal read-only policy.*?```json\n(.*?)```", text, re.DOTALL)
    assert block is not None
    [statement] = json.loads(block[1])["Statement"]
    allowed = set(statement["Action"])
    iam = account.client("iam")
    iam.create_user(UserName="someone")
    iam.create_access_key(UserName="someone")
    account.client("s3").create_bucket(Bucket=f"trail-{account.id}")
    account.client("cloudtrail").create_trail(Name="all", S3BucketName=f"trail-{account.id}", IsMultiRegionTrail=True)
    collect_aws(account.session, endpoint_url=account.url)
    made = {"sts:GetCallerIdentity", "iam:CreateUser", "iam:CreateAccessKey", "cloudtrail:CreateTrail"}
    called = {call.split("@")[0] for call in account.gate.calls if not call.startswith("s3:")} - made
    assert called <= allowed, called - allowed
    assert {"iam:ListServiceSpecificCredentials", "bedrock:ListGuardrails", "cloudtrail:GetEventSelectors"} <= called
