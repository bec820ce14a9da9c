"""Builders for CloudTrail records exactly as AWS writes them, and a writer for AWS's S3 file layout.

Every random value (event ids, request ids, key ids, file-name suffixes) comes from an :class:`Ids`
wrapped around a seeded :class:`random.Random`, so a trace built twice from the same seed is
byte-for-byte the same.
"""

from __future__ import annotations

import gzip
import re
import string
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from random import Random
from typing import Any

import orjson

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FILE_INTERVAL = timedelta(minutes=5)
MAX_RECORDS_PER_FILE = 2500

OBJECT_KEY_RE = re.compile(
    r"^AWSLogs/(?P<account>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/(?P<date>\d{4}/\d{2}/\d{2})/"
    r"(?P=account)_CloudTrail_(?P=region)_(?P<stamp>\d{8}T\d{4}Z)_(?P<suffix>[A-Za-z0-9]{16})\.json\.gz$"
)
"""A CloudTrail log file's S3 key: account, region, delivery date, stamp and a 16-character suffix."""

BASE32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits

# ---------------------------------------------------------------------------------------------------
# Identifiers


class Ids:
    """Deterministic identifiers drawn from one seeded random generator."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        """A version-4 UUID, as CloudTrail uses for ``eventID`` and most ``requestID`` values."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chars(self, length: int, alphabet: str = ALNUM) -> str:
        """``length`` characters drawn from ``alphabet``."""
        return "".join(self.rng.choices(alphabet, k=length))

    def access_key_id(self, prefix: str = "AKIA") -> str:
        """A 20-character access key id: ``AKIA`` (long-term) or ``ASIA`` (temporary)."""
        return prefix + self.chars(16, BASE32)

    def unique_id(self, prefix: str) -> str:
        """A 21-character IAM unique id: ``AIDA`` (user) or ``AROA`` (role)."""
        return prefix + self.chars(17, BASE32)


# ---------------------------------------------------------------------------------------------------
# Who calls


@dataclass(frozen=True, slots=True)
class Identity:
    """The ``userIdentity`` block of a record, and how CloudTrail marks the credential used.

    ``console`` adds ``sessionCredentialFromConsole``; ``bearer_token`` adds
    ``additionalEventData.callWithBearerToken`` (a Bedrock API key).
    """

    user_identity: Mapping[str, Any]
    console: bool = False
    bearer_token: bool = False

    @property
    def arn(self) -> str:
        """The caller's ARN (empty for AWS services)."""
        return str(self.user_identity.get("arn", ""))

    @property
    def principal_arn(self) -> str:
        """The stable principal: the user's ARN, or the role's ARN for an assumed-role session."""
        issuer = self.user_identity.get("sessionContext", {}).get("sessionIssuer", {})
        return str(issuer.get("arn") or self.arn)


def iam_user(account: str, name: str, *, principal_id: str, access_key_id: str | None) -> Identity:
    """An IAM user calling with a long-term key (``AKIA…``)."""
    user: dict[str, Any] = {
        "type": "IAMUser",
        "principalId": principal_id,
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
    }
    if access_key_id:
        user["accessKeyId"] = access_key_id
    user["userName"] = name
    return Identity(user)


def bedrock_api_key_user(account: str, suffix: str, *, principal_id: str) -> Identity:
    """The ``BedrockAPIKey-<suffix>`` IAM user behind a long-term Bedrock API key, calling with that key.

    Calls made with the key carry no access key id and ``callWithBearerToken: true``.
    """
    user = iam_user(account, f"BedrockAPIKey-{suffix}", principal_id=principal_id, access_key_id=None)
    return Identity(user.user_identity, bearer_token=True)


def assumed_role(
    account: str,
    role: str,
    session: str,
    *,
    role_id: str,
    access_key_id: str,
    created: datetime,
    path: str = "/",
    mfa: bool = False,
    invoked_by: str | None = None,
    console: bool = False,
) -> Identity:
    """A session of an IAM role (``ASIA…`` key), with its ``sessionIssuer`` and attributes."""
    user: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": access_key_id,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{account}:role{path}{role}",
                "accountId": account,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": format_time(created), "mfaAuthenticated": str(mfa).lower()},
        },
    }
    if invoked_by:
        user["invokedBy"] = invoked_by
    return Identity(user, console=console)


