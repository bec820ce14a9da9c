"""A real moto server, and a small local HTTP server in front of it that speaks the AWS wire protocols for what
moto lacks.

``AwsGate`` passes every request to moto, except that it:

- answers ``iam:CreateServiceSpecificCredential`` / ``ListServiceSpecificCredentials`` (Bedrock API keys) and
  ``bedrock:CreateGuardrail`` / ``ListGuardrails``, which moto does not implement, with AWS's own formats
  (query/XML for IAM, REST-JSON for Bedrock) and paging;
- refuses the calls named in :meth:`AwsGate.deny` the way AWS does (``AccessDenied`` in XML for IAM, STS and
  EC2, ``AccessDeniedException`` in JSON for CloudTrail and Bedrock);
- cuts IAM list replies into pages of :attr:`AwsGate.page_size` items (moto returns everything at once).

The service, operation and region of a request are read from its SigV4 ``Authorization`` header and its body
or path, as AWS does. Each test gets its own AWS account in moto (``fresh_account``: an STS AssumeRole into a
new account id), so tests share the moto server without seeing each other's resources.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

FAKE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_accounts = itertools.count(int(uuid.uuid4().int % 10**6) * 10**5 + 10**11)

PAGED_IAM = frozenset({"ListUsers", "ListAccessKeys", "ListRoles", "GetAccountAuthorizationDetails"})
"""IAM list calls the gate cuts into pages."""


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AwsGate:
    """The gate in front of moto at ``upstream``; start it with :meth:`start`."""

    upstream: str
    account: str = ""
    page_size: int | None = None
    denied: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    guardrails: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    url: str = ""

    def deny(self, *calls: str) -> None:
        """Refuse ``service:Operation`` (every region) or ``service:Operation@region`` calls."""
        self.denied.update(calls)

    def start(self) -> None:
        self._client = httpx.Client(base_url=self.upstream, timeout=30)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self._client.close()

    # Dispatch ---------------------------------------------------------------------------------------------------

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        body = request.get_data()
        found = _SCOPE.search(request.headers.get("Authorization", ""))
        region, service = (found.group(1), found.group(2)) if found else (REGION, "")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        operation = _operation(service, request, form)
        self.calls.append(f"{service}:{operation}@{region}")
        if f"{service}:{operation}" in self.denied or f"{service}:{operation}@{region}" in self.denied:
            return _denied(service, operation)
        if service == "iam" and operation == "CreateServiceSpecificCredential":
            return self._create_credential(form)
        if service == "iam" and operation == "ListServiceSpecificCredentials":
            return self._list_credentials(form)
        if service == "iam" and operation in ("UpdateServiceSpecificCredential", "DeleteServiceSpecificCredential"):
            return self._change_credential(operation, form)
        if service == "bedrock" and operation == "CreateGuardrail":
            return self._create_guardrail(region, json.loads(body or b"{}"))
        if service == "bedrock" and operation == "ListGuardrails":
            return self._list_guardrails(region, request.args)
        if service == "bedrock" and operation == "CreateGuardrailVersion":
            return self._publish_guardrail(region, request.path.rsplit("/", 1)[-1])
        if service == "iam" and operation in PAGED_IAM and self.page_size:
            return self._paged_iam(request, form, operation)
        return self._forward(request, body)

    def _forward(self, request: Request, body: bytes) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        reply = self._client.request(request.method, request.full_path.rstrip("?"), headers=headers, content=body)
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_HEADERS}
        return Response(reply.content, status=reply.status_code, headers=kept)

    # IAM paging -------------------------------------------------------------------------------------------------

    def _paged_iam(self, request: Request, form: dict[str, str], operation: str) -> Response:
        offset = int(form.pop("Marker", "0") or 0)
        form.pop("MaxItems", None)
        reply = self._forward(request, urlencode(form).encode())
        if reply.status_code != 200:
            return reply
        root = ET.fromstring(reply.get_data())
        result = root.find(f"{{{IAM_NS}}}{operation}Result")
        assert result is not None, reply.get_data()
        members = [(parent, item) for parent in result for item in parent.findall(f"{{{IAM_NS}}}member")]
        size = self.page_size or len(members)
        for parent, item in members[:offset] + members[offset + size :]:
            parent.remove(item)
        truncated = offset + size < len(members)
        for name in ("IsTruncated", "Marker"):
            for old in result.findall(f"{{{IAM_NS}}}{name}"):
                result.remove(old)
        ET.SubElement(result, f"{{{IAM_NS}}}IsTruncated").text = "true" if truncated else "false"
        if truncated:
            ET.SubElement(result, f"{{{IAM_NS}}}Marker").text = str(offset + size)
        ET.register_namespace("", IAM_NS)
        return Response(ET.tostring(root), status=200, content_type="text/xml")

    # Bedrock API keys -------------------------------------------------------------------------------------------

    def _create_credential(self, form: dict[str, str]) -> Response:
        now = datetime.now(UTC).replace(microsecond=0)
        user = form["UserName"]
        days = form.get("CredentialAgeDays")
        secret = uuid.uuid4().hex + uuid.uuid4().hex
        item = {
            "UserName": user,
            "Status": "Active",
            "ServiceName": form["ServiceName"],
            "ServiceUserName": f"{user}-at-{len(self.credentials):04d}",
            "ServiceCredentialAlias": f"{user}+v1",
            "CreateDate": _iso(now),
            "ServiceSpecificCredentialId": f"ACCA{uuid.uuid4().hex[:17].upper()}",
        }
        if days:
            item["ExpirationDate"] = _iso(now + timedelta(days=int(days)))
        self.credentials.append(item)
        fields = {**item, "ServiceCredentialSecret": "ABSK" + secret}
        inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
        return _iam_xml(
            "CreateServiceSpecificCredential", f"<ServiceSpecificCredential>{inner}</ServiceSpecificCredential>"
        )

    def _list_credentials(self, form: dict[str, str]) -> Response:
        items = [
            item
            for item in self.credentials
            if (form.get("AllUsers") == "true" or item["UserName"] == form.get("UserName"))
            and item["ServiceName"] == form.get("ServiceName", item["ServiceName"])
        ]
        offset = int(form.get("Marker", "0") or 0)
        size = min(int(form.get("MaxItems", 100)), self.page_size or 100)
        page = items[offset : offset + size]
        members = "".join(
            "<member>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</member>" for item in page
        )
        truncated = offset + size < len(items)
        tail = f"<IsTruncated>{str(truncated).lower()}</IsTruncated>"
        if truncated:
            tail += f"<Marker>{offset + size}</Marker>"
        return _iam_xml(
            "ListServiceSpecificCredentials",
            f"<ServiceSpecificCredentials>{members}</ServiceSpecificCredentials>{tail}",
        )

    def _change_credential(self, operation: str, form: dict[str, str]) -> Response:
        ident = form["ServiceSpecificCredentialId"]
        found = [item for item in self.credentials if item["ServiceSpecificCredentialId"] == ident]
        if not found:
            text = (
                f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
                f"<Message>The Service Specific Credential with id {ident} cannot be found.</Message></Error>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
            )
            return Response(text, status=404, content_type="text/xml")
        if operation == "DeleteServiceSpecificCredential":
            self.credentials.remove(found[0])
        else:
            found[0]["Status"] = form["Status"]
        return _iam_xml(operation, "")

    # Bedrock guardrails -----------------------------------------------------------------------------------------

    def _create_guardrail(self, region: str, body: dict[str, Any]) -> Response:
        now = datetime.now(UTC).replace(microsecond=0)
        ident = uuid.uuid4().hex[:12]
        arn = f"arn:aws:bedrock:{region}:{self.account}:guardrail/{ident}"
        self.guardrails.setdefault(region, []).append(
            {
                "id": ident,
                "arn": arn,
                "status": "READY",
                "name": body["name"],
                "version": "DRAFT",
                "createdAt": _iso(now),
                "updatedAt": _iso(now),
            }
        )
        reply = {"guardrailId": ident, "guardrailArn": arn, "version": "DRAFT", "createdAt": _iso(now)}
        return Response(json.dumps(reply), status=202, content_type="application/json")

    def _publish_guardrail(self, region: str, ident: str) -> Response:
        found = [item for item in self.guardrails.get(region, []) if item["id"] == ident]
        if not found:
            return Response(
                json.dumps({"message": f"no guardrail {ident}"}),
                status=404,
                content_type="application/json",
                headers={"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
        return Response(json.dumps({"guardrailId": ident, "version": "1"}), status=202, content_type="application/json")

    def _list_guardrails(self, region: str, args: Any) -> Response:
        items = self.guardrails.get(region, [])
        offset = int(args.get("nextToken", "0") or 0)
        size = min(int(args.get("maxResults", 100)), self.page_size or 100)
        reply: dict[str, Any] = {"guardrails": items[offset : offset + size]}
        if offset + size < len(items):
            reply["nextToken"] = str(offset + size)
        return Response(json.dumps(reply), status=200, content_type="application/json")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are in :attr:`AwsGate.calls`; no log line each."""


