"""AWS clients (CloudTrail readers, usage APIs, the AWS inventory), the account's enabled regions, and AWS errors
turned into clear messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from jackwatch.errors import SourceError

if TYPE_CHECKING:
    from mypy_boto3_account import AccountClient
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

DEFAULT_REGION = "us-east-1"

AwsError = ClientError | BotoCoreError
CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)
CONNECTION_ERRORS = (EndpointConnectionError, ConnectTimeoutError)
FATAL_ERRORS = CREDENTIAL_ERRORS + CONNECTION_ERRORS
"""Errors that no other region, object or message will escape: stop reading instead of counting them."""

DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "OptInRequired",
        "SignatureDoesNotMatch",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
    }
)
"""Error codes meaning the credentials may not do this (or are not valid here)."""


def error_code(exc: AwsError) -> str:
    """The AWS error code of an exception (empty when it is not a service error)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def describe(exc: AwsError) -> str:
    """A one-line explanation of an AWS error, never showing credentials."""
    if isinstance(exc, CREDENTIAL_ERRORS):
        return (
            "no usable AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            f"or run where a role is attached): {exc}"
        )
    if isinstance(exc, CONNECTION_ERRORS):
        return f"cannot reach the AWS endpoint: {exc}"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
        if code in DENIED_CODES:
            return f"access denied ({code}: {message})"
        if code == "NoSuchBucket":
            return f"the bucket does not exist ({message})"
        if code in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            return f"the queue does not exist ({message})"
        return f"{code or 'error'}: {message}"
    return str(exc)


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """Turn AWS errors raised inside the block into :class:`SourceError` ``"<what>: <explanation>"``."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise SourceError(f"{what}: {describe(exc)}") from exc


@dataclass(frozen=True, slots=True)
class AwsAccess:
    """How to reach AWS: the session (credentials, profile, region) and an optional endpoint override.

    ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) are honoured by boto3 itself when no
    ``endpoint_url`` is given.
    """

    session: boto3.session.Session
    endpoint_url: str | None = None
    max_attempts: int = 5

    @property
    def region(self) -> str:
        """The session's region, or us-east-1."""
        return self.session.region_name or DEFAULT_REGION

    @property
    def _config(self) -> Config:
        return Config(
            retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="jackwatch",
        )

    def s3(self) -> S3Client:
        """An S3 client (it follows buckets to their region by itself)."""
        return self.session.client("s3", region_name=self.region, endpoint_url=self.endpoint_url, config=self._config)

    def sqs(self, region: str | None = None) -> SQSClient:
        """An SQS client for ``region`` (default: the session's)."""
        return self.session.client(
            "sqs", region_name=region or self.region, endpoint_url=self.endpoint_url, config=self._config
        )

    def cloudtrail(self, region: str) -> CloudTrailClient:
        """A CloudTrail client for ``region``."""
        return self.session.client(
            "cloudtrail", region_name=region, endpoint_url=self.endpoint_url, config=self._config
        )

    def ec2(self) -> EC2Client:
        """An EC2 client in the session's region (to list regions)."""
        return self.session.client("ec2", region_name=self.region, endpoint_url=self.endpoint_url, config=self._config)

    def account(self) -> AccountClient:
        """An Account client (to list regions when EC2 is denied)."""
        return self.session.client(
            "account", region_name=self.region, endpoint_url=self.endpoint_url, config=self._config
        )


_ENABLED = frozenset({"opt-in-not-required", "opted-in"})


def enabled_regions(access: AwsAccess) -> list[str]:
    """The regions enabled for the account: EC2 DescribeRegions, or Account ListRegions if EC2 is denied."""
    try:
        reply = access.ec2().describe_regions(AllRegions=True)
    except ClientError as exc:
        if error_code(exc) not in DENIED_CODES:
            raise SourceError(f"cannot list the enabled regions: {describe(exc)}") from exc
        with aws_errors(f"cannot list the enabled regions (EC2 said {describe(exc)}; Account ListRegions)"):
            return _account_regions(access)
    except BotoCoreError as exc:
        raise SourceError(f"cannot list the enabled regions: {describe(exc)}") from exc
    return sorted(
        region["RegionName"]
        for region in reply.get("Regions", ())
        if "RegionName" in region and region.get("OptInStatus") in _ENABLED
    )


def _account_regions(access: AwsAccess) -> list[str]:
    """The enabled regions according to the Account API."""
    pages = (
        access.account()
        .get_paginator("list_regions")
        .paginate(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
    )
    return sorted(
        region["RegionName"] for page in pages for region in page.get("Regions", ()) if "RegionName" in region
    )
