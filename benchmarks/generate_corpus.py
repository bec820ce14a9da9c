"""Generate a realistic gzip CloudTrail corpus for benchmarks, in AWS's S3 layout.

    python benchmarks/generate_corpus.py --events 5000000 --out benchmarks/data/corpus [--seed 7]

About 95 % of the records are ordinary management calls and 5 % are Bedrock: legitimate applications
and administrators, plus stolen long-term keys doing what LLMjackers do (invoke probes, region walks,
console-only model-access calls, logging checks every 3 minutes, high-volume Claude calls from
hosting providers, Bedrock API keys). They come from ``--principals`` distinct principals (IAM users,
roles with many sessions, service-linked roles, AWS services, root) in ``--accounts`` accounts and 17
regions.

The corpus is cut into 5-minute slots of ``--per-slot`` records. Each slot is generated from the seed
alone, so any number of worker processes writes the same bytes, and is written as soon as it is done,
so memory stays bounded whatever ``--events`` is. Records are filled into JSON templates serialised
once from the ``tools/cloudtrail_synth.py`` builders.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from functools import lru_cache, partial
from pathlib import Path
from random import Random
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from cloudtrail_synth import (
    AIOHTTP_UA,
    ALNUM,
    AXIOS_UA,
    BASE32,
    INVOKE_OPERATIONS,
    MAX_RECORDS_PER_FILE,
    MODEL_ACCESS_DENIED,
    OPERATIONS,
    PROBE_REJECTED,
    SERVICES,
    THROTTLED,
    Actor,
    Failure,
    Identity,
    Ids,
    Operation,
    api_call,
    assumed_role,
    aws_cli_ua,
    boto3_ua,
    chrome_ua,
    encode_file,
    fill_request,
    format_time,
    go_sdk_ua,
    iam_user,
    object_key,
    root,
    scp_denied,
)
from corpus_kit import Tally, add_up, run_slots

SLOT = timedelta(minutes=5)
SLOT_SECONDS = int(SLOT.total_seconds())
START = datetime(2025, 6, 10, tzinfo=UTC)
BEDROCK_SHARE = 0.05
ATTACK_SHARE_OF_BEDROCK = 0.3
KEY_RECON_SHARE_OF_ORDINARY = 0.002
HEARTBEAT_SECONDS = 180

REGION_WEIGHTS: Mapping[str, float] = {
    "us-east-1": 0.38,
    "us-west-2": 0.18,
    "eu-west-1": 0.12,
    "eu-central-1": 0.07,
    "us-east-2": 0.05,
    "ap-southeast-1": 0.04,
    "ap-northeast-1": 0.04,
    "eu-west-2": 0.03,
    "ap-south-1": 0.02,
    "ca-central-1": 0.02,
    "ap-southeast-2": 0.02,
    "sa-east-1": 0.01,
    "eu-north-1": 0.01,
    "eu-west-3": 0.005,
    "ap-northeast-2": 0.005,
    "us-west-1": 0.005,
    "ap-northeast-3": 0.005,
}
REGIONS = tuple(REGION_WEIGHTS)
SCP_ALLOWED = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "us-east-2", "eu-west-3")
"""Regions the organisations' SCPs leave open; Bedrock calls elsewhere are denied."""

LEGIT_MODELS = (
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-1-70b-instruct-v1:0",
    "cohere.embed-english-v3",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
)
ABUSED_MODELS = ("anthropic.claude-3-opus-20240229-v1:0", "anthropic.claude-3-sonnet-20240229-v1:0")

# Address blocks and their owners, checked against ip-location-db (DB-IP, RouteViews, NRO).
AWS_BLOCKS: Mapping[str, tuple[str, ...]] = {
    "us-east-1": ("3.215", "3.226", "52.90", "54.160", "18.206"),
    "us-west-2": ("44.224", "52.12"),
    "eu-west-1": ("34.240", "176.34"),
    "eu-central-1": ("3.120", "52.28"),
    "eu-west-2": ("18.130",),
    "eu-west-3": ("35.180",),
    "eu-north-1": ("13.48",),
    "ap-southeast-1": ("3.0",),
    "ap-southeast-2": ("13.236",),
    "us-west-1": ("54.67",),
}
ISP_BLOCKS = ("73.15", "73.100", "24.6", "67.180", "86.0", "90.4", "93.200", "1.36", "60.241", "182.70")
CI_BLOCKS = ("4.150", "20.42")  # Microsoft: hosted CI runners
KEYCHECK_BLOCKS = ("5.75.130", "65.21.14", "95.216.33", "176.9.77")  # Hetzner
PROXY_BLOCKS = ("194.48.248", "45.134.17", "2.58.36", "91.132.12", "37.120.232")  # AlexHost Datacamp PacketHub M247
WALKER_BLOCKS = ("180.191.176", "185.220.101")  # Globe Telecom, Tor exits
ENABLE_BLOCK = "37.120.232"  # M247
BEARER_BLOCK = "45.134.17"  # Datacamp