def root(account: str, *, access_key_id: str, console: bool = True) -> Identity:
    """The account's root user."""
    user = {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": access_key_id,
    }
    return Identity(user, console=console)


def aws_service(service: str) -> Identity:
    """An AWS service acting on the account's behalf (``lambda.amazonaws.com``…)."""
    return Identity({"type": "AWSService", "invokedBy": service})


def web_identity_user(account: str, provider: str, subject: str, audience: str = "sts.amazonaws.com") -> Identity:
    """A web-identity (OIDC) caller, as ``AssumeRoleWithWebIdentity`` records it."""
    provider_arn = f"arn:aws:iam::{account}:oidc-provider/{provider}"
    user = {
        "type": "WebIdentityUser",
        "principalId": f"{provider_arn}:{audience}:{subject}",
        "userName": subject,
        "identityProvider": provider_arn,
    }
    return Identity(user)


@dataclass(frozen=True, slots=True)
class Actor:
    """A caller as CloudTrail sees it: identity, source address (or AWS service name) and user agent."""

    identity: Identity
    ip: str
    user_agent: str


# ---------------------------------------------------------------------------------------------------
# User agents


def boto3_ua(
    version: str,
    botocore: str,
    os: str,
    python: str,
    *,
    arch: str = "x86_64",
    exec_env: str | None = None,
) -> str:
    """A boto3 user agent (``os`` like ``linux#5.10.219-208.866.amzn2.x86_64`` or ``windows#10``)."""
    parts = [f"Boto3/{version}", f"md/Botocore#{botocore}", "ua/2.0", f"os/{os}", f"md/arch#{arch}"]
    parts += [f"lang/python#{python}", "md/pyimpl#CPython"]
    if exec_env:
        parts.append(f"exec-env/{exec_env}")
    parts += ["cfg/retry-mode#legacy", f"Botocore/{botocore}"]
    return " ".join(parts)


def aws_cli_ua(version: str, command: str, *, os: str = "linux#5.15.0-1064-aws", python: str = "3.11.9") -> str:
    """An AWS CLI v2 user agent for ``command`` (``ec2.describe-instances``)."""
    return (
        f"aws-cli/{version} md/awscrt#0.20.11 ua/2.0 os/{os} md/arch#x86_64 lang/python#{python} "
        f"md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{command}"
    )


def go_sdk_ua(version: str, api: str, go: str = "1.22.5") -> str:
    """An AWS SDK for Go v2 user agent calling ``api`` (``ec2#1.177.1``)."""
    return f"aws-sdk-go-v2/{version} os/linux lang/go#{go} md/GOOS#linux md/GOARCH#amd64 api/{api}"


def chrome_ua(version: int, platform: str = "Macintosh; Intel Mac OS X 10_15_7") -> str:
    """A desktop Chrome user agent."""
    return f"Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version}.0.0.0 Safari/537.36"


AIOHTTP_UA = "Python/3.11 aiohttp/3.9.5"
AXIOS_UA = "axios/1.6.1"

# ---------------------------------------------------------------------------------------------------
# Services


@dataclass(frozen=True, slots=True)
class Service:
    """An AWS API: its ``eventSource``, its TLS host and, for global services, the region it logs in."""

    event_source: str
    host: str
    home_region: str | None = None

    def host_for(self, region: str) -> str:
        """``clientProvidedHostHeader`` of a call in ``region``."""
        return self.host.format(region=region)


def _regional(name: str, host_prefix: str | None = None) -> Service:
    return Service(f"{name}.amazonaws.com", f"{host_prefix or name}.{{region}}.amazonaws.com")


