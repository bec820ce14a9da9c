"""``jackwatch scan aws``: read an AWS account (IAM, Bedrock, CloudTrail) and report the settings and credentials
that make LLMjacking possible or invisible, each with its exact fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from jackwatch.cli.common import DbOption, OutputOption, exit_code, output_stream, store_url
from jackwatch.cli.options import parse_severity
from jackwatch.cli.scan_k8s import PostureFailOnOption, PostureFormatOption
from jackwatch.errors import ConfigError
from jackwatch.model import Severity
from jackwatch.outputs.posture import PostureFormat, PostureReport, write_posture

if TYPE_CHECKING:  # boto3 and the checks load only when the command runs
    from jackwatch.checks.base import CheckRun
    from jackwatch.inventory.aws.model import AwsInventory


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
    fmt: PostureFormat = PostureFormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = PostureFailOnOption,
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
    from jackwatch.cli.scan import link_assets, store_posture
    from jackwatch.inventory.aws import aws_assets, check_regions, collect_aws
    from jackwatch.store import open_store

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
    findings = link_assets(checked.findings, assets)
    stats = aws_stats(inventory, checked, len(assets))
    target = f"aws://{inventory.account}"
    if store:
        with open_store(store_url(db)) as opened:
            store_posture(opened, "scan aws", target, assets, findings, datetime.now(UTC), stats)
    report = PostureReport(
        findings,
        stats,
        registry.specs,
        target,
        f"AWS posture of account {inventory.account}",
        notes=[
            f"{len(inventory.regions)} regions read ({len(inventory.bedrock_regions)} with Bedrock), "
            f"{stats['users']} users, {stats['roles']} roles, {stats['trails']} trails",
            "Run with --format json, or jackwatch fix FINDING_ID, for each finding's commands and policy documents.",
        ],
        gaps=[str(failure) for failure in inventory.failures],
    )
    with output_stream(output) as stream:
        write_posture(fmt, report, stream, color=output is None and fmt is PostureFormat.TABLE and stream.isatty())
    return exit_code(findings, threshold, False)


def aws_stats(inventory: AwsInventory, run: CheckRun, assets: int) -> dict[str, Any]:
    """What an AWS scan read, found, and could not read."""
    per_severity = {str(severity): 0 for severity in reversed(Severity)}
    for finding in run.findings:
        per_severity[str(finding.severity)] += 1
    return {
        "account": inventory.account,
        "partition": inventory.partition,
        "caller": inventory.caller,
        "collected_at": inventory.collected_at.isoformat(),
        "regions": list(inventory.regions),
        "bedrock_regions": list(inventory.bedrock_regions),
        "users": None if inventory.users is None else len(inventory.users),
        "roles": None if inventory.roles is None else len(inventory.roles),
        "access_keys": sum(len(user.access_keys or ()) for user in inventory.users or ()),
        "bedrock_api_keys": None if inventory.service_credentials is None else len(inventory.service_credentials),
        "trails": len(inventory.trails),
        "assets": assets,
        "findings": len(run.findings),
        "by_severity": per_severity,
        "by_check": dict(run.counts),
        "check_errors": [{"check": error.check_id, "message": error.message} for error in run.errors],
        "partial": inventory.partial,
        "failures": [failure.as_dict() for failure in inventory.failures],
    }