FIRST_NAMES = ("alice", "bob", "carol", "dan", "erin", "femi", "grace", "hiro", "ines", "jon", "kim", "lena")
LAST_NAMES = ("martin", "ng", "okafor", "patel", "quinn", "rossi", "silva", "tan", "ueda", "varga", "weber")
APPS = (
    "checkout",
    "payments",
    "search",
    "ingest",
    "billing",
    "reports",
    "etl",
    "notify",
    "auth",
    "catalog",
    "orders",
    "inventory",
    "recs",
    "chat",
    "rag",
    "analytics",
    "backup",
    "media",
    "geo",
    "ml-train",
)
PERMISSION_SETS = ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Developer", "DataScientist")
SCANNERS = ("DatadogIntegration", "SecurityAudit", "WizAccess", "NewRelicInfra")
AWS_SERVICE_HOSTS = tuple(
    f"{name}.amazonaws.com"
    for name in [
        "lambda",
        "ecs-tasks",
        "ec2",
        "eks",
        "autoscaling",
        "cloudformation",
        "events",
        "states",
        "glue",
        "sagemaker",
        "codebuild",
        "backup",
    ]
)
CLI_COMMAND = "@cmd@"
"""Stands for the command in a principal's AWS CLI user agent; replaced per call."""

WINDOWS_BOTO3_UA = boto3_ua("1.34.84", "1.34.84", "windows#10", "3.11.9", arch="amd64")
LINUX_BOTO3_UA = boto3_ua("1.39.4", "1.39.4", "linux#6.8.0-45-generic", "3.12.3")
WINDOWS_CHROME_UA = chrome_ua(126, "Windows NT 10.0; Win64; x64")
URLLIB3_UA = "python-urllib3/2.0.7"


class Kind(IntEnum):
    """What sort of principal: fixes its identity shape, client, address and API mix."""

    USER_HUMAN = 0
    USER_APP = 1
    APP_ROLE = 2
    CI_ROLE = 3
    SSO_ROLE = 4
    MONITOR_ROLE = 5
    SERVICE_ROLE = 6
    AWS_SERVICE = 7
    ROOT = 8