SERVICES: Mapping[str, Service] = {
    "bedrock": _regional("bedrock"),
    "bedrock-runtime": Service("bedrock.amazonaws.com", "bedrock-runtime.{region}.amazonaws.com"),
    "iam": Service("iam.amazonaws.com", "iam.amazonaws.com", "us-east-1"),
    "sts": _regional("sts"),
    "signin": Service("signin.amazonaws.com", "signin.aws.amazon.com", "us-east-1"),
    "route53": Service("route53.amazonaws.com", "route53.amazonaws.com", "us-east-1"),
    "organizations": Service("organizations.amazonaws.com", "organizations.us-east-1.amazonaws.com", "us-east-1"),
    "cloudwatch": Service("monitoring.amazonaws.com", "monitoring.{region}.amazonaws.com"),
    "ecr": Service("ecr.amazonaws.com", "api.ecr.{region}.amazonaws.com"),
    "tagging": Service("tagging.amazonaws.com", "tagging.{region}.amazonaws.com"),
    "s3": Service("s3.amazonaws.com", "s3.{region}.amazonaws.com"),
    **{
        name: _regional(name)
        for name in (
            "ec2",
            "kms",
            "logs",
            "lambda",
            "eks",
            "ecs",
            "ssm",
            "dynamodb",
            "sqs",
            "sns",
            "secretsmanager",
            "cloudformation",
            "elasticloadbalancing",
            "autoscaling",
            "rds",
            "config",
            "cloudtrail",
        )
    },
}
"""Services by the short name builders take (``bedrock-runtime`` for the runtime endpoint)."""

_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Head",
    "Lookup",
    "Search",
    "BatchGet",
    "BatchCheck",
    "Invoke",
    "Converse",
    "Decrypt",
    "GenerateDataKey",
    "AssumeRole",
    "FilterLogEvents",
)


def is_read_only(event_name: str) -> bool:
    """CloudTrail's ``readOnly`` for an API call (Bedrock runtime calls are read-only)."""
    return event_name.startswith(_READ_PREFIXES)


# ---------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call's ``errorCode`` and ``errorMessage``."""

    code: str
    message: str


PROBE_REJECTED = Failure(
    "ValidationException",
    "Malformed input request: -1 is not greater or equal to 0, please reformat your input and try again.",
)
"""What InvokeModel answers to the ``max_tokens_to_sample: -1`` probe when the key can use the model."""

MODEL_ACCESS_DENIED = Failure(
    "AccessDeniedException", "You don't have access to the model with the specified model ID."
)
THROTTLED = Failure("ThrottlingException", "Too many requests, please wait before trying again.")


