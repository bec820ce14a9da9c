"""Read one AWS account: who the credentials are (STS), which regions to read, then IAM, Bedrock and CloudTrail.

Regions: those given, else every region enabled for the account (EC2 ``DescribeRegions``, or Account
``ListRegions``) in the credentials' partition; Bedrock is read in those of them where it is offered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from jackwatch.aws import DEFAULT_REGION, AwsAccess, describe, enabled_regions
from jackwatch.errors import ConfigError, SourceError
from jackwatch.inventory.aws.bedrock import read_bedrock
from jackwatch.inventory.aws.clients import AwsClients, Calls
from jackwatch.inventory.aws.cloudtrail import read_trails
from jackwatch.inventory.aws.iam import iam_region, read_iam
from jackwatch.inventory.aws.model import GLOBAL, AwsInventory

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def check_regions(regions: Sequence[str]) -> list[str]:
    """``regions`` without repeats, each checked to look like a region name (``eu-west-1``)."""
    found: list[str] = []
    for region in regions:
        name = region.strip().lower()
        if not _REGION.fullmatch(name):
            raise ConfigError(f"{region!r} is not an AWS region name (like eu-west-1)")
        if name not in found:
            found.append(name)
    return found


def collect_aws(
    session: boto3.session.Session,
    *,
    regions: Sequence[str] = (),
    endpoint_url: str | None = None,
    now: datetime | None = None,
) -> AwsInventory:
    """The inventory of the account ``session``'s credentials belong to, read at ``now`` (default: now).

    Raises :class:`SourceError` when the credentials are missing or refused (STS ``GetCallerIdentity``); any
    other refused call leaves the inventory partial (see :attr:`AwsInventory.failures`).
    """
    moment = now or datetime.now(UTC)
    clients = AwsClients(session, endpoint_url)
    calls = Calls()
    home = session.region_name or DEFAULT_REGION
    try:
        identity = clients.client("sts", home).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise SourceError(f"cannot tell which AWS account these credentials belong to: {describe(exc)}") from exc
    account = str(identity["Account"])
    caller = str(identity["Arn"])
    partition = caller.split(":")[1] if caller.startswith("arn:") else "aws"
    chosen = check_regions(regions) if regions else _enabled(session, endpoint_url, calls, home, partition)
    offered = set(session.get_available_regions("bedrock", partition_name=partition))
    bedrock_regions = tuple(region for region in chosen if region in offered)
    iam = read_iam(clients, calls, account, partition)
    bedrock = read_bedrock(clients, calls, bedrock_regions)
    trails, trail_regions = read_trails(clients, calls, chosen)
    return AwsInventory(
        account=account,
        partition=partition,
        caller=caller,
        collected_at=moment,
        regions=tuple(chosen),
        bedrock_regions=bedrock_regions,
        users=iam.users,
        roles=iam.roles,
        service_credentials=iam.service_credentials,
        bedrock=bedrock,
        trails=trails,
        trail_regions=trail_regions,
        failures=calls.failures,
    )


def _enabled(
    session: boto3.session.Session, endpoint_url: str | None, calls: Calls, home: str, partition: str
) -> list[str]:
    """The enabled regions of the partition; the session's region alone when they cannot be listed."""
    known = set(session.get_available_regions("ec2", partition_name=partition))
    try:
        listed = enabled_regions(AwsAccess(session, endpoint_url))
    except SourceError as error:
        fallback = home if partition == "aws" else iam_region(partition)
        calls.fail("ec2", "DescribeRegions", GLOBAL, "", str(error), f"regions other than {fallback} (use --region)")
        return [fallback]
    return [region for region in listed if region in known] or [home]
