"""Regenerate the openai-app demo CloudTrail trace, its expected-detection manifest and the bad inputs.

    python examples/openai-app/make_cloudtrail.py [--out DIR]

The output is deterministic: the same script always writes the same bytes. The story is told in
``README.md`` beside this file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import orjson
from cloudtrail_synth import (
    AIOHTTP_UA,
    AXIOS_UA,
    MODEL_ACCESS_DENIED,
    OPERATIONS,
    PROBE_REJECTED,
    THROTTLED,
    Actor,
    Failure,
    Identity,
    Ids,
    api_call,
    assumed_role,
    aws_cli_ua,
    aws_service,
    bedrock_api_key_user,
    bedrock_call,
    bedrock_invoke,
    boto3_ua,
    chrome_ua,
    encode_file,
    format_time,
    go_sdk_ua,
    iam_user,
    model_access_call,
    operation,
    ordinary_call,
    scp_denied,
    web_identity_user,
    write_trail,
)

SEED = 20250610
ACCOUNT = "123456789012"
HOME = "us-east-1"
DAY = datetime(2025, 6, 10, tzinfo=UTC)

APP_MODEL = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
EMBED_MODEL = "amazon.titan-embed-text-v2:0"
OPUS = "anthropic.claude-3-opus-20240229-v1:0"
SONNET = "anthropic.claude-3-sonnet-20240229-v1:0"
BUYER_MODEL = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
BUYER_REGION = "us-west-2"

ALLOWED_REGIONS = ("us-east-1", "us-west-2", "eu-central-1", "eu-west-3", "us-east-2", "eu-west-1")
"""Regions the organisation's SCP allows; every other region answers AccessDenied."""
DENIED_REGIONS = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-north-1",
    "eu-west-2",
    "sa-east-1",
    "us-west-1",
)

# Source addresses; ASN and organisation from ip-location-db (IP Geolocation by DB-IP, RouteViews, NRO).
NAT_IPS = ("3.215.47.112", "18.206.107.24")  # AS14618 Amazon.com: the EKS cluster's NAT gateways
OFFICE_IP = "98.207.44.12"  # AS7922 Comcast: the admin's office
KEYCHECK_IP = "5.75.213.87"  # AS24940 Hetzner Online
ENABLE_IP = "37.120.236.45"  # AS9009 M247 Europe
PROXY_IP = "194.48.248.61"  # AS200019 ALEXHOST
DATACAMP_IP = "45.134.17.201"  # AS212238 Datacamp Limited
PACKETHUB_IP = "2.58.37.90"  # AS136787 PacketHub
SECOND_ACTOR_IP = "180.191.162.14"  # AS132199 Globe Telecom


def at(clock: str) -> datetime:
    """``HH:MM:SS`` on the day of the story, UTC."""
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return DAY.replace(hour=hours, minute=minutes, second=seconds)


TRACE_START = at("12:00:00")
TRACE_END = at("18:00:00")
ATTACK_START = at("14:02:00")

APP_UA = boto3_ua("1.34.131", "1.34.131", "linux#5.10.219-208.866.amzn2.x86_64", "3.11.9")
LAMBDA_UA = boto3_ua(
    "1.34.145", "1.34.145", "linux#5.10.223-232.873.amzn2.x86_64", "3.12.4", exec_env="AWS_Lambda_python3.12"
)
KEYCHECK_BOTO3_UA = boto3_ua("1.34.84", "1.34.84", "windows#10", "3.11.9", arch="amd64")
BEARER_UA = boto3_ua("1.39.4", "1.39.4", "linux#6.8.0-45-generic", "3.12.3")
ADMIN_UA = chrome_ua(125)
ENABLE_UA = chrome_ua(126, "Windows NT 10.0; Win64; x64")
DATACAMP_AXIOS_UA = "axios/1.7.4"
URLLIB3_UA = "python-urllib3/2.0.7"
CNI_UA = go_sdk_ua("1.30.3", "ec2#1.177.1")
GITHUB_STS_UA = "aws-sdk-js/3.621.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.16.0 api/sts#3.621.0"
DOCKER_UA = "docker/26.1.3 go/go1.21.10 git-commit/8e96db1 kernel/6.5.0-1025-azure os/linux arch/amd64"
PHANTOM_CLI_UA = aws_cli_ua("2.15.40", "iam.list-users", os="windows#10")