def not_authorized(arn: str, action: str, resource: str = "*", *, code: str = "AccessDenied") -> Failure:
    """An IAM denial because no identity-based policy allows ``action``."""
    message = (
        f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    return Failure(code, message)


def scp_denied(arn: str, action: str, *, code: str = "AccessDenied") -> Failure:
    """A denial by a service control policy (e.g. one that blocks unused regions)."""
    return Failure(
        code, f"User: {arn} is not authorized to perform: {action} with an explicit deny in a service control policy"
    )


def format_time(when: datetime) -> str:
    """CloudTrail's ``eventTime`` format: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    return when.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Inverse of :func:`format_time`."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def api_call(
    ids: Ids,
    actor: Actor,
    when: datetime,
    service: str,
    name: str,
    region: str,
    *,
    request: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
    read_only: bool | None = None,
    resources: Sequence[Mapping[str, str]] | None = None,
    additional: Mapping[str, Any] | None = None,
    account: str | None = None,
    event_type: str = "AwsApiCall",
    version: str = "1.09",
) -> dict[str, Any]:
    """One management-event record, keys in the order CloudTrail writes them.

    ``service`` is a key of :data:`SERVICES`; global services log in their home region whatever
    ``region`` says. Calls by AWS services (``actor.ip`` ending in ``.amazonaws.com``) carry no
    ``tlsDetails``. ``account`` defaults to the caller's account.
    """
    svc = SERVICES[service]
    identity = actor.identity
    region = svc.home_region or region
    record: dict[str, Any] = {
        "eventVersion": version,
        "userIdentity": dict(identity.user_identity),
        "eventTime": format_time(when),
        "eventSource": svc.event_source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": actor.ip,
        "userAgent": actor.user_agent,
    }
    if failure:
        record["errorCode"] = failure.code
        record["errorMessage"] = failure.message
    record["requestParameters"] = dict(request) if request is not None else None
    record["responseElements"] = dict(response) if response is not None and not failure else None
    extra = dict(additional or {})
    if identity.bearer_token:
        extra["callWithBearerToken"] = True
    if extra:
        record["additionalEventData"] = extra
    record["requestID"] = ids.uuid()
    record["eventID"] = ids.uuid()
    record["readOnly"] = is_read_only(name) if read_only is None else read_only
    if resources:
        record["resources"] = [dict(r) for r in resources]
    record["eventType"] = event_type
    record["managementEvent"] = True
    record["recipientAccountId"] = account or str(identity.user_identity.get("accountId", ""))
    record["eventCategory"] = "Management"
    if not actor.ip.endswith(".amazonaws.com"):
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": _host(svc, service, region),
        }
    if identity.console:
        record["sessionCredentialFromConsole"] = "true"
    return record


def _host(svc: Service, service: str, region: str) -> str:
    if service == "sts" and region == "us-east-1":
        return "sts.amazonaws.com"
    return svc.host_for(region)


# ---------------------------------------------------------------------------------------------------
# Bedrock

INVOKE_OPERATIONS = ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream")
MODEL_ACCESS_APIS = (
    "GetFoundationModelAvailability",
    "ListFoundationModelAgreementOffers",
    "GetUseCaseForModelAccess",
    "PutUseCaseForModelAccess",
    "CreateFoundationModelAgreement",
    "PutFoundationModelEntitlement",
)
"""The console-only model-access APIs (not in the SDK)."""


def bedrock_invoke(
    ids: Ids,
    actor: Actor,
    when: datetime,
    region: str,
    model_id: str,
    *,
    operation: str = "InvokeModel",
    failure: Failure | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """A Bedrock runtime call: ``requestParameters`` carries only the model id; no response, no tokens."""
    if operation not in INVOKE_OPERATIONS:
        raise ValueError(f"not a Bedrock runtime operation: {operation}")
    return api_call(
        ids,
        actor,
        when,
        "bedrock-runtime",
        operation,
        region,
        request={"modelId": model_id},
        failure=failure,
        account=account,
    )


def bedrock_call(
    ids: Ids,
    actor: Actor,
    when: datetime,
    region: str,
    name: str,
    *,
    request: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """A Bedrock control-plane call (``bedrock.<region>.amazonaws.com``)."""
    return api_call(
        ids,
        actor,
        when,
        "bedrock",
        name,
        region,
        request=request,
        response=response,
        failure=failure,
        account=account,
    )


def model_access_call(
    ids: Ids,
    actor: Actor,
    when: datetime,
    region: str,
    name: str,
    model_id: str | None = None,
    *,
    failure: Failure | None = None,
) -> dict[str, Any]:
    """One of :data:`MODEL_ACCESS_APIS`, with the request and response shapes each one logs."""
    request: dict[str, Any] | None
    response: dict[str, Any] | None = None
    if name == "PutUseCaseForModelAccess":
        request = {"formData": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    elif name == "GetUseCaseForModelAccess":
        request = None
    elif name == "CreateFoundationModelAgreement":
        request = {"offerToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "modelId": model_id}
        response = {"modelId": model_id}
    elif name == "PutFoundationModelEntitlement":
        request = {"modelId": model_id}
        response = {"status": "SUCCESS"}
    elif name in ("GetFoundationModelAvailability", "ListFoundationModelAgreementOffers"):
        request = {"modelId": model_id}
    else:
        raise ValueError(f"not a model-access API: {name}")
    return bedrock_call(ids, actor, when, region, name, request=request, response=response, failure=failure)


# ---------------------------------------------------------------------------------------------------
# Ordinary AWS traffic


@dataclass(frozen=True, slots=True)
class Operation:
    """An ordinary management API call and its typical request.

    String values in ``request`` may hold ``{region}``, ``{account}`` and ``{n}`` (a short hex id),
    filled per call by :func:`fill_request`.
    """

    service: str
    name: str
    request: Mapping[str, Any] | None = None


def fill_request(template: Any, region: str, account: str, n: str) -> Any:
    """``template`` with its placeholders filled in (recursively)."""
    if isinstance(template, str):
        return template.format(region=region, account=account, n=n)
    if isinstance(template, Mapping):
        return {k: fill_request(v, region, account, n) for k, v in template.items()}
    if isinstance(template, list):
        return [fill_request(v, region, account, n) for v in template]
    return template


def ordinary_call(ids: Ids, actor: Actor, when: datetime, region: str, op: Operation) -> dict[str, Any]:
    """A record of ``op`` by ``actor`` with its request placeholders filled."""
    account = str(actor.identity.user_identity.get("accountId", ""))
    request = fill_request(op.request, region, account, ids.chars(8, "0123456789abcdef")) if op.request else None
    return api_call(ids, actor, when, op.service, op.name, region, request=request)


def _ops(service: str, *entries: str | tuple[str, Mapping[str, Any]]) -> tuple[Operation, ...]:
    return tuple(Operation(service, e) if isinstance(e, str) else Operation(service, e[0], e[1]) for e in entries)


OPERATIONS: Mapping[str, tuple[Operation, ...]] = {
    "k8s_node": (
        *_ops(
            "ec2",
            ("DescribeInstances", {"instancesSet": {"items": [{"instanceId": "i-0{n}a1b2c3d"}]}, "filterSet": {}}),
            ("DescribeNetworkInterfaces", {"networkInterfaceIdSet": {}, "filterSet": {}}),
            ("DescribeTags", {"filterSet": {"items": [{"name": "resource-id", "valueSet": {}}]}}),
            ("DescribeInstanceTypes", {"instanceTypeSet": {"items": [{"instanceType": "m6i.xlarge"}]}}),
        ),
        *_ops(
            "ecr",
            ("GetAuthorizationToken", {"registryIds": ["{account}"]}),
            ("BatchGetImage", {"repositoryName": "openai-app", "imageIds": [{"imageTag": "v1.{n}"}]}),
            ("GetDownloadUrlForLayer", {"repositoryName": "openai-app", "layerDigest": "sha256:{n}"}),
        ),
        *_ops("autoscaling", ("DescribeAutoScalingGroups", {"maxRecords": 100})),
    ),
    "lambda_app": (
        *_ops("logs", ("CreateLogStream", {"logGroupName": "/aws/lambda/worker", "logStreamName": "2025/{n}"})),
        *_ops("kms", ("Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})),
        *_ops("ssm", ("GetParameter", {"name": "/app/config/{n}", "withDecryption": True})),
        *_ops("secretsmanager", ("GetSecretValue", {"secretId": "app/db-{n}"})),
        *_ops("dynamodb", ("DescribeTable", {"tableName": "sessions"})),
        *_ops("sqs", ("GetQueueAttributes", {"queueUrl": "https://sqs.{region}.amazonaws.com/{account}/jobs"})),
    ),
    "ci": (
        *_ops("sts", "GetCallerIdentity"),
        *_ops(
            "ecr",
            ("GetAuthorizationToken", {"registryIds": ["{account}"]}),
            ("BatchCheckLayerAvailability", {"repositoryName": "openai-app", "layerDigests": ["sha256:{n}"]}),
            ("InitiateLayerUpload", {"repositoryName": "openai-app"}),
            ("CompleteLayerUpload", {"repositoryName": "openai-app", "layerDigests": ["sha256:{n}"]}),
            ("PutImage", {"repositoryName": "openai-app", "imageTag": "v1.{n}"}),
        ),
        *_ops("eks", ("DescribeCluster", {"name": "prod"})),
        *_ops("cloudformation", ("DescribeStacks", {"stackName": "openai-app-{region}"})),
        *_ops(
            "iam",
            ("GetRole", {"roleName": "openai-app-{n}"}),
            ("ListAttachedRolePolicies", {"roleName": "openai-app-{n}"}),
        ),
    ),
    "human": (
        *_ops(
            "ec2",
            ("DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
            ("DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}),
            ("DescribeVpcs", {"vpcSet": {}, "filterSet": {}}),
        ),
        *_ops(
            "iam",
            ("ListUsers", {"maxItems": 100}),
            ("ListRoles", {"maxItems": 100}),
            ("GetRole", {"roleName": "ci-{n}"}),
        ),
        *_ops("cloudwatch", ("DescribeAlarms", {"maxRecords": 100})),
        *_ops("logs", ("DescribeLogGroups", {"limit": 50})),
        *_ops("lambda", "ListFunctions20150331"),
        *_ops("eks", "ListClusters", ("DescribeCluster", {"name": "prod"})),
        *_ops("rds", "DescribeDBInstances"),
        *_ops("s3", ("ListBuckets", {"Host": "s3.{region}.amazonaws.com"})),
    ),
    "monitoring": (
        *_ops("cloudwatch", ("GetMetricData", {"startTime": "now-10m", "endTime": "now"}), "ListMetrics"),
        *_ops("ec2", ("DescribeInstances", {"instancesSet": {}, "filterSet": {}}), "DescribeVolumes"),
        *_ops("tagging", ("GetResources", {"resourcesPerPage": 100})),
        *_ops("elasticloadbalancing", "DescribeLoadBalancers"),
        *_ops("rds", "DescribeDBInstances"),
        *_ops("lambda", "ListFunctions20150331"),
    ),
    "config": (
        *_ops("ec2", "DescribeSecurityGroups", "DescribeSubnets", "DescribeRouteTables"),
        *_ops("iam", ("GetAccountAuthorizationDetails", {"filter": ["Role", "User", "Group"]})),
        *_ops("kms", ("DescribeKey", {"keyId": "arn:aws:kms:{region}:{account}:key/{n}"})),
        *_ops("s3", ("GetBucketPolicy", {"bucketName": "logs-{account}-{region}"})),
    ),
}
"""Ordinary API calls by caller profile (Kubernetes nodes, Lambda functions, CI, humans, monitoring…)."""


def operation(profile: str, name: str) -> Operation:
    """The operation ``name`` of ``profile`` in :data:`OPERATIONS`."""
    for op in OPERATIONS[profile]:
        if op.name == name:
            return op
    raise KeyError(f"{profile} has no operation {name}")


# ---------------------------------------------------------------------------------------------------
# Files


def delivery_time(when: datetime, interval: timedelta = FILE_INTERVAL) -> datetime:
    """When CloudTrail delivers the file holding an event: the end of its ``interval``-long slot."""
    seconds = int(interval.total_seconds())
    epoch = int(when.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds + seconds, UTC)


def object_key(account: str, region: str, delivered: datetime, suffix: str) -> str:
    """The S3 key CloudTrail gives a log file (see :data:`OBJECT_KEY_RE`)."""
    return (
        f"AWSLogs/{account}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
        f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{suffix}.json.gz"
    )


def encode_file(records: Iterable[bytes], compresslevel: int = 6) -> bytes:
    """A gzip ``{"Records": [...]}`` file from serialised records (mtime 0, so output is reproducible)."""
    body = b'{"Records":[' + b",".join(records) + b"]}"
    return gzip.compress(body, compresslevel=compresslevel, mtime=0)


def write_trail(
    records: Iterable[Mapping[str, Any]],
    root: Path,
    ids: Ids,
    *,
    max_records: int = MAX_RECORDS_PER_FILE,
    compresslevel: int = 6,
) -> list[Path]:
    """Write ``records`` under ``root`` as CloudTrail delivers them, and return the files written.

    One file per account, region and 5-minute slot (split when it would exceed ``max_records``),
    records in time order inside each file.
    """

    def slot(record: Mapping[str, Any]) -> tuple[str, str, datetime]:
        return (
            str(record["recipientAccountId"]),
            str(record["awsRegion"]),
            delivery_time(parse_time(str(record["eventTime"]))),
        )

    ordered = sorted(records, key=lambda r: (*slot(r), str(r["eventTime"])))
    written: list[Path] = []
    for (account, region, delivered), group in groupby(ordered, key=slot):
        batch = list(group)
        for start in range(0, len(batch), max_records):
            path = root / object_key(account, region, delivered, ids.chars(16))
            path.parent.mkdir(parents=True, exist_ok=True)
            chunk = (orjson.dumps(r) for r in batch[start : start + max_records])
            path.write_bytes(encode_file(chunk, compresslevel))
            written.append(path)
    return written