_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding"})

_BEDROCK_ROUTES = {
    ("GET", "/logging/modelinvocations"): "GetModelInvocationLoggingConfiguration",
    ("PUT", "/logging/modelinvocations"): "PutModelInvocationLoggingConfiguration",
    ("DELETE", "/logging/modelinvocations"): "DeleteModelInvocationLoggingConfiguration",
    ("GET", "/guardrails"): "ListGuardrails",
    ("POST", "/guardrails"): "CreateGuardrail",
}


def _operation(service: str, request: Request, form: dict[str, str]) -> str:
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if service == "bedrock":
        path = request.path.rstrip("/")
        if request.method == "POST" and re.fullmatch(r"/guardrails/[^/]+", path):
            return "CreateGuardrailVersion"
        return _BEDROCK_ROUTES.get((request.method, path), request.path)
    return form.get("Action", request.path)


def _iam_xml(operation: str, result: str) -> Response:
    text = (
        f'<{operation}Response xmlns="{IAM_NS}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{operation}Response>"
    )
    return Response(text, status=200, content_type="text/xml")


def _denied(service: str, operation: str) -> Response:
    message = (
        f"User: arn:aws:sts::000000000000:assumed-role/audit/jw is not authorized to perform: {service}:{operation}"
    )
    if service in ("iam", "sts"):
        text = (
            f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
            f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )
        return Response(text, status=403, content_type="text/xml")
    if service == "ec2":
        text = (
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
            f"<Message>You are not authorized to perform this operation.</Message></Error></Errors>"
            f"<RequestID>{uuid.uuid4()}</RequestID></Response>"
        )
        return Response(text, status=403, content_type="text/xml")
    if service == "cloudtrail":
        body = json.dumps({"__type": "AccessDeniedException", "message": message})
        return Response(body, status=400, content_type="application/x-amz-json-1.1")
    return Response(
        json.dumps({"message": message}),
        status=403,
        content_type="application/json",
        headers={"x-amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral/"},
    )