KIND_WEIGHTS: Mapping[Kind, float] = {
    Kind.USER_HUMAN: 0.12,
    Kind.USER_APP: 0.10,
    Kind.APP_ROLE: 0.40,
    Kind.CI_ROLE: 0.05,
    Kind.SSO_ROLE: 0.14,
    Kind.MONITOR_ROLE: 0.13,
    Kind.SERVICE_ROLE: 0.06,
}
PROFILES: Mapping[Kind, tuple[str, ...]] = {
    Kind.USER_HUMAN: ("human", "ci"),
    Kind.USER_APP: ("lambda_app", "k8s_node"),
    Kind.APP_ROLE: ("lambda_app", "k8s_node"),
    Kind.CI_ROLE: ("ci",),
    Kind.SSO_ROLE: ("human",),
    Kind.MONITOR_ROLE: ("monitoring", "config"),
    Kind.SERVICE_ROLE: ("config", "monitoring"),
    Kind.AWS_SERVICE: ("aws_service",),
    Kind.ROOT: ("human",),
}
SERVICE_OPERATIONS = (
    Operation("sts", "AssumeRole", {"roleArn": "arn:aws:iam::{account}:role/service-{n}", "roleSessionName": "{n}"}),
    Operation("kms", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
    Operation("kms", "GenerateDataKey", {"keySpec": "AES_256", "keyId": "alias/aws/{n}"}),
)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to generate; every output byte is a function of it."""

    events: int
    seed: int = 7
    principals: int = 100_000
    accounts: int = 10
    per_slot: int = 50_000
    compresslevel: int = 6

    @property
    def slots(self) -> int:
        """Number of 5-minute slots."""
        return max(1, -(-self.events // self.per_slot))

    def slot_size(self, index: int) -> int:
        """Records in slot ``index`` (the last one takes the remainder)."""
        return min(self.per_slot, self.events - index * self.per_slot)


# ---------------------------------------------------------------------------------------------------
# Population


@dataclass(frozen=True, slots=True)
class Principal:
    """One identity and the client it uses; its strings are JSON-safe."""

    kind: Kind
    account: str
    name: str
    unique_id: str
    key: str
    regions: tuple[str, ...]
    ip: str
    user_agent: str
    sessions: int
    profiles: tuple[str, ...]
    model: str


@dataclass(frozen=True, slots=True)
class Stolen:
    """A stolen long-term key and the attacker infrastructure that uses it."""

    index: int
    arn: str
    region: str
    keycheck_ip: str
    proxy_ips: tuple[str, ...]
    walker_ip: str
    enable_ip: str
    bearer_ip: str
    api_key_identity: str
    heartbeat_phase: int | None


@dataclass(frozen=True, slots=True)
class Population:
    """Every principal of the corpus and the groups Bedrock events are drawn from."""

    principals: tuple[Principal, ...]
    bedrock_users: tuple[int, ...]
    sso: tuple[int, ...]
    stolen: tuple[Stolen, ...]


def _digest(seed: int, *parts: object) -> bytes:
    return hashlib.blake2b(":".join(map(str, (seed, *parts))).encode(), digest_size=32).digest()


def _b32(digest: bytes, start: int, length: int) -> str:
    return "".join(BASE32[b % 32] for b in digest[start : start + length])


def _address(block: str, digest: bytes) -> str:
    octets = block.split(".")
    while len(octets) < 4:
        octets.append(str(digest[len(octets)] % 254 + 1))
    return ".".join(octets)


def _json_safe(text: str) -> str:
    return orjson.dumps(text).decode()[1:-1]


def _client(kind: Kind, digest: bytes) -> str:
    """The user agent a principal uses (each principal sticks to one client, as real ones do)."""
    options: tuple[str, ...]
    if kind in (Kind.USER_HUMAN, Kind.SSO_ROLE):
        options = (
            aws_cli_ua("2.17.20", CLI_COMMAND, os="macos#23.5.0"),
            aws_cli_ua("2.15.59", CLI_COMMAND, os="linux#6.5.0-41-generic"),
            boto3_ua("1.34.131", "1.34.131", "macos#23.5.0", "3.12.4", arch="arm64"),
            chrome_ua(125 + digest[21] % 4),
        )
    elif kind is Kind.CI_ROLE:
        options = (
            aws_cli_ua("2.17.20", CLI_COMMAND, os="linux#6.5.0-1025-azure"),
            "APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0 "
            + go_sdk_ua("1.30.3", "iam#1.34.3"),
        )
    elif kind is Kind.MONITOR_ROLE:
        options = (go_sdk_ua("1.30.3", "cloudwatch#1.40.3"), boto3_ua("1.34.90", "1.34.90", "linux#5.10.0", "3.11.9"))
    else:
        options = (
            boto3_ua(
                "1.34.145",
                "1.34.145",
                "linux#5.10.223-232.873.amzn2.x86_64",
                "3.12.4",
                exec_env="AWS_Lambda_python3.12",
            ),
            go_sdk_ua("1.30.3", "ec2#1.177.1"),
            "aws-sdk-java/2.26.20 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.3+9-LTS "
            "Java/21.0.3 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
            "aws-sdk-js/3.621.0 ua/2.1 os/linux#5.10.219 lang/js md/nodejs#20.16.0 api/dynamodb#3.621.0",
            boto3_ua("1.34.131", "1.34.131", "linux#5.10.219-208.866.amzn2.x86_64", "3.11.9"),
        )
    return _json_safe(options[digest[20] % len(options)])


def account_regions(seed: int, account: str) -> tuple[str, ...]:
    """The regions an account works in: us-east-1 (home of the global services) and up to three more."""
    rng = Random(_digest(seed, "regions", account))
    return tuple(dict.fromkeys(("us-east-1", *rng.choices(REGIONS, weights=list(REGION_WEIGHTS.values()), k=3))))


def _kind_of(digest: bytes) -> Kind:
    point = int.from_bytes(digest[:4], "big") / 2**32
    for kind, weight in KIND_WEIGHTS.items():
        point -= weight
        if point < 0:
            return kind
    return Kind.APP_ROLE


def make_principal(seed: int, index: int, accounts: Sequence[str]) -> Principal:
    """Principal ``index``, derived from the seed alone; it works in one to three of its account's regions."""
    d = _digest(seed, "principal", index)
    kind = _kind_of(d)
    account = accounts[min(int(len(accounts) * (d[1] / 256) ** 2), len(accounts) - 1)]
    regions = tuple(dict.fromkeys(Random(d).choices(account_regions(seed, account), k=1 + d[2] % 3)))
    app, env = APPS[d[3] % len(APPS)], ("prod", "staging", "dev")[d[4] % 3]
    aws_ip = _address(AWS_BLOCKS.get(regions[0], ("3.215",))[0], d)
    isp_ip = _address(ISP_BLOCKS[d[7] % len(ISP_BLOCKS)], d)
    sessions = 1
    if kind is Kind.USER_HUMAN:
        name, ip = f"{FIRST_NAMES[d[5] % 12]}.{LAST_NAMES[d[6] % 11]}-{index:05x}", isp_ip
    elif kind is Kind.USER_APP:
        name, ip = f"svc-{app}-{env}-{index:05x}", aws_ip
    elif kind is Kind.SSO_ROLE:
        name, ip = f"AWSReservedSSO_{PERMISSION_SETS[d[5] % 5]}_{d[8:16].hex()}", isp_ip
        sessions = 2 + d[9] % 12
    elif kind is Kind.CI_ROLE:
        name, ip, sessions = f"ci-deploy-{app}-{index:05x}", _address(CI_BLOCKS[d[7] % 2], d), 4
    elif kind is Kind.MONITOR_ROLE:
        name, ip = f"{SCANNERS[d[5] % 4]}Role-{index:05x}", _address(AWS_BLOCKS["us-east-1"][d[7] % 5], d)
        regions = REGIONS  # inventory and security tools poll every region
    elif kind is Kind.SERVICE_ROLE:
        service = AWS_SERVICE_HOSTS[d[5] % len(AWS_SERVICE_HOSTS)]
        name, ip = f"AWSServiceRoleFor{service.split('.')[0].title()}-{index:05x}", service
    else:
        name, ip, sessions = f"{app}-{env}-{index:05x}", aws_ip, 1 + d[9] % 8
    long_term = kind in (Kind.USER_HUMAN, Kind.USER_APP)
    return Principal(
        kind=kind,
        account=account,
        name=name,
        unique_id=("AIDA" if long_term else "AROA") + _b32(d, 10, 17),
        key=("AKIA" if long_term else "ASIA") + _b32(d, 27, 5) + _b32(_digest(seed, "key", index), 0, 11),
        regions=regions,
        ip=ip,
        user_agent=ip if kind is Kind.SERVICE_ROLE else _client(kind, d),
        sessions=sessions,
        profiles=PROFILES[kind],
        model=LEGIT_MODELS[d[11] % len(LEGIT_MODELS)],
    )


def _stolen(seed: int, index: int, p: Principal, user_template: str, heartbeat: bool) -> Stolen:
    d = _digest(seed, "stolen", index)
    api_key_user = {"account": p.account, "name": f"BedrockAPIKey-{p.unique_id[-4:].lower()}", "key": ""}
    return Stolen(
        index=index,
        arn=f"arn:aws:iam::{p.account}:user/{p.name}",
        region=SCP_ALLOWED[d[0] % 2],
        keycheck_ip=_address(KEYCHECK_BLOCKS[d[1] % len(KEYCHECK_BLOCKS)], d),
        proxy_ips=tuple(_address(PROXY_BLOCKS[(d[2] + i) % len(PROXY_BLOCKS)], d[i:]) for i in range(3)),
        walker_ip=_address(WALKER_BLOCKS[d[3] % len(WALKER_BLOCKS)], d),
        enable_ip=_address(ENABLE_BLOCK, d[4:]),
        bearer_ip=_address(BEARER_BLOCK, d[5:]),
        api_key_identity=user_template % {**api_key_user, "uid": "AIDA" + _b32(d, 8, 17)},
        heartbeat_phase=int.from_bytes(d[6:8], "big") % HEARTBEAT_SECONDS if heartbeat else None,
    )


def _aws_service(host: str, account: str) -> Principal:
    return Principal(
        Kind.AWS_SERVICE, account, host, "", "", ("us-east-1",), host, host, 1, PROFILES[Kind.AWS_SERVICE], ""
    )


def _root(seed: int, index: int, account: str) -> Principal:
    d = _digest(seed, "root", account)
    ip = _address(ISP_BLOCKS[index % len(ISP_BLOCKS)], d)
    ua = _json_safe(chrome_ua(126))
    return Principal(
        Kind.ROOT, account, "root", account, "ASIA" + _b32(d, 0, 16), ("us-east-1",), ip, ua, 1, PROFILES[Kind.ROOT], ""
    )


@lru_cache(maxsize=2)
def population(seed: int, size: int, accounts: int) -> Population:
    """The corpus's principals (cached per process: every slot of a run shares them)."""
    rng = Random(_digest(seed, "accounts"))
    account_ids = tuple(f"{rng.randrange(10**11, 10**12):012d}" for _ in range(accounts))
    # AWS services come first: the heavy-hitter draw favours low indices, and services call a lot.
    people = [_aws_service(host, account_ids[i % accounts]) for i, host in enumerate(AWS_SERVICE_HOSTS)]
    people += [make_principal(seed, i, account_ids) for i in range(size - len(people) - accounts)]
    people += [_root(seed, i, account) for i, account in enumerate(account_ids)]
    app_users = [i for i, p in enumerate(people) if p.kind is Kind.USER_APP]
    step = max(1, len(app_users) // max(3, size // 1000))
    user_template = identity_templates()["bearer"]
    stolen = tuple(
        _stolen(seed, i, people[i], user_template, heartbeat=n % 4 == 0) for n, i in enumerate(app_users[::step])
    )
    return Population(
        principals=tuple(people),
        bedrock_users=tuple(
            i for i, p in enumerate(people) if p.kind in (Kind.USER_APP, Kind.APP_ROLE) and i % 31 == 0
        ),
        sso=tuple(i for i, p in enumerate(people) if p.kind is Kind.SSO_ROLE),
        stolen=stolen,
    )


# ---------------------------------------------------------------------------------------------------
# Templates

_SENTINEL = re.compile(r"@@([A-Z]+)@@")
_CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def compile_template(text: str) -> str:
    """A ``%``-format string from JSON whose variable values are ``@@NAME@@`` sentinels.

    A whole-value ``"@@IDENT@@"`` becomes ``%(ident)s`` without its quotes (it is a JSON object).
    """
    text = text.replace("%", "%%").replace('"@@IDENT@@"', "%(ident)s")
    return _SENTINEL.sub(lambda m: f"%({m.group(1).lower()})s", text)


def record_template(
    service: str,
    name: str,
    *,
    request: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
    console: bool = False,
    bearer: bool = False,
    via_service: bool = False,
) -> str:
    """A record of ``name`` with sentinels for everything that varies, compiled to a template."""
    identity = Identity({}, console=console, bearer_token=bearer)
    actor = Actor(identity, "@@IP@@", "@@UA@@")
    record = api_call(
        Ids(Random(0)),
        actor,
        START,
        service,
        name,
        "@@REGION@@",
        request=request,
        failure=failure,
        account="@@ACCOUNT@@",
    )
    record.update(userIdentity="@@IDENT@@", eventTime="@@TIME@@", requestID="@@REQ@@", eventID="@@EVT@@")
    if via_service:
        del record["tlsDetails"]
    return compile_template(orjson.dumps(record).decode())


@lru_cache(maxsize=1)
def identity_templates() -> Mapping[str, str]:
    """``userIdentity`` templates per identity shape."""

    def compiled(identity: Identity) -> str:
        text = orjson.dumps(identity.user_identity).decode()
        return compile_template(text.replace(format_time(_CREATED), "@@CREATED@@"))

    role = partial(
        assumed_role,
        "@@ACCOUNT@@",
        "@@NAME@@",
        "@@SESS@@",
        role_id="@@UID@@",
        access_key_id="@@KEY@@",
        created=_CREATED,
        path="@@PATH@@",
    )
    return {
        "user": compiled(iam_user("@@ACCOUNT@@", "@@NAME@@", principal_id="@@UID@@", access_key_id="@@KEY@@")),
        "bearer": compiled(iam_user("@@ACCOUNT@@", "@@NAME@@", principal_id="@@UID@@", access_key_id=None)),
        "role": compiled(role()),
        "service_role": compiled(role(invoked_by="@@IP@@")),
        "service": '{"type":"AWSService","invokedBy":"%(ip)s"}',
        "root": compiled(root("@@ACCOUNT@@", access_key_id="@@KEY@@")),
    }


class Shape(NamedTuple):
    """An ordinary call's template, the AWS CLI command for it, and the region it logs in if global."""

    template: str
    command: str
    home_region: str | None


def _cli_command(op: Operation) -> str:
    words = re.findall(r"[A-Z][a-z0-9]*", re.sub(r"\d{8}.*$", "", op.name))
    return f"{op.service}.{'-'.join(w.lower() for w in words)}"


@lru_cache(maxsize=1)
def ordinary_shapes() -> Mapping[tuple[str, bool, bool], tuple[Shape, ...]]:
    """Ordinary-call shapes by (profile, console session, called through an AWS service)."""
    shapes = {}
    for profile, ops in {**OPERATIONS, "aws_service": SERVICE_OPERATIONS}.items():
        for console in (False, True):
            for via_service in (False, True):
                shapes[(profile, console, via_service)] = tuple(
                    Shape(
                        record_template(
                            op.service,
                            op.name,
                            request=fill_request(op.request, "@@REGION@@", "@@ACCOUNT@@", "@@N@@"),
                            console=console,
                            via_service=via_service,
                        ),
                        _cli_command(op),
                        SERVICES[op.service].home_region,
                    )
                    for op in ops
                )
    return shapes


BEDROCK_CONTROL: Mapping[str, Mapping[str, Any] | None] = {
    "ListFoundationModels": None,
    "ListInferenceProfiles": {"maxResults": 1000},
    "GetModelInvocationLoggingConfiguration": None,
    "DeleteModelInvocationLoggingConfiguration": None,
    "PutModelInvocationLoggingConfiguration": {"loggingConfig": {"textDataDeliveryEnabled": False}},
    "DeleteGuardrail": {"guardrailIdentifier": "@@N@@"},
    "GetFoundationModelAvailability": {"modelId": "@@MODEL@@"},
    "ListFoundationModelAgreementOffers": {"modelId": "@@MODEL@@"},
    "PutUseCaseForModelAccess": {"formData": "HIDDEN_DUE_TO_SECURITY_REASONS"},
    "CreateFoundationModelAgreement": {"offerToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "modelId": "@@MODEL@@"},
    "PutFoundationModelEntitlement": {"modelId": "@@MODEL@@"},
}
KEY_RECON: Mapping[str, tuple[str, Mapping[str, Any] | None]] = {
    "GetCallerIdentity": ("sts", None),
    "ListAttachedUserPolicies": ("iam", {"userName": "@@NAME@@"}),
    "GetPolicy": ("iam", {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    "GetPolicyVersion": ("iam", {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "versionId": "v1"}),
}


@lru_cache(maxsize=1)
def bedrock_shapes() -> Mapping[str, str]:
    """Bedrock (and key-check) templates keyed ``"<eventName>:<variant>"``."""
    shapes = {f"{name}:ok": record_template(service, name, request=r) for name, (service, r) in KEY_RECON.items()}
    model = {"modelId": "@@MODEL@@"}
    outcomes = {"ok": None, "throttled": THROTTLED, "probe": PROBE_REJECTED, "denied": MODEL_ACCESS_DENIED}
    for op in INVOKE_OPERATIONS:
        for label, failure in outcomes.items():
            shapes[f"{op}:{label}"] = record_template("bedrock-runtime", op, request=model, failure=failure)
        shapes[f"{op}:bearer"] = record_template("bedrock-runtime", op, request=model, bearer=True)
    for name, request in BEDROCK_CONTROL.items():
        code = "AccessDenied" if name == "ListFoundationModels" else "AccessDeniedException"
        denied = scp_denied("@@ARN@@", f"bedrock:{name}", code=code)
        shapes[f"{name}:ok"] = record_template("bedrock", name, request=request)
        shapes[f"{name}:console"] = record_template("bedrock", name, request=request, console=True)
        shapes[f"{name}:bearer"] = record_template("bedrock", name, request=request, bearer=True)
        shapes[f"{name}:denied"] = record_template("bedrock", name, request=request, failure=denied)
    return shapes


# ---------------------------------------------------------------------------------------------------
# One slot


@dataclass(slots=True)
class SlotResult(Tally):
    """What one slot (or the whole run) wrote."""

    events: int = 0
    bedrock: int = 0
    attack: int = 0
    files: int = 0
    raw_bytes: int = 0
    gzip_bytes: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)


class Move(NamedTuple):
    """One attacker call: which template, where, from where, with what."""

    shape: str
    region: str
    ip: str
    user_agent: str
    model: str = ABUSED_MODELS[1]
    bearer: bool = False


ATTACK_WEIGHTS: Mapping[str, float] = {
    "invoke": 0.58,
    "probe": 0.07,
    "walk": 0.10,
    "availability": 0.07,
    "enable": 0.03,
    "logging": 0.04,
    "tamper": 0.01,
    "api_key": 0.10,
}
"""How often a stolen key's calls are of each kind (heartbeats come on top, on their own clock)."""


class SlotWriter:
    """Generates, then writes, one 5-minute slot; all randomness comes from the slot's own seed."""

    def __init__(self, plan: Plan, index: int, out: Path) -> None:
        self.plan = plan
        self.index = index
        self.out = out
        self.rng = Random(_digest(plan.seed, "slot", index))
        self.pop = population(plan.seed, plan.principals, plan.accounts)
        self.identities = identity_templates()
        self.ordinary_shapes = ordinary_shapes()
        self.bedrock_shapes = bedrock_shapes()
        self.start = START + SLOT * index
        self.times = [format_time(self.start + timedelta(seconds=s)) for s in range(SLOT_SECONDS)]
        self.created = [format_time(self.start - timedelta(minutes=17 * (s + 1))) for s in range(32)]
        self.buckets: defaultdict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self.result = SlotResult()

    # -- drawing -----------------------------------------------------------------------------------

    def uuid(self) -> str:
        """A version-4 UUID from the slot's generator."""
        h = f"{self.rng.getrandbits(128) & ~(0xF << 76 | 0x3 << 62) | 4 << 76 | 2 << 62:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, size: int) -> int:
        """An index below ``size``: half the draws favour low indices (heavy hitters), half are uniform."""
        u = self.rng.random()
        return min(int(size * u**4), size - 1) if u < 0.5 else self.rng.randrange(size)

    def identity(self, p: Principal) -> str:
        """The ``userIdentity`` JSON of ``p`` for one call (a random session of a role)."""
        shapes = self.identities
        if p.kind is Kind.AWS_SERVICE:
            return shapes["service"] % {"ip": p.ip}
        if p.kind is Kind.ROOT:
            return shapes["root"] % {"account": p.account, "key": p.key}
        if p.kind in (Kind.USER_HUMAN, Kind.USER_APP):
            return shapes["user"] % {"account": p.account, "name": p.name, "uid": p.unique_id, "key": p.key}
        s = self.rng.randrange(p.sessions)
        values = {
            "account": p.account,
            "name": p.name,
            "sess": _session_name(p, s),
            "uid": p.unique_id,
            "key": p.key[:-1] + BASE32[s],
            "created": self.created[s],
            "path": _role_path(p),
            "ip": p.ip,
        }
        return shapes["service_role" if p.kind is Kind.SERVICE_ROLE else "role"] % values

    def emit(self, second: int, p: Principal, region: str, template: str, ident: str, **values: str) -> None:
        """Fill ``template`` and file the record in its account/region bucket."""
        fields = {
            "ident": ident,
            "time": self.times[second],
            "region": region,
            "ip": p.ip,
            "ua": p.user_agent,
            "account": p.account,
            "req": self.uuid(),
            "evt": self.uuid(),
            "n": f"{self.rng.getrandbits(32):08x}",
            "model": p.model,
            "name": p.name,
            "arn": "",
        }
        fields.update(values)
        self.buckets[(p.account, region)].append((second, template % fields))

    # -- ordinary and legitimate Bedrock calls -----------------------------------------------------

    def ordinary(self, second: int) -> None:
        """A management call by any principal, drawn from its profile."""
        p = self.pop.principals[self.pick(len(self.pop.principals))]
        console = p.kind in (Kind.SSO_ROLE, Kind.ROOT) and p.user_agent.startswith("Mozilla")
        via_service = p.kind in (Kind.SERVICE_ROLE, Kind.AWS_SERVICE)
        shapes = self.ordinary_shapes[(self.rng.choice(p.profiles), console, via_service)]
        shape = shapes[self.rng.randrange(len(shapes))]
        region = shape.home_region or p.regions[self.rng.randrange(len(p.regions))]
        ua = p.user_agent.replace(CLI_COMMAND, shape.command)
        self.emit(second, p, region, shape.template, self.identity(p), ua=ua)
        self.result.by_kind["ordinary"] += 1

    def legit_bedrock(self, second: int) -> None:
        """An application's invocation in its home region, or an administrator in the Bedrock console."""
        rng = self.rng
        if rng.random() < 0.03 and self.pop.sso:
            p = self.pop.principals[self.pop.sso[self.pick(len(self.pop.sso))]]
            name = rng.choice(("ListFoundationModels", "GetFoundationModelAvailability", "ListInferenceProfiles"))
            ua = p.user_agent if p.user_agent.startswith("Mozilla") else _json_safe(chrome_ua(126))
            self.emit(second, p, p.regions[0], self.bedrock_shapes[f"{name}:console"], self.identity(p), ua=ua)
            self.result.by_kind["bedrock_console"] += 1
        else:
            p = self.pop.principals[self.pop.bedrock_users[self.pick(len(self.pop.bedrock_users))]]
            op = rng.choices(INVOKE_OPERATIONS, weights=(0.35, 0.15, 0.4, 0.1))[0]
            outcome = "throttled" if rng.random() < 0.005 else "ok"
            self.emit(second, p, p.regions[0], self.bedrock_shapes[f"{op}:{outcome}"], self.identity(p))
            self.result.by_kind["bedrock_app"] += 1
        self.result.bedrock += 1

    # -- the stolen keys ---------------------------------------------------------------------------

    def _invoke(self, s: Stolen) -> Move:
        op = self.rng.choices(("InvokeModelWithResponseStream", "InvokeModel", "Converse"), weights=(6, 2.5, 1.5))[0]
        outcome = "throttled" if self.rng.random() < 0.03 else "ok"
        model = ABUSED_MODELS[0 if self.rng.random() < 0.6 else 1]
        return Move(f"{op}:{outcome}", s.region, self.rng.choice(s.proxy_ips), AXIOS_UA, model)

    def _probe(self, s: Stolen) -> Move:
        outcome = "probe" if self.rng.random() < 0.75 else "denied"
        return Move(f"InvokeModel:{outcome}", self.rng.choice(SCP_ALLOWED), s.keycheck_ip, AIOHTTP_UA)

    def _walk(self, s: Stolen) -> Move:
        region = self.rng.choice(REGIONS)
        outcome = "ok" if region in SCP_ALLOWED else "denied"
        return Move(f"ListFoundationModels:{outcome}", region, s.walker_ip, URLLIB3_UA)

    def _availability(self, s: Stolen) -> Move:
        model = self.rng.choice(ABUSED_MODELS)
        return Move("GetFoundationModelAvailability:ok", "us-east-1", s.enable_ip, WINDOWS_CHROME_UA, model)

    def _enable(self, s: Stolen) -> Move:
        name = self.rng.choice(
            (
                "ListFoundationModelAgreementOffers",
                "PutUseCaseForModelAccess",
                "CreateFoundationModelAgreement",
                "PutFoundationModelEntitlement",
            )
        )
        outcome = "denied" if self.rng.random() < 0.15 else "ok"
        return Move(f"{name}:{outcome}", "us-east-1", s.enable_ip, WINDOWS_CHROME_UA, ABUSED_MODELS[0])

    def _logging(self, s: Stolen) -> Move:
        return Move("GetModelInvocationLoggingConfiguration:ok", "us-east-1", s.keycheck_ip, AIOHTTP_UA)

    def _tamper(self, s: Stolen) -> Move:
        name = self.rng.choice(
            ("DeleteModelInvocationLoggingConfiguration", "PutModelInvocationLoggingConfiguration", "DeleteGuardrail")
        )
        return Move(f"{name}:ok", "us-east-1", s.keycheck_ip, WINDOWS_BOTO3_UA)

    def _api_key(self, s: Stolen) -> Move:
        name = self.rng.choices(
            ("InvokeModel", "Converse", "ListFoundationModels", "DeleteGuardrail"), weights=(9, 8, 2, 1)
        )[0]
        return Move(f"{name}:bearer", s.region, s.bearer_ip, LINUX_BOTO3_UA, bearer=True)

    def attack(self, second: int) -> None:
        """One LLMjacking-like Bedrock call by a stolen key (heavy hitters run the busiest proxies)."""
        s = self.pop.stolen[self.pick(len(self.pop.stolen))]
        kind = self.rng.choices(tuple(ATTACK_WEIGHTS), weights=tuple(ATTACK_WEIGHTS.values()))[0]
        move = MOVES[kind](self, s)
        p = self.pop.principals[s.index]
        ident = s.api_key_identity if move.bearer else self.identity(p)
        values = {"ip": move.ip, "ua": move.user_agent, "model": move.model, "arn": s.arn}
        self.emit(second, p, move.region, self.bedrock_shapes[move.shape], ident, **values)
        self.result.bedrock += 1
        self.result.attack += 1
        self.result.by_kind[f"attack_{kind}"] += 1

    def key_recon(self, second: int) -> None:
        """GetCallerIdentity and IAM policy reads by a stolen key (keychecker); not Bedrock calls."""
        s = self.pop.stolen[self.pick(len(self.pop.stolen))]
        p = self.pop.principals[s.index]
        name = self.rng.choice(tuple(KEY_RECON))
        values = {"ip": s.keycheck_ip, "ua": WINDOWS_BOTO3_UA}
        self.emit(second, p, "us-east-1", self.bedrock_shapes[f"{name}:ok"], self.identity(p), **values)
        self.result.attack += 1
        self.result.by_kind["attack_key_recon"] += 1

    def heartbeats(self, budget: int) -> int:
        """Reverse-proxy logging checks every 180 ± 4 s for a quarter of the stolen keys; returns how many."""
        made = 0
        slot_start = int(self.start.timestamp())
        shape = self.bedrock_shapes["GetModelInvocationLoggingConfiguration:ok"]
        for s in self.pop.stolen:
            if s.heartbeat_phase is None:
                continue
            p = self.pop.principals[s.index]
            first = (slot_start - s.heartbeat_phase) // HEARTBEAT_SECONDS
            for k in range(first, first + SLOT_SECONDS // HEARTBEAT_SECONDS + 2):
                jitter = _digest(self.plan.seed, "beat", s.index, k)[0] % 9 - 4
                second = s.heartbeat_phase + k * HEARTBEAT_SECONDS + jitter - slot_start
                if 0 <= second < SLOT_SECONDS and made < budget:
                    values = {"ip": s.proxy_ips[0], "ua": AXIOS_UA}
                    self.emit(second, p, s.region, shape, self.identity(p), **values)
                    made += 1
        self.result.bedrock += made
        self.result.attack += made
        self.result.by_kind["attack_heartbeat"] += made
        return made

    # -- the slot ----------------------------------------------------------------------------------

    def run(self) -> SlotResult:
        """Generate, then write, the slot: exactly 5 % Bedrock calls (rounded), 30 % of them attacks."""
        size = self.plan.slot_size(self.index)
        bedrock = round(size * BEDROCK_SHARE)
        stolen = bool(self.pop.stolen)
        attack_budget = round(bedrock * ATTACK_SHARE_OF_BEDROCK) if stolen else 0
        attack = attack_budget - self.heartbeats(attack_budget)
        ordinary = size - bedrock
        recon = round(ordinary * KEY_RECON_SHARE_OF_ORDINARY) if stolen else 0
        makers: list[Callable[[int], None]] = []
        makers += [self.ordinary] * (ordinary - recon) + [self.key_recon] * recon
        makers += [self.attack] * attack + [self.legit_bedrock] * (bedrock - attack_budget)
        self.rng.shuffle(makers)
        seconds = sorted(self.rng.randrange(SLOT_SECONDS) for _ in makers)
        for second, make in zip(seconds, makers, strict=True):
            make(second)
        self.result.events = size
        self.write()
        return self.result

    def write(self) -> None:
        """One gzip file per account, region and slot (split above the per-file cap), records in time order."""
        delivered = self.start + SLOT
        for (account, region), entries in sorted(self.buckets.items()):
            entries.sort(key=lambda entry: entry[0])
            for begin in range(0, len(entries), MAX_RECORDS_PER_FILE):
                body = ",".join(text for _, text in entries[begin : begin + MAX_RECORDS_PER_FILE]).encode()
                data = encode_file([body], self.plan.compresslevel)
                path = self.out / object_key(account, region, delivered, "".join(self.rng.choices(ALNUM, k=16)))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                self.result.files += 1
                self.result.raw_bytes += len(body) + len('{"Records":[]}')
                self.result.gzip_bytes += len(data)
        self.buckets.clear()


MOVES: Mapping[str, Callable[[SlotWriter, Stolen], Move]] = {
    "invoke": SlotWriter._invoke,
    "probe": SlotWriter._probe,
    "walk": SlotWriter._walk,
    "availability": SlotWriter._availability,
    "enable": SlotWriter._enable,
    "logging": SlotWriter._logging,
    "tamper": SlotWriter._tamper,
    "api_key": SlotWriter._api_key,
}


def _session_name(p: Principal, s: int) -> str:
    if p.kind is Kind.SSO_ROLE:
        return f"{FIRST_NAMES[(s + len(p.name)) % 12]}.{LAST_NAMES[s % 11]}@example.com"
    if p.kind is Kind.CI_ROLE:
        return f"GitHubActions-{s}"
    if p.kind is Kind.SERVICE_ROLE:
        return p.ip.split(".")[0]
    return f"{p.name}-{s}"


def _role_path(p: Principal) -> str:
    if p.kind is Kind.SSO_ROLE:
        return "/aws-reserved/sso.amazonaws.com/"
    if p.kind is Kind.SERVICE_ROLE:
        return f"/aws-service-role/{p.ip}/"
    return "/"


# ---------------------------------------------------------------------------------------------------
# Running


def generate_slot(plan: Plan, out: Path, index: int) -> SlotResult:
    """Generate and write slot ``index`` (a worker process's unit of work)."""
    return SlotWriter(plan, index, out).run()


def generate(plan: Plan, out: Path, workers: int = 2) -> Iterator[SlotResult]:
    """Generate every slot, ``workers`` processes at a time, yielding each result as it completes."""
    return run_slots(partial(generate_slot, plan, out), plan.slots, workers)


def summary(plan: Plan, total: SlotResult) -> dict[str, Any]:
    """The ``corpus.json`` written beside ``AWSLogs/``: the plan and what was written."""
    return {
        "plan": {
            "events": plan.events,
            "seed": plan.seed,
            "principals": plan.principals,
            "accounts": plan.accounts,
            "per_slot": plan.per_slot,
            "compresslevel": plan.compresslevel,
            "start": format_time(START),
            "end": format_time(START + SLOT * plan.slots),
        },
        "events": total.events,
        "bedrock_events": total.bedrock,
        "attack_events": total.attack,
        "files": total.files,
        "raw_bytes": total.raw_bytes,
        "gzip_bytes": total.gzip_bytes,
        "by_kind": dict(sorted(total.by_kind.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: generate, then print and record the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, required=True, help="number of records")
    parser.add_argument("--out", type=Path, required=True, help="output directory (AWSLogs/ goes under it)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--principals", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--per-slot", type=int, default=50_000, help="records per 5-minute slot")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compresslevel", type=int, default=6, choices=range(1, 10))
    args = parser.parse_args(argv)
    minimum = len(AWS_SERVICE_HOSTS) + args.accounts + 1
    if args.events < 1 or args.per_slot < 1 or args.accounts < 1 or args.principals < minimum:
        parser.error(f"--events, --per-slot and --accounts must be positive, --principals at least {minimum}")
    plan = Plan(args.events, args.seed, args.principals, args.accounts, args.per_slot, args.compresslevel)
    began, cpu = time.perf_counter(), time.process_time()
    total = add_up(generate(plan, args.out, args.workers), SlotResult())
    seconds = time.perf_counter() - began
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "corpus.json").write_text(json.dumps(summary(plan, total), indent=2) + "\n")
    print(
        f"{total.events:,} events ({total.bedrock / total.events:.1%} Bedrock, {total.attack:,} attack) in "
        f"{total.files:,} files, {total.gzip_bytes / 1e6:,.0f} MB gzip; {seconds:.1f} s wall with "
        f"{args.workers} worker(s): {total.events / seconds:,.0f} events/s "
        f"(main-process CPU {time.process_time() - cpu:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
