"""Bedrock's settings per region: model invocation logging (``GetModelInvocationLoggingConfiguration``) and
guardrails (``ListGuardrails``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from jackwatch.inventory.aws.clients import AwsClients, Calls, each
from jackwatch.inventory.aws.model import BedrockRegion, Guardrail, LoggingConfig


def read_bedrock(clients: AwsClients, calls: Calls, regions: Sequence[str]) -> tuple[BedrockRegion, ...]:
    """Invocation logging and guardrails of every region in ``regions``."""
    return tuple(each(regions, lambda region: _region(clients, calls, region)))


def _region(clients: AwsClients, calls: Calls, region: str) -> BedrockRegion:
    bedrock = clients.client("bedrock", region)
    reply = calls.run(
        bedrock.get_model_invocation_logging_configuration,
        service="bedrock",
        operation="GetModelInvocationLoggingConfiguration",
        region=region,
        scope="model invocation logging",
    )
    guardrails = calls.run(
        lambda: _guardrails(bedrock),
        service="bedrock",
        operation="ListGuardrails",
        region=region,
        scope="guardrails",
    )
    logging = None if reply is None else logging_config(reply.get("loggingConfig"))
    return BedrockRegion(region, logging, None if guardrails is None else tuple(guardrails))


def logging_config(raw: Mapping[str, Any] | None) -> LoggingConfig:
    """The logging configuration of a ``GetModelInvocationLoggingConfiguration`` reply (empty: off)."""
    raw = raw or {}
    s3 = raw.get("s3Config") or {}
    cloudwatch = raw.get("cloudWatchConfig") or {}
    return LoggingConfig(
        s3_bucket=s3.get("bucketName") or None,
        s3_prefix=s3.get("keyPrefix") or None,
        log_group=cloudwatch.get("logGroupName") or None,
        role_arn=cloudwatch.get("roleArn") or None,
        text=bool(raw.get("textDataDeliveryEnabled")),
        image=bool(raw.get("imageDataDeliveryEnabled")),
        embedding=bool(raw.get("embeddingDataDeliveryEnabled")),
    )


def _guardrails(bedrock: Any) -> list[Guardrail]:
    found = []
    for page in bedrock.get_paginator("list_guardrails").paginate():
        for item in page.get("guardrails", ()):
            updated = item.get("updatedAt")
            found.append(
                Guardrail(
                    id=str(item.get("id", "")),
                    arn=str(item.get("arn", "")),
                    name=str(item.get("name", "")),
                    status=str(item.get("status", "")),
                    version=str(item.get("version", "")),
                    updated=updated if isinstance(updated, datetime) else None,
                )
            )
    return found
