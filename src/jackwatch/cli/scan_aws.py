"""``jackwatch scan aws``: read an AWS account (IAM, Bedrock, CloudTrail) and report the settings and credentials
that make LLMjacking possible or invisible, each with its exact fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jackwatch.cli.common import DbOption, OutputOption, exit_code, output_stream, store_url
from jackwatch.cli.options import parse_severity
from jackwatch.errors import ConfigError
from jackwatch.model import Asset, Finding

if TYPE_CHECKING:  # boto3 and the checks load only when the command runs
    from jackwatch.checks.aws.report import AwsScan


class AwsFormat(StrEnum):
    """How an AWS scan is reported."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


def aws(
    profile: str | None = typer.Option(None, "--profile", help="AWS profile to use (default: the usual chain)."),
    region: list[str] = typer.Option(
        [],
        "--region",
        help="Region to read (repeatable; default: every region enabled for the account).",
    ),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="Send every AWS call to this endpoint (a local emulator such as moto)."
    ),
    fmt: AwsFormat = typer.Option(
        AwsFormat.TABLE, "--format", "-f", help="table, json or sarif (2.1.0).", case_sensitive=False
    ),
    output: Path | None = OutputOption,
    fail_on: str | None = typer.Option(
        None, "--fail-on", metavar="SEVERITY", help="Exit 1 when a finding is at least this severe."
    ),
    db: str | None = DbOption,
    store: bool = typer.Option(
        True, "--store/--no-store", help="Record the account's assets and the findings in the store."
    ),
) -> int:
    """Check an AWS account for LLMjacking exposure: Bedrock invocation logging, CloudTrail coverage, long-term
    keys and Bedrock API keys, full Bedrock access, guardrails. Needs read-only access (see docs/aws-posture.md);
    calls that are refused make the view partial, listed in the report.

    Exit codes: 0 done (partial or not); 1 a finding reached --fail-on; 2 bad usage, or no usable credentials.
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from jackwatch.checks.aws import registry, run_checks
    from jackwatch.checks.aws.report import AwsScan, write_json, write_sarif, write_table
    from jackwatch.inventory.aws import aws_assets, check_regions, collect_aws

    threshold = parse_severity(fail_on)
    regions = check_regions(region)
    try:
        session = boto3.session.Session(profile_name=profile, region_name=regions[0] if regions else None)
    except ProfileNotFound as error:
        raise ConfigError(str(error)) from None
    except BotoCoreError as error:
        raise ConfigError(f"cannot set up AWS: {error}") from None
    inventory = collect_aws(session, regions=regions, endpoint_url=endpoint_url)
    checked = run_checks(inventory)
    assets = aws_assets(inventory)
    checked.findings = with_assets(checked.findings, assets)
    scan = AwsScan(inventory, checked, registry.specs, len(assets))
    if store:
        record(scan, assets, db)
    with output_stream(output) as stream:
        if fmt is AwsFormat.JSON:
            write_json(scan, stream)
        elif fmt is AwsFormat.SARIF:
            write_sarif(scan, stream)
        else:
            write_table(scan, stream, color=output is None and stream.isatty())
    return exit_code(checked.findings, threshold, False)


def with_assets(findings: list[Finding], assets: list[Asset]) -> list[Finding]:
    """Each finding naming in ``evidence["assets"]`` the id of the asset it is about (its subject)."""
    ids = {asset.ref: asset.id for asset in assets}
    return [
        replace(finding, evidence={**finding.evidence, "assets": [ids[finding.subject]]})
        if finding.subject in ids
        else finding
        for finding in findings
    ]


def record(scan: AwsScan, assets: list[Asset], db: str | None) -> None:
    """Record the scan as a run of ``scan aws``: the account's assets, then the findings."""
    from jackwatch.store import open_store

    now = datetime.now(UTC)
    with open_store(store_url(db)) as opened:
        run_id = opened.start_run("scan aws", [scan.target])
        opened.upsert_assets(assets, target=scan.target, seen=now)
        opened.record_many((finding, ()) for finding in scan.run.findings)
        opened.finish_run(run_id, {"summary": {"target": scan.target, "assets": len(assets)}, "stats": scan.stats()})
