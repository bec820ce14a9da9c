"""Exact fixes for AWS findings: the AWS CLI commands to run and the policy or configuration JSON they carry, made
for the account, region, user or trail the finding is about.

Every fix is a mapping with ``summary`` (what it does), ``commands`` (AWS CLI commands, arguments quoted for a
POSIX shell) and the JSON documents the commands use, under their own keys (``policy``, ``logging_config``…).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from jackwatch.inventory.aws.model import AccessKey, ServiceCredential, Trail
from jackwatch.inventory.aws.policy import PolicySource

DENY_INVOKE_POLICY = "jackwatch-deny-bedrock-invocation"
"""The name of the inline deny policy the fixes attach."""

DENY_BEARER_POLICY = "jackwatch-deny-bedrock-api-keys"
INVOKE_ONLY_POLICY = "jackwatch-bedrock-invoke-only"
TRAIL_NAME = "jackwatch-management-events"

DENIED_BEDROCK_ACTIONS = (
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:CreateModelInvocationJob",
    "bedrock:CallWithBearerToken",
    "bedrock:PutFoundationModelEntitlement",
    "bedrock:PutUseCaseForModelAccess",
    "bedrock:CreateFoundationModelAgreement",
)
"""What the deny policy takes away: inference (Converse included), batch inference, API-key calls, and the model
access steps LLMjacking campaigns take to enable new models."""


def compact(document: Any) -> str:
    """JSON without spaces, as a command argument."""
    return json.dumps(document, separators=(",", ":"))


def _q(value: str) -> str:
    return shlex.quote(value)


def deny_bedrock_policy() -> dict[str, Any]:
    """An identity policy that denies Bedrock inference and model enablement (a quarantine for Bedrock)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyBedrockInvocation", "Effect": "Deny", "Action": list(DENIED_BEDROCK_ACTIONS), "Resource": "*"}
        ],
    }


def put_user_policy(user: str, name: str, policy: Mapping[str, Any]) -> str:
    """``aws iam put-user-policy`` with the policy inline."""
    return (
        f"aws iam put-user-policy --user-name {_q(user)} --policy-name {_q(name)} "
        f"--policy-document {_q(compact(policy))}"
    )


def deactivate_key(user: str, key: str) -> str:
    """``aws iam update-access-key … --status Inactive``."""
    return f"aws iam update-access-key --user-name {_q(user)} --access-key-id {_q(key)} --status Inactive"


def invoke_fix(user: str, keys: Sequence[AccessKey]) -> dict[str, Any]:
    """Deny Bedrock to ``user`` and deactivate its active keys."""
    policy = deny_bedrock_policy()
    return {
        "summary": (
            f"deny Bedrock inference to {user} (inline policy {DENY_INVOKE_POLICY}), then deactivate its access "
            "keys once their users have moved to role credentials"
        ),
        "commands": [put_user_policy(user, DENY_INVOKE_POLICY, policy)]
        + [deactivate_key(user, key.id) for key in keys],
        "policy": policy,
    }


def rotate_key_fix(user: str, key: AccessKey) -> dict[str, Any]:
    """Rotate ``key`` of ``user``: a new key, then the old one deactivated and deleted."""
    return {
        "summary": (
            f"rotate {key.id}: create a new key for {user}, move its users to it, deactivate and delete the old one"
        ),
        "commands": [
            f"aws iam create-access-key --user-name {_q(user)}",
            deactivate_key(user, key.id),
            f"aws iam delete-access-key --user-name {_q(user)} --access-key-id {_q(key.id)}",
        ],
    }


