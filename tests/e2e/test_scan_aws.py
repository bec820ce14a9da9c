"""``jackwatch scan aws`` end to end against moto in server mode (behind the gate that answers what moto lacks):
JSON, SARIF and table reports, ``--fail-on``, partial views, the store, and bad usage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from tests.e2e.runner import run_cli
from tests.unit.inventory.aws.awsgate import Account, account, aws_env, moto_url

from jackwatch.store import open_store

__all__ = ["account", "aws_env", "moto_url"]

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
US, EU = "us-east-1", "eu-west-1"
ALL_BUT_AGE = {
    "aws.bedrock.invocation_logging_disabled",
    "aws.cloudtrail.read_management_events_not_logged",
    "aws.iam.user_long_term_key_can_invoke_bedrock",
    "aws.iam.user_bedrock_full_access",
    "aws.bedrock.long_term_api_key",
    "aws.bedrock.no_guardrails",
}


@pytest.fixture
def exposed(account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """An account with every problem but old keys, its credentials in the environment."""
    iam = account.client("iam")
    iam.create_user(UserName="ci-deployer")
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}
    made = iam.create_policy(PolicyName="BedrockEverything", PolicyDocument=json.dumps(everything))
    iam.attach_user_policy(UserName="ci-deployer", PolicyArn=made["Policy"]["Arn"])
    iam.create_access_key(UserName="ci-deployer")
    iam.create_user(UserName="BedrockAPIKey-r2d2")
    iam.create_service_specific_credential(UserName="BedrockAPIKey-r2d2", ServiceName="bedrock.amazonaws.com")
    for name, value in account.environment().items():
        monkeypatch.setenv(name, value)
    yield account


def scan(account: Account, *args: str) -> list[str]:
    return ["scan", "aws", "--region", US, "--region", EU, "--endpoint-url", account.url, *args]


def test_json_report_lists_each_finding_with_its_resource_and_fix(exposed: Account) -> None:
    run = run_cli(*scan(exposed, "--format", "json", "--no-store"))
    assert run.code == 0, run.describe()
    report = run.report()
    assert set(report) == {"findings", "stats"}
    findings = report["findings"]
    assert {f["rule_id"] for f in findings} == ALL_BUT_AGE
    for finding in findings:
        assert {"id", "rule_id", "severity", "resource", "fix", "title", "subject", "remediation"} <= set(finding)
        assert {"arn", "account", "region"} <= set(finding["resource"]) and finding["resource"]["account"] == exposed.id
        assert finding["fix"]["commands"] and all(
            c.startswith(("aws ", "GUARDRAIL_ID=")) for c in finding["fix"]["commands"]
        )
    logging = [f for f in findings if f["rule_id"] == "aws.bedrock.invocation_logging_disabled"]
    assert sorted(f["resource"]["region"] for f in logging) == [EU, US]
    severities = [f["severity"] for f in findings]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low", "info"].index)
    stats = report["stats"]
    assert stats["account"] == exposed.id and stats["regions"] == [US, EU] and stats["partial"] is False
    assert stats["users"] == 2 and stats["by_check"]["aws.iam.access_key_older_than_90_days"] == 0
    assert stats["failures"] == []


def test_fail_on(exposed: Account) -> None:
    assert run_cli(*scan(exposed, "--no-store", "--fail-on", "high", "-f", "json")).code == 1
    assert run_cli(*scan(exposed, "--no-store", "--fail-on", "critical", "-f", "json")).code == 0


def test_sarif_report_is_valid(exposed: Account, tmp_path: Path) -> None:
    out = tmp_path / "aws.sarif"
    run = run_cli(*scan(exposed, "--format", "sarif", "--output", str(out), "--no-store"))
    assert run.code == 0, run.describe()
    log = json.loads(out.read_bytes())
    validator = jsonschema.Draft4Validator(json.loads(SCHEMA.read_bytes()), format_checker=jsonschema.FormatChecker())
    errors = list(validator.iter_errors(log))
    assert not errors, [error.message for error in errors[:5]]
    run_log = log["runs"][0]
    rule_ids = [rule["id"] for rule in run_log["tool"]["driver"]["rules"]]
    results = run_log["results"]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] and r["level"] in ("error", "warning", "note") for r in results)
    assert all(r["properties"]["fix"]["commands"] for r in results)
    assert {result["ruleId"] for result in results} == ALL_BUT_AGE
    names = {loc["fullyQualifiedName"] for r in results for loc in r["locations"][0]["logicalLocations"]}
    assert f"arn:aws:iam::{exposed.id}:user/ci-deployer" in names


def test_table_shows_findings_and_a_partial_view(exposed: Account) -> None:
    exposed.gate.deny("iam:GetAccountAuthorizationDetails", f"bedrock:GetModelInvocationLoggingConfiguration@{EU}")
    run = run_cli(*scan(exposed, "--no-store"))
    assert run.code == 0, run.describe()
    text = run.text
    assert f"AWS posture of account {exposed.id}" in text and "aws.bedrock.long_term_api_key" in text
    assert "aws.iam.user_bedrock_full_access" not in text  # permissions unknown: not guessed
    assert "partial view: 2 not read" in text
    assert "iam:GetAccountAuthorizationDetails: access denied" in text
    report = run_cli(*scan(exposed, "--no-store", "-f", "json")).report()
    assert report["stats"]["partial"] is True
    assert {f["call"] for f in report["stats"]["failures"]} == {
        "iam:GetAccountAuthorizationDetails",
        "bedrock:GetModelInvocationLoggingConfiguration",
    }


def test_the_scan_is_stored_and_a_second_run_updates_it(exposed: Account, tmp_path: Path) -> None:
    db = tmp_path / "jackwatch.db"
    first = run_cli(*scan(exposed, "--db", str(db), "-f", "json"))
    assert first.code == 0, first.describe()
    again = run_cli(*scan(exposed, "--db", str(db), "-f", "json"))
    assert [f["id"] for f in again.report()["findings"]] == [f["id"] for f in first.report()["findings"]]
    with open_store(f"sqlite:///{db}") as store:
        stored = store.findings()
        assets = store.assets()
        runs = store.runs()
    assert {f.rule_id for f in stored} == ALL_BUT_AGE and len(stored) == len(first.report()["findings"])
    kinds = {asset.kind for asset in assets}
    assert {"aws_account", "aws_iam_user", "aws_bedrock"} <= kinds
    asset_ids = {asset.id for asset in assets}
    assert all(set(f.evidence["assets"]) <= asset_ids for f in stored)
    assert [run.command for run in runs] == ["scan aws", "scan aws"]


def test_a_well_kept_account_has_no_findings(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in account.environment().items():
        monkeypatch.setenv(name, value)
    account.client("s3").create_bucket(Bucket=f"trail-{account.id}")
    trails = account.client("cloudtrail")
    trails.create_trail(Name="all", S3BucketName=f"trail-{account.id}", IsMultiRegionTrail=True)
    trails.start_logging(Name="all")
    for region in (US, EU):
        bedrock = account.client("bedrock", region)
        bedrock.put_model_invocation_logging_configuration(
            loggingConfig={"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": True}
        )
    account.client("bedrock", US).create_guardrail(name="g", blockedInputMessaging="n", blockedOutputsMessaging="n")
    run = run_cli(*scan(account, "-f", "json", "--no-store", "--fail-on", "info"))
    assert run.code == 0, run.describe()
    assert run.report()["findings"] == []


def test_bad_usage_exits_2_with_a_message(exposed: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_cli("scan", "aws", "--region", "moon-base", "--endpoint-url", exposed.url, "--no-store")
    assert run.code == 2 and "'moon-base' is not an AWS region name" in run.stderr
    run = run_cli("scan", "aws", "--profile", "no-such-profile", "--endpoint-url", exposed.url, "--no-store")
    assert run.code == 2 and "no-such-profile" in run.stderr
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    run = run_cli(*scan(exposed, "--no-store"))
    assert run.code == 2 and "no usable AWS credentials" in run.stderr, run.describe()