Records = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Cast:
    """The identities of the story, built once from the seeded ids."""

    app: Identity
    phantom_key: Identity
    phantom_user: Identity
    phantom_user_id: str
    phantom_access_key: str
    api_key_credential_id: str
    rag_role_id: str
    node_role_id: str
    ci_role_id: str
    admin_role_id: str
    monitoring_role_id: str
    config_role_id: str

    @classmethod
    def build(cls, ids: Ids) -> Cast:
        """Draw every long-lived id of the story."""
        phantom_id = ids.unique_id("AIDA")
        phantom_access_key = ids.access_key_id()
        app = iam_user(
            ACCOUNT, "openai-app-bedrock", principal_id=ids.unique_id("AIDA"), access_key_id=ids.access_key_id()
        )
        return cls(
            app=app,
            phantom_key=bedrock_api_key_user(ACCOUNT, "x1y2", principal_id=phantom_id),
            phantom_user=iam_user(
                ACCOUNT, "BedrockAPIKey-x1y2", principal_id=phantom_id, access_key_id=phantom_access_key
            ),
            phantom_user_id=phantom_id,
            phantom_access_key=phantom_access_key,
            api_key_credential_id=ids.unique_id("ACCA"),
            rag_role_id=ids.unique_id("AROA"),
            node_role_id=ids.unique_id("AROA"),
            ci_role_id=ids.unique_id("AROA"),
            admin_role_id=ids.unique_id("AROA"),
            monitoring_role_id=ids.unique_id("AROA"),
            config_role_id=ids.unique_id("AROA"),
        )


ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_5d3a1f0c9b2e7a44"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
PRINCIPALS = {
    "app": f"arn:aws:iam::{ACCOUNT}:user/openai-app-bedrock",
    "api_key": f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-x1y2",
    "rag_indexer": f"arn:aws:iam::{ACCOUNT}:role/rag-indexer-role",
    "eks_nodes": f"arn:aws:iam::{ACCOUNT}:role/openai-app-eks-node-role",
    "ci": f"arn:aws:iam::{ACCOUNT}:role/github-actions-deploy",
    "admin": f"arn:aws:iam::{ACCOUNT}:role{SSO_PATH}{ADMIN_ROLE}",
    "monitoring": f"arn:aws:iam::{ACCOUNT}:role/DatadogIntegrationRole",
    "config": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
}
"""Principals as jackwatch reports them: the user's ARN, or the role's ARN for assumed-role sessions."""


def poisson(rng: Random, start: datetime, end: datetime, per_hour: float) -> Iterator[datetime]:
    """Arrival times of a Poisson process of ``per_hour`` events between ``start`` and ``end``."""
    when = start
    while True:
        when += timedelta(seconds=rng.expovariate(per_hour / 3600))
        if when >= end:
            return
        yield when.replace(microsecond=0)


def pick_operation(rng: Random, weights: dict[str, float]) -> str:
    """An operation name drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# ---------------------------------------------------------------------------------------------------
# Legitimate traffic


def legit_app(ids: Ids, cast: Cast) -> Records:
    """openai-app: about one Converse/InvokeModel per minute from the EKS NAT gateways, boto3 on Linux."""
    rng = ids.rng
    records: Records = []
    for when in poisson(rng, TRACE_START, TRACE_END, 60):
        actor = Actor(cast.app, rng.choice(NAT_IPS), APP_UA)
        operation = pick_operation(rng, {"Converse": 0.7, "InvokeModel": 0.3})
        failure = THROTTLED if rng.random() < 0.004 else None
        records.append(bedrock_invoke(ids, actor, when, HOME, APP_MODEL, operation=operation, failure=failure))
    return records


def legit_rag_indexer(ids: Ids, cast: Cast) -> Records:
    """rag-indexer Lambda: an embedding burst every 15 minutes (~120 InvokeModel/h), one session per hour."""
    rng = ids.rng
    records: Records = []
    lambda_service = Actor(aws_service("lambda.amazonaws.com"), "lambda.amazonaws.com", "lambda.amazonaws.com")
    for hour in range(12, 18):
        created = at(f"{hour}:04:10")
        key = ids.access_key_id("ASIA")
        session = assumed_role(
            ACCOUNT, "rag-indexer-role", "rag-indexer", role_id=cast.rag_role_id, access_key_id=key, created=created
        )
        role_arn = PRINCIPALS["rag_indexer"]
        records.append(
            api_call(
                ids,
                lambda_service,
                created,
                "sts",
                "AssumeRole",
                HOME,
                request={"roleArn": role_arn, "roleSessionName": "rag-indexer"},
                response={
                    "credentials": {"accessKeyId": key, "expiration": format_time(created + timedelta(hours=12))},
                    "assumedRoleUser": {
                        "assumedRoleId": f"{cast.rag_role_id}:rag-indexer",
                        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/rag-indexer-role/rag-indexer",
                    },
                },
                account=ACCOUNT,
            )
        )
        ip = f"3.{rng.randint(208, 239)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        function = Actor(session, ip, LAMBDA_UA)
        config = operation("lambda_app", "GetParameter")
        records.append(ordinary_call(ids, function, created + timedelta(seconds=1), HOME, config))
        log_writer = Actor(session, ip, "awslambda-worker/1.0 rusoto/0.48.0 rust/1.69.0 linux")
        records.append(ordinary_call(ids, log_writer, created, HOME, operation("lambda_app", "CreateLogStream")))
        for quarter in (5, 20, 35, 50):
            burst = at(f"{hour}:{quarter:02d}:00")
            for _ in range(rng.randint(25, 35)):
                when = burst + timedelta(seconds=rng.randint(0, 150))
                records.append(bedrock_invoke(ids, function, when, HOME, EMBED_MODEL))
    return records


def legit_eks_nodes(ids: Ids, cast: Cast) -> Records:
    """Three EKS nodes: the VPC CNI's EC2 calls every few minutes, image pulls now and then."""
    rng = ids.rng
    records: Records = []
    cni_ops = [op for op in OPERATIONS["k8s_node"] if op.service == "ec2"]
    pull = (operation("k8s_node", "GetAuthorizationToken"), operation("k8s_node", "BatchGetImage"))
    for index in range(3):
        instance = f"i-0{index}5f3c9a8e7d6b4a2"
        session = assumed_role(
            ACCOUNT,
            "openai-app-eks-node-role",
            instance,
            role_id=cast.node_role_id,
            access_key_id=ids.access_key_id("ASIA"),
            created=at("11:40:00") + timedelta(minutes=7 * index),
        )
        actor = Actor(session, NAT_IPS[index % 2], CNI_UA)
        puller = Actor(
            session, NAT_IPS[index % 2], "ecr-credential-provider/1.29.0 " + go_sdk_ua("1.30.3", "ecr#1.32.0")
        )
        for when in poisson(rng, TRACE_START, TRACE_END, 14):
            records.append(ordinary_call(ids, actor, when, HOME, rng.choice(cni_ops)))
        for when in poisson(rng, TRACE_START, TRACE_END, 2):
            records.append(ordinary_call(ids, puller, when, HOME, pull[0]))
            records.append(ordinary_call(ids, puller, when + timedelta(seconds=2), HOME, pull[1]))
    return records