def invoke_only_policy(account: str, partition: str) -> dict[str, Any]:
    """A least-privilege replacement for full Bedrock access: inference on foundation models and the account's
    inference profiles (narrow the resources to the models in use)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeModelsOnly",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": [
                    f"arn:{partition}:bedrock:*::foundation-model/*",
                    f"arn:{partition}:bedrock:*:{account}:inference-profile/*",
                ],
            }
        ],
    }


def full_access_fix(user: str, grants: Sequence[PolicySource], account: str, partition: str) -> dict[str, Any]:
    """Remove the grants of full Bedrock access from ``user`` and give it inference only."""
    commands = [_remove_grant(user, grant) for grant in grants]
    replacement = invoke_only_policy(account, partition)
    commands.append(put_user_policy(user, INVOKE_ONLY_POLICY, replacement))
    shared = sorted({grant.group for grant in grants if grant.group})
    note = f" (detaching from group {', '.join(shared)} affects its other members)" if shared else ""
    return {
        "summary": f"remove the full-access grants from {user}{note} and allow model inference only",
        "commands": commands,
        "policy": replacement,
    }


def _remove_grant(user: str, grant: PolicySource) -> str:
    if grant.kind == "managed" and grant.group:
        return f"aws iam detach-group-policy --group-name {_q(grant.group)} --policy-arn {_q(grant.arn or '')}"
    if grant.kind == "managed":
        return f"aws iam detach-user-policy --user-name {_q(user)} --policy-arn {_q(grant.arn or '')}"
    if grant.group:
        return f"aws iam delete-group-policy --group-name {_q(grant.group)} --policy-name {_q(grant.name)}"
    return f"aws iam delete-user-policy --user-name {_q(user)} --policy-name {_q(grant.name)}"


def api_key_fix(credential: ServiceCredential) -> dict[str, Any]:
    """Revoke a long-term Bedrock API key and deny bearer-token calls to its user."""
    user, ident = _q(credential.user), _q(credential.id)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyBedrockApiKeys",
                "Effect": "Deny",
                "Action": ["bedrock:CallWithBearerToken", "iam:CreateServiceSpecificCredential"],
                "Resource": "*",
            }
        ],
    }
    return {
        "summary": (
            f"deactivate and delete the long-term Bedrock API key {credential.id} of {credential.user} and deny "
            "API-key calls to the user; use short-term API keys or role credentials instead"
        ),
        "commands": [
            f"aws iam update-service-specific-credential --user-name {user} "
            f"--service-specific-credential-id {ident} --status Inactive",
            f"aws iam delete-service-specific-credential --user-name {user} --service-specific-credential-id {ident}",
            put_user_policy(credential.user, DENY_BEARER_POLICY, policy),
        ],
        "policy": policy,
    }


def logging_bucket(account: str, region: str) -> str:
    """The name the fix gives the invocation log bucket."""
    return f"jackwatch-bedrock-logs-{account}-{region}"


def logging_fix(account: str, region: str, partition: str) -> dict[str, Any]:
    """Turn on invocation logging in ``region`` to a new S3 bucket that Bedrock may write to."""
    bucket = logging_bucket(account, region)
    config = {
        "s3Config": {"bucketName": bucket, "keyPrefix": ""},
        "textDataDeliveryEnabled": True,
        "imageDataDeliveryEnabled": False,
        "embeddingDataDeliveryEnabled": False,
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AmazonBedrockLogsWrite",
                "Effect": "Allow",
                "Principal": {"Service": "bedrock.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": [f"arn:{partition}:s3:::{bucket}/AWSLogs/{account}/BedrockModelInvocationLogs/*"],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:bedrock:{region}:{account}:*"},
                },
            }
        ],
    }
    return {
        "summary": f"log Bedrock invocations of {region} (prompts, completions, token counts) to s3://{bucket}",
        "commands": [
            _create_bucket(bucket, region),
            f"aws s3api put-bucket-policy --bucket {_q(bucket)} --policy {_q(compact(policy))}",
            f"aws bedrock put-model-invocation-logging-configuration --region {_q(region)} "
            f"--logging-config {_q(compact(config))}",
        ],
        "logging_config": config,
        "bucket_policy": policy,
    }


def _create_bucket(bucket: str, region: str) -> str:
    where = "" if region == "us-east-1" else f" --create-bucket-configuration LocationConstraint={_q(region)}"
    return f"aws s3api create-bucket --bucket {_q(bucket)} --region {_q(region)}{where}"


def management_selectors(trail: Trail) -> tuple[str, list[dict[str, Any]]]:
    """The trail's selectors changed to log every management event, its data event selectors kept:
    ``("basic" | "advanced", selectors)``."""
    if trail.selectors_kind == "advanced":
        kept = [dict(s) for s in trail.selectors if not _advanced_management(s)]
        everything = {
            "Name": "Management events",
            "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
        }
        return "advanced", [everything, *kept]
    basic: list[dict[str, Any]] = []
    for selector in trail.selectors or ({"ReadWriteType": "All", "IncludeManagementEvents": True},):
        changed = dict(selector)
        if changed.get("IncludeManagementEvents", True):
            changed["ReadWriteType"] = "All"
            excluded = [s for s in changed.get("ExcludeManagementEventSources") or () if s != "bedrock.amazonaws.com"]
            if "ExcludeManagementEventSources" in changed:
                changed["ExcludeManagementEventSources"] = excluded
        basic.append(changed)
    if not any(s.get("IncludeManagementEvents", True) for s in basic):
        basic[0] = {**basic[0], "ReadWriteType": "All", "IncludeManagementEvents": True}
    return "basic", basic


def _advanced_management(selector: Mapping[str, Any]) -> bool:
    return any(
        field.get("Field") == "eventCategory" and "Management" in (field.get("Equals") or ())
        for field in selector.get("FieldSelectors") or ()
    )


def cloudtrail_fix(trails: Sequence[Trail], regions: Sequence[str], account: str, partition: str) -> dict[str, Any]:
    """Make one trail log read and write management events in every region: fix the best existing trail (multi-
    region first), or create one."""
    candidates = sorted(trails, key=lambda t: (not t.multi_region, t.organization, t.arn))
    if not candidates:
        return _new_trail_fix(regions, account, partition)
    trail = candidates[0]
    arn, home = _q(trail.arn), _q(trail.home_region)
    commands: list[str] = []
    fix: dict[str, Any] = {}
    steps = []
    if not trail.multi_region:
        commands.append(f"aws cloudtrail update-trail --name {arn} --region {home} --is-multi-region-trail")
        steps.append("make it multi-region")
    if trail.reads_management is False:
        kind, selectors = management_selectors(trail)
        option = "--advanced-event-selectors" if kind == "advanced" else "--event-selectors"
        commands.append(
            f"aws cloudtrail put-event-selectors --trail-name {arn} --region {home} {option} {_q(compact(selectors))}"
        )
        fix["event_selectors"] = selectors
        steps.append("log read and write management events (its data event selectors kept)")
    if trail.logging is False:
        commands.append(f"aws cloudtrail start-logging --name {arn} --region {home}")
        steps.append("start logging")
    owner = " (an organization trail: run these in the organization's management account)" if trail.organization else ""
    fix.update(
        {"summary": f"trail {trail.name}: {', '.join(steps) or 'check its status'}{owner}", "commands": commands}
    )
    return fix


def _new_trail_fix(regions: Sequence[str], account: str, partition: str) -> dict[str, Any]:
    region = "us-east-1" if "us-east-1" in regions or not regions else regions[0]
    bucket = f"jackwatch-cloudtrail-{account}"
    trail_arn = f"arn:{partition}:cloudtrail:{region}:{account}:trail/{TRAIL_NAME}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:{partition}:s3:::{bucket}",
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:{partition}:s3:::{bucket}/AWSLogs/{account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}
                },
            },
        ],
    }
    return {
        "summary": f"create the multi-region trail {TRAIL_NAME} logging every management event to s3://{bucket}",
        "commands": [
            _create_bucket(bucket, region),
            f"aws s3api put-bucket-policy --bucket {_q(bucket)} --policy {_q(compact(policy))}",
            f"aws cloudtrail create-trail --name {TRAIL_NAME} --s3-bucket-name {_q(bucket)} --is-multi-region-trail "
            f"--region {_q(region)}",
            f"aws cloudtrail start-logging --name {TRAIL_NAME} --region {_q(region)}",
        ],
        "bucket_policy": policy,
    }


GUARDRAIL_FILTERS = {
    "filtersConfig": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        *(
            {"type": kind, "inputStrength": "HIGH", "outputStrength": "HIGH"}
            for kind in ("SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT")
        ),
    ]
}
"""Prompt-attack and content filters of the baseline guardrail."""


def guardrail_fix(region: str) -> dict[str, Any]:
    """Create a baseline guardrail in ``region`` and publish a version of it."""
    return {
        "summary": (
            f"create the guardrail jackwatch-baseline in {region} (prompt-attack and content filters) and "
            "publish a version for applications to apply"
        ),
        "commands": [
            f"GUARDRAIL_ID=$(aws bedrock create-guardrail --region {_q(region)} --name jackwatch-baseline "
            "--blocked-input-messaging 'This request is not allowed.' "
            "--blocked-outputs-messaging 'This response is not allowed.' "
            f"--content-policy-config {_q(compact(GUARDRAIL_FILTERS))} --query guardrailId --output text)",
            f'aws bedrock create-guardrail-version --region {_q(region)} --guardrail-identifier "$GUARDRAIL_ID"',
        ],
        "content_policy_config": GUARDRAIL_FILTERS,
    }