# Fixtures --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A moto server for this test process."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No profile, config file, endpoint or metadata service from the machine; AWS managed policies in moto."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@dataclass(frozen=True)
class Account:
    """A fresh AWS account in moto, reached through the gate: ``session`` holds its credentials."""

    id: str
    session: boto3.session.Session
    gate: AwsGate
    credentials: dict[str, str]

    @property
    def url(self) -> str:
        return self.gate.url

    def client(self, service: str, region: str = REGION) -> Any:
        return self.session.client(service, region_name=region, endpoint_url=self.gate.url)  # type: ignore[call-overload]

    def environment(self) -> dict[str, str]:
        """Environment variables that give these credentials to a command."""
        return {
            "AWS_ACCESS_KEY_ID": self.credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": self.credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": self.credentials["SessionToken"],
        }


def open_account(moto_url: str) -> Iterator[Account]:
    """A new account of its own in moto, behind a gate of its own."""
    ident = str(next(_accounts))
    base = boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY, region_name=REGION
    )
    sts = base.client("sts", endpoint_url=moto_url)
    role = f"arn:aws:iam::{ident}:role/jackwatch-audit"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="jw-test")["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    gate = AwsGate(moto_url, account=ident)
    gate.start()
    try:
        yield Account(ident, session, gate, {k: str(v) for k, v in credentials.items()})
    finally:
        gate.stop()


@pytest.fixture
def account(moto_url: str, aws_env: None) -> Iterator[Account]:
    """A new account in moto (without AWS managed policies: they take a second to load)."""
    yield from open_account(moto_url)


@pytest.fixture
def policy_account(moto_url: str, aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """A new account in moto that has the AWS managed policies (AmazonBedrockFullAccess…)."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    yield from open_account(moto_url)