CI_STEPS = (
    ("GetCallerIdentity", "sts.get-caller-identity"),
    ("GetAuthorizationToken", "ecr.get-login-password"),
    *(("BatchCheckLayerAvailability", "docker"),) * 3,
    ("InitiateLayerUpload", "docker"),
    ("CompleteLayerUpload", "docker"),
    ("PutImage", "docker"),
    ("DescribeCluster", "eks.describe-cluster"),
    ("DescribeStacks", "cloudformation.describe-stacks"),
    ("GetRole", "iam.get-role"),
    ("ListAttachedRolePolicies", "iam.list-attached-role-policies"),
)
"""One deploy: (operation, the AWS CLI command or ``docker`` that makes it)."""


def legit_ci(ids: Ids, cast: Cast) -> Records:
    """GitHub Actions deploys through OIDC: web-identity sign-in, image push, cluster and IAM reads."""
    rng = ids.rng
    records: Records = []
    github = web_identity_user(
        ACCOUNT, "token.actions.githubusercontent.com", "repo:acme/openai-app:ref:refs/heads/main"
    )
    role_arn = PRINCIPALS["ci"]
    for clock in ("12:40:12", "14:10:47", "15:50:03", "17:15:29"):
        start = at(clock)
        runner_ip = f"4.{rng.randint(150, 155)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        key = ids.access_key_id("ASIA")
        records.append(
            api_call(
                ids,
                Actor(github, runner_ip, GITHUB_STS_UA),
                start,
                "sts",
                "AssumeRoleWithWebIdentity",
                HOME,
                request={"roleArn": role_arn, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
                response={
                    "credentials": {"accessKeyId": key, "expiration": format_time(start + timedelta(hours=1))},
                    "subjectFromWebIdentityToken": "repo:acme/openai-app:ref:refs/heads/main",
                    "assumedRoleUser": {
                        "assumedRoleId": f"{cast.ci_role_id}:GitHubActions",
                        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions",
                    },
                    "provider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
                    "audience": "sts.amazonaws.com",
                },
                account=ACCOUNT,
            )
        )
        session = assumed_role(
            ACCOUNT, "github-actions-deploy", "GitHubActions", role_id=cast.ci_role_id, access_key_id=key, created=start
        )
        when = start + timedelta(seconds=4)
        for name, command in CI_STEPS:
            when += timedelta(seconds=rng.randint(2, 40))
            user_agent = (
                DOCKER_UA if command == "docker" else aws_cli_ua("2.17.20", command, os="linux#6.5.0-1025-azure")
            )
            actor = Actor(session, runner_ip, user_agent)
            records.append(ordinary_call(ids, actor, when, HOME, operation("ci", name)))
    return records


def legit_admin(ids: Ids, cast: Cast) -> Records:
    """An administrator's two console sessions through SSO; the second browses the Bedrock console."""
    rng = ids.rng
    records: Records = []
    for start, bedrock_tour in ((at("13:05:31"), False), (at("16:20:12"), True)):
        session = assumed_role(
            ACCOUNT,
            ADMIN_ROLE,
            "alice.martin@acme.example",
            role_id=cast.admin_role_id,
            access_key_id=ids.access_key_id("ASIA"),
            created=start,
            path=SSO_PATH,
            console=True,
        )
        actor = Actor(session, OFFICE_IP, ADMIN_UA)
        signing_in = Actor(Identity(session.user_identity), OFFICE_IP, ADMIN_UA)
        login = api_call(
            ids,
            signing_in,
            start,
            "signin",
            "ConsoleLogin",
            HOME,
            response={"ConsoleLogin": "Success"},
            additional={
                "LoginTo": "https://console.aws.amazon.com/console/home",
                "MobileVersion": "No",
                "MFAUsed": "No",
            },
            read_only=False,
            event_type="AwsConsoleSignIn",
            version="1.08",
        )
        records.append(login)
        # The Bedrock session reads no IAM: identity reads then Bedrock by one key is the key-checker pattern.
        ops = [op for op in OPERATIONS["human"] if not (bedrock_tour and op.service == "iam")]
        when = start + timedelta(seconds=20)
        for _ in range(18):
            when += timedelta(seconds=rng.randint(15, 90))
            records.append(ordinary_call(ids, actor, when, HOME, rng.choice(ops)))
        if bedrock_tour:
            records += admin_bedrock_tour(ids, actor, when)
    return records


def admin_bedrock_tour(ids: Ids, actor: Actor, start: datetime) -> Records:
    """The admin looks at the Bedrock console: model catalogue, model access page, guardrails."""
    steps: list[tuple[int, Callable[[datetime], dict[str, Any]]]] = [
        (5, lambda t: bedrock_call(ids, actor, t, HOME, "ListFoundationModels")),
        (4, lambda t: bedrock_call(ids, actor, t, HOME, "ListInferenceProfiles", request={"maxResults": 1000})),
        (9, lambda t: model_access_call(ids, actor, t, HOME, "GetUseCaseForModelAccess")),
        (1, lambda t: model_access_call(ids, actor, t, HOME, "GetFoundationModelAvailability", APP_MODEL[3:])),
        (1, lambda t: model_access_call(ids, actor, t, HOME, "GetFoundationModelAvailability", EMBED_MODEL)),
        (1, lambda t: model_access_call(ids, actor, t, HOME, "GetFoundationModelAvailability", SONNET)),
        (25, lambda t: bedrock_call(ids, actor, t, HOME, "ListGuardrails", request={"maxResults": 1000})),
        (40, lambda t: bedrock_call(ids, actor, t, "us-west-2", "ListFoundationModels")),
    ]
    records: Records = []
    when = start
    for delay, build in steps:
        when += timedelta(seconds=delay)
        records.append(build(when))
    return records


def legit_monitoring(ids: Ids, cast: Cast) -> Records:
    """A monitoring integration role polls metrics and inventory in four regions every 10 minutes."""
    rng = ids.rng
    records: Records = []
    ops = OPERATIONS["monitoring"]
    session = assumed_role(
        ACCOUNT,
        "DatadogIntegrationRole",
        "DatadogAWSIntegration",
        role_id=cast.monitoring_role_id,
        access_key_id=ids.access_key_id("ASIA"),
        created=at("11:55:00"),
    )
    for tick in range(36):
        base = TRACE_START + timedelta(minutes=10 * tick, seconds=rng.randint(0, 30))
        ip = f"3.233.{rng.randint(144, 159)}.{rng.randint(1, 254)}"
        for offset, region in enumerate(("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")):
            for op in (ops[0], ops[0], ops[2], ops[4]):
                when = base + timedelta(seconds=offset * 3 + rng.randint(0, 20))
                actor = Actor(session, ip, go_sdk_ua("1.30.3", f"{op.service}#1.40.3"))
                records.append(ordinary_call(ids, actor, when, region, op))
    return records


def legit_services(ids: Ids, cast: Cast) -> Records:
    """AWS Config's service-linked role records configuration every 30 minutes in two regions."""
    rng = ids.rng
    records: Records = []
    session = assumed_role(
        ACCOUNT,
        "AWSServiceRoleForConfig",
        "AWSConfig-Describe",
        role_id=cast.config_role_id,
        access_key_id=ids.access_key_id("ASIA"),
        created=at("11:30:00"),
        path="/aws-service-role/config.amazonaws.com/",
        invoked_by="config.amazonaws.com",
    )
    actor = Actor(session, "config.amazonaws.com", "config.amazonaws.com")
    for tick in range(12):
        base = TRACE_START + timedelta(minutes=30 * tick + 7)
        for region in ("us-east-1", "us-west-2"):
            for op in OPERATIONS["config"]:
                records.append(ordinary_call(ids, actor, base + timedelta(seconds=rng.randint(0, 90)), region, op))
    return records


# ---------------------------------------------------------------------------------------------------
# The attack


def key_check(ids: Ids, cast: Cast) -> Records:
    """14:02 keychecker from a Hetzner VPS: identity, policies, region walk, probes, logging check."""
    boto = Actor(cast.app, KEYCHECK_IP, KEYCHECK_BOTO3_UA)
    aio = Actor(cast.app, KEYCHECK_IP, AIOHTTP_UA)
    arn = cast.app.arn
    start = at("14:02:07")
    records = [
        api_call(ids, boto, start, "sts", "GetCallerIdentity", HOME),
        api_call(
            ids,
            boto,
            start + timedelta(seconds=2),
            "iam",
            "ListAttachedUserPolicies",
            HOME,
            request={"userName": "openai-app-bedrock"},
        ),
    ]
    when = start + timedelta(seconds=2)
    for policy, version in (("AmazonBedrockFullAccess", "v9"), ("IAMFullAccess", "v2")):
        policy_arn = f"arn:aws:iam::aws:policy/{policy}"
        when += timedelta(seconds=1)
        records.append(api_call(ids, boto, when, "iam", "GetPolicy", HOME, request={"policyArn": policy_arn}))
        records.append(
            api_call(
                ids,
                boto,
                when,
                "iam",
                "GetPolicyVersion",
                HOME,
                request={"policyArn": policy_arn, "versionId": version},
            )
        )
    walk = ("us-east-1", "us-west-2", "eu-central-1", "eu-west-3", "ap-southeast-2", "ap-south-1")
    for region in walk:
        when += timedelta(seconds=1)
        failure = scp_denied(arn, "bedrock:ListFoundationModels") if region in DENIED_REGIONS else None
        records.append(bedrock_call(ids, aio, when, region, "ListFoundationModels", failure=failure))
    for region, failure in (
        ("us-east-1", PROBE_REJECTED),
        ("us-west-2", PROBE_REJECTED),
        ("eu-central-1", PROBE_REJECTED),
        ("eu-west-3", MODEL_ACCESS_DENIED),
    ):
        when += timedelta(seconds=2)
        records.append(bedrock_invoke(ids, aio, when, region, SONNET, failure=failure))
    records.append(bedrock_call(ids, aio, when + timedelta(seconds=3), HOME, "GetModelInvocationLoggingConfiguration"))
    return records


def logging_and_guardrail_tamper(ids: Ids, cast: Cast) -> Records:
    """14:09 the keychecker said "logged key": redirect the logs (fails), delete them, delete a guardrail."""
    boto = Actor(cast.app, KEYCHECK_IP, KEYCHECK_BOTO3_UA)
    config = {
        "loggingConfig": {
            "cloudWatchConfig": {
                "logGroupName": "/aws/bedrock/invocations",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging-x9",
            },
            "textDataDeliveryEnabled": False,
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
        }
    }
    invalid = Failure(
        "ValidationException",
        f"Failed to validate permissions for log group: /aws/bedrock/invocations, with role: "
        f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging-x9. Verify the IAM role permissions are correct.",
    )
    return [
        bedrock_call(ids, boto, at("14:09:02"), HOME, "GetModelInvocationLoggingConfiguration"),
        bedrock_call(
            ids, boto, at("14:09:31"), HOME, "PutModelInvocationLoggingConfiguration", request=config, failure=invalid
        ),
        bedrock_call(ids, boto, at("14:10:05"), HOME, "DeleteModelInvocationLoggingConfiguration"),
        bedrock_call(ids, boto, at("14:10:40"), HOME, "GetModelInvocationLoggingConfiguration"),
        bedrock_call(ids, boto, at("14:11:15"), HOME, "ListGuardrails", request={"maxResults": 1000}),
        bedrock_call(
            ids, boto, at("14:11:31"), HOME, "DeleteGuardrail", request={"guardrailIdentifier": "x7k2m9p4q1ab"}
        ),
    ]


def model_enablement(ids: Ids, cast: Cast) -> Records:
    """14:18 from an M247 address with Chrome on Windows: check availability, then enable Claude 3 Opus."""
    chrome = Actor(cast.app, ENABLE_IP, ENABLE_UA)
    arn = cast.app.arn
    records = [bedrock_call(ids, chrome, at("14:18:04"), HOME, "ListFoundationModels")]
    when = at("14:18:10")
    catalogue = (OPUS, SONNET, "anthropic.claude-3-haiku-20240307-v1:0", APP_MODEL[3:], "anthropic.claude-v2:1")
    for model in catalogue:
        when += timedelta(seconds=3)
        records.append(model_access_call(ids, chrome, when, HOME, "GetFoundationModelAvailability", model))
    denied = scp_denied(arn, "bedrock:CreateFoundationModelAgreement", code="AccessDeniedException")
    records += [
        model_access_call(ids, chrome, at("14:19:02"), HOME, "ListFoundationModelAgreementOffers", OPUS),
        model_access_call(ids, chrome, at("14:19:20"), HOME, "GetUseCaseForModelAccess"),
        model_access_call(ids, chrome, at("14:19:48"), HOME, "PutUseCaseForModelAccess"),
        model_access_call(
            ids, chrome, at("14:20:15"), "ap-northeast-1", "CreateFoundationModelAgreement", OPUS, failure=denied
        ),
        model_access_call(ids, chrome, at("14:20:41"), HOME, "CreateFoundationModelAgreement", OPUS),
        model_access_call(ids, chrome, at("14:20:58"), HOME, "PutFoundationModelEntitlement", OPUS),
        model_access_call(ids, chrome, at("14:21:30"), HOME, "GetFoundationModelAvailability", OPUS),
    ]
    return records


def proxy_heartbeat(ids: Ids, cast: Cast) -> Records:
    """14:31 the reverse proxy takes the key: a start-up probe, then a logging check every 3 minutes."""
    rng = ids.rng
    proxy = Actor(cast.app, PROXY_IP, AXIOS_UA)
    start = at("14:31:02")
    records = [bedrock_invoke(ids, proxy, start, HOME, "anthropic.claude-v2", failure=PROBE_REJECTED)]
    when = start + timedelta(seconds=1)
    while when < TRACE_END:
        records.append(bedrock_call(ids, proxy, when, HOME, "GetModelInvocationLoggingConfiguration"))
        when += timedelta(seconds=180 + rng.randint(-4, 4))
    return records


@dataclass(frozen=True, slots=True)
class Stream:
    """One proxy's traffic to one model."""

    model: str
    ip: str
    user_agent: str
    start: str
    end: str
    per_hour: float


PROXY_STREAMS = (
    Stream(SONNET, PROXY_IP, AXIOS_UA, "14:33:00", "17:59:30", 220),
    Stream(SONNET, ENABLE_IP, AXIOS_UA, "14:40:00", "17:30:00", 60),
    Stream(SONNET, DATACAMP_IP, DATACAMP_AXIOS_UA, "15:10:00", "17:59:30", 80),
    Stream(OPUS, PROXY_IP, AXIOS_UA, "14:58:00", "17:05:00", 330),
    Stream(OPUS, DATACAMP_IP, DATACAMP_AXIOS_UA, "15:12:00", "17:05:00", 180),
    Stream(OPUS, PACKETHUB_IP, DATACAMP_AXIOS_UA, "15:40:00", "17:00:00", 150),
)
INVOKE_MIX = {"InvokeModelWithResponseStream": 0.6, "InvokeModel": 0.25, "Converse": 0.15}
THROTTLE_WINDOW = (at("15:45:00"), at("16:30:00"))


def proxy_invocations(ids: Ids, cast: Cast) -> Records:
    """Claude 3 Opus and Sonnet through the proxies, with some throttling at the Opus peak."""
    rng = ids.rng
    records: Records = []
    for stream in PROXY_STREAMS:
        actor = Actor(cast.app, stream.ip, stream.user_agent)
        for when in poisson(rng, at(stream.start), at(stream.end), stream.per_hour):
            throttled = stream.model == OPUS and THROTTLE_WINDOW[0] <= when < THROTTLE_WINDOW[1]
            failure = THROTTLED if throttled and rng.random() < 0.05 else None
            operation = pick_operation(rng, INVOKE_MIX)
            records.append(bedrock_invoke(ids, actor, when, HOME, stream.model, operation=operation, failure=failure))
    return records


def api_key_persistence(ids: Ids, cast: Cast) -> Records:
    """15:05 a Bedrock API key user with an extra access key; the key deletes a guardrail, the user reads IAM."""
    rng = ids.rng
    boto = Actor(cast.app, KEYCHECK_IP, KEYCHECK_BOTO3_UA)
    user = "BedrockAPIKey-x1y2"
    user_arn = PRINCIPALS["api_key"]
    created = "Jun 10, 2025, 3:05:10 PM"
    records = [
        api_call(
            ids,
            boto,
            at("15:05:10"),
            "iam",
            "CreateUser",
            HOME,
            request={"userName": user},
            response={
                "user": {
                    "path": "/",
                    "userName": user,
                    "userId": cast.phantom_user_id,
                    "arn": user_arn,
                    "createDate": created,
                }
            },
        ),
        *(
            api_call(
                ids,
                boto,
                at(clock),
                "iam",
                "AttachUserPolicy",
                HOME,
                request={"userName": user, "policyArn": f"arn:aws:iam::aws:policy/{policy}"},
            )
            for clock, policy in (("15:05:12", "AmazonBedrockFullAccess"), ("15:05:13", "IAMReadOnlyAccess"))
        ),
        api_call(
            ids,
            boto,
            at("15:05:14"),
            "iam",
            "CreateServiceSpecificCredential",
            HOME,
            request={"userName": user, "serviceName": "bedrock.amazonaws.com", "credentialAgeDays": 36600},
            response={
                "serviceSpecificCredential": {
                    "createDate": created,
                    "serviceName": "bedrock.amazonaws.com",
                    "serviceCredentialAlias": f"{user}-at-{ACCOUNT}",
                    "serviceSpecificCredentialId": cast.api_key_credential_id,
                    "userName": user,
                    "status": "Active",
                }
            },
        ),
        api_call(
            ids,
            boto,
            at("15:05:40"),
            "iam",
            "CreateAccessKey",
            HOME,
            request={"userName": user},
            response={
                "accessKey": {
                    "userName": user,
                    "accessKeyId": cast.phantom_access_key,
                    "status": "Active",
                    "createDate": "Jun 10, 2025, 3:05:40 PM",
                }
            },
        ),
    ]
    bearer = Actor(cast.phantom_key, DATACAMP_IP, BEARER_UA)
    records.append(bedrock_call(ids, bearer, at("15:12:00"), HOME, "ListFoundationModels"))
    records.append(
        bedrock_call(
            ids, bearer, at("15:13:30"), HOME, "DeleteGuardrail", request={"guardrailIdentifier": "h3n8v5c2w6zt"}
        )
    )
    for when in poisson(rng, at("15:12:30"), at("15:45:00"), 75):
        operation = pick_operation(rng, {"InvokeModel": 0.5, "Converse": 0.5})
        records.append(bedrock_invoke(ids, bearer, when, HOME, SONNET, operation=operation))
    cli = Actor(cast.phantom_user, DATACAMP_IP, PHANTOM_CLI_UA)
    records += [
        api_call(ids, cli, at("15:22:10"), "sts", "GetCallerIdentity", HOME),
        api_call(ids, cli, at("15:22:31"), "iam", "ListUsers", HOME, request={"maxItems": 100}),
        api_call(ids, cli, at("15:22:50"), "iam", "ListRoles", HOME, request={"maxItems": 100}),
    ]
    return records


def second_actor(ids: Ids, cast: Cast) -> Records:
    """16:05 a buyer of the key walks every region from a Philippine address; the SCP denies most."""
    walker = Actor(cast.app, SECOND_ACTOR_IP, URLLIB3_UA)
    arn = cast.app.arn
    records = [api_call(ids, walker, at("16:05:00"), "sts", "GetCallerIdentity", HOME)]
    when = at("16:05:04")
    for region in sorted(ALLOWED_REGIONS + DENIED_REGIONS) + sorted(DENIED_REGIONS):
        when += timedelta(seconds=2)
        failure = scp_denied(arn, "bedrock:ListFoundationModels") if region in DENIED_REGIONS else None
        records.append(bedrock_call(ids, walker, when, region, "ListFoundationModels", failure=failure))
    return records


def second_actor_workload(ids: Ids, cast: Cast) -> Records:
    """16:07 the buyer runs his own traffic on Claude 3.7 Sonnet (US cross-region profile) from us-west-2.

    The key checker looked at (and deleted) the invocation logging of us-east-1 only: us-west-2 still logs
    every call, prompts included. This chapter comes last so that the records before it stay as they were.
    """
    rng = ids.rng
    actor = Actor(cast.app, SECOND_ACTOR_IP, URLLIB3_UA)
    records: Records = []
    for when in poisson(rng, at("16:07:30"), at("17:55:00"), 150):
        operation = pick_operation(rng, {"InvokeModel": 0.6, "InvokeModelWithResponseStream": 0.4})
        records.append(bedrock_invoke(ids, actor, when, BUYER_REGION, BUYER_MODEL, operation=operation))
    return records


STORY: tuple[Callable[[Ids, Cast], Records], ...] = (
    legit_app,
    legit_rag_indexer,
    legit_eks_nodes,
    legit_ci,
    legit_admin,
    legit_monitoring,
    legit_services,
    key_check,
    logging_and_guardrail_tamper,
    model_enablement,
    proxy_heartbeat,
    proxy_invocations,
    api_key_persistence,
    second_actor,
    second_actor_workload,
)


def build_trace(seed: int = SEED) -> Records:
    """Every record of the story, in time order."""
    ids = Ids(Random(seed))
    cast = Cast.build(ids)
    records = [record for chapter in STORY for record in chapter(ids, cast)]
    return sorted(records, key=lambda r: str(r["eventTime"]))


# ---------------------------------------------------------------------------------------------------
# Expected detections


EXPECTED = (
    ("aws.iam.key_recon", "app", "14:02:07", "GetCallerIdentity and IAM policy reads, then Bedrock, same AKIA key"),
    ("aws.bedrock.region_fanout", "app", "14:02:12", "Bedrock in 6 regions within a minute, 17 regions at 16:05"),
    ("aws.bedrock.long_term_key_suspicious_client", "app", "14:02:12", "the AKIA key with aiohttp, Chrome, axios"),
    ("aws.bedrock.recon_then_invoke", "app", "14:02:12", "recon, then successful invocations by the same key"),
    ("aws.bedrock.action_diversity", "app", "14:02:12", "most of the LLMjacking action list within hours"),
    ("aws.bedrock.invoke_probe", "app", "14:02:19", "ValidationException probes in 3 regions, AccessDenied in 1"),
    ("aws.bedrock.logging_recon", "app", "14:02:28", "first GetModelInvocationLoggingConfiguration by the user"),
    ("aws.bedrock.logging_tampered", "app", "14:10:05", "DeleteModelInvocationLoggingConfiguration succeeded"),
    ("aws.bedrock.guardrail_tampered", "app", "14:11:31", "DeleteGuardrail x7k2m9p4q1ab with the AKIA key"),
    ("aws.bedrock.console_api_programmatic", "app", "14:18:13", "console-only model-access APIs, AKIA key"),
    ("aws.bedrock.model_access_enabled", "app", "14:19:48", "use case, agreement and entitlement for Claude 3 Opus"),
    ("aws.bedrock.model_access_denied", "app", "14:20:15", "CreateFoundationModelAgreement denied by the SCP"),
    ("aws.bedrock.logging_heartbeat", "app", "14:31:03", "GetModelInvocationLoggingConfiguration every 180 ± 4 s"),
    ("aws.bedrock.new_source", "app", "14:33:00", "successful calls from AlexHost, M247, Datacamp, PacketHub"),
    ("aws.bedrock.invocation_volume", "app", "14:58:00", "≥ 500 successful Claude 3 Opus calls within 60 minutes"),
    ("aws.bedrock.guardrail_tampered", "api_key", "15:13:30", "DeleteGuardrail h3n8v5c2w6zt with the Bedrock API key"),
    ("aws.bedrock.api_key_misuse", "api_key", "15:13:30", "bearer-token DeleteGuardrail; IAM calls by the user"),
    ("aws.bedrock.list_models_denied", "app", "16:05:06", "22 ListFoundationModels denied by the SCP within a minute"),
)
"""(rule id, principal, when the triggering activity starts, why) of every finding the trace must raise."""

OPTIONAL = (
    ("aws.bedrock.api_key_misuse", "app", "15:05:40", "CreateAccessKey for BedrockAPIKey-x1y2, on the actor's side"),
    ("aws.bedrock.recon_then_invoke", "api_key", "15:12:00", "ListFoundationModels then invocations with the API key"),
    (
        "aws.bedrock.new_source",
        "api_key",
        "15:12:30",
        "first invocations of a principal born after the learning period",
    ),
)
"""Findings a reasonable rule may also raise; neither required nor forbidden."""

QUIET = ("rag_indexer", "eks_nodes", "ci", "admin", "monitoring", "config")
"""Legitimate principals about which none of the checked rules may fire."""


def expected(records: Records, files: int) -> dict[str, Any]:
    """The manifest tests compare jackwatch's findings with (format described in README.md)."""
    entries = [
        {
            "rule_id": rule,
            "principal": PRINCIPALS[who],
            "required": required,
            "when": format_time(at(clock)),
            "why": why,
        }
        for required, table in ((True, EXPECTED), (False, OPTIONAL))
        for rule, who, clock, why in table
    ]
    return {
        "format": 1,
        "account": ACCOUNT,
        "trace": {
            "start": format_time(TRACE_START),
            "end": format_time(TRACE_END),
            "events": len(records),
            "files": files,
        },
        "attack_start": format_time(ATTACK_START),
        "learning_period": "PT1H",
        "principals": PRINCIPALS,
        "rules": sorted({row[0] for row in EXPECTED} | {"aws.bedrock.throughput_tampered"}),
        "expected": entries,
        "quiet_principals": [PRINCIPALS[name] for name in QUIET],
        "quiet_before_attack": [PRINCIPALS["app"]],
    }


# ---------------------------------------------------------------------------------------------------
# Bad inputs


def bad_inputs(records: Records) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """Small broken files, each with what a reader should make of it."""
    good = [orjson.dumps(r) for r in records[:5]]  # each readable record in one file only: none is read twice
    no_time = dict(records[5])
    del no_time["eventTime"]
    number_time = dict(records[6], eventTime=1749556800)
    whole = encode_file(good[:3])

    def document(*items: bytes) -> bytes:
        return b'{"Records":[' + b",".join(items) + b"]}\n"

    return {
        "truncated.json.gz": (whole[: len(whole) // 2], {"readable_records": 0, "problem": "gzip stream ends early"}),
        "invalid-json.json": (
            document(*good[:3])[:-40],
            {"readable_records": 0, "problem": "the JSON document is cut short"},
        ),
        "not-an-object.json": (
            document(good[0], b"42", b'"InvokeModel"', b"[1,2]", good[1]),
            {"readable_records": 2, "bad_records": 3, "problem": "records 2-4 are not JSON objects"},
        ),
        "missing-eventtime.json": (
            document(good[2], orjson.dumps(no_time), good[3]),
            {"readable_records": 2, "bad_records": 1, "problem": "record 2 has no eventTime"},
        ),
        "eventtime-number.json": (
            document(good[4], orjson.dumps(number_time)),
            {"readable_records": 1, "bad_records": 1, "problem": "record 2 has a number as eventTime"},
        ),
    }


# ---------------------------------------------------------------------------------------------------


def generate(out: Path, seed: int = SEED) -> dict[str, Any]:
    """Write the trace, its manifest and the bad inputs under ``out``; return the manifest."""
    records = build_trace(seed)
    trail = out / "cloudtrail"
    shutil.rmtree(trail / "AWSLogs", ignore_errors=True)
    files = write_trail(records, trail, Ids(Random(seed + 1)))
    manifest = expected(records, len(files))
    manifests = out / "expected"
    manifests.mkdir(exist_ok=True)
    (manifests / "cloudtrail.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    bad = out / "bad-input"
    shutil.rmtree(bad, ignore_errors=True)
    bad.mkdir(parents=True)
    notes = {}
    for name, (content, note) in bad_inputs(records).items():
        (bad / name).write_bytes(content)
        notes[name] = note
    (manifests / "bad-input.json").write_text(json.dumps(notes, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.seed)
    trace = manifest["trace"]
    print(f"wrote {trace['events']} events in {trace['files']} files under {args.out / 'cloudtrail'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
