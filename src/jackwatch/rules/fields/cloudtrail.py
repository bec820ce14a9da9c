"""Fields of the ``aws_cloudtrail`` source: the Falco CloudTrail plugin's fields, and jackwatch's ``aws.*``.

``ct.*``, ``s3.*``, ``ec2.*``, ``ecr.*`` and ``json.value[…]`` follow the Falco CloudTrail plugin: text
values as written in the record, objects and arrays as compact JSON text, a missing value is ``None``.
The ``aws.*`` fields are normalised (stable principal, credential kind, parsed source IP, ASN, user-agent
family, error class, model id); each is computed at most once per event and kept in ``event.memo``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from jackwatch.model import JSON_OBJECT, Event
from jackwatch.normalize import (
    Asn,
    AsnDb,
    CredentialKind,
    ModelId,
    Principal,
    SourceIp,
    error_class,
    model_id_from_record,
    parse_source_ip,
    principal_from_record,
    user_agent_family,
)
from jackwatch.rules.fields import ArgMode, Extractor, Field, SourceFields

SOURCE = "aws_cloudtrail"
NAME_FIELD = "ct.name"
PLUGIN_NAME = "cloudtrail"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
USER_AGENT_EVIDENCE_CHARS = 200
_AMAZONAWS = ".amazonaws.com"

# ---------------------------------------------------------------------------------------------- helpers


def _at(value: object, *path: str) -> object:
    """The value at ``path`` in ``value``, or ``None`` when a step is missing or not an object."""
    for key in path:
        if type(value) is not dict and (value is None or not isinstance(value, Mapping)):
            return None  # the common misses (a missing key) never reach the slow ABC check
        value = value.get(key)
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_text(value: object) -> str:
    """A JSON value as the plugin renders it: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits, mappings that are not dicts
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    return dict(value) if isinstance(value, JSON_OBJECT) else str(value)


def _string(*path: str) -> Extractor:
    """An extractor of the text at ``path`` (``None`` when missing or not text)."""
    if len(path) == 1:
        key = path[0]

        def top(event: Event, _arg: str | None) -> str | None:
            value = event.raw.get(key)
            return value if type(value) is str else None

        return top
    if len(path) == 2:  # most fields (``userIdentity.arn``…): no loop on the hot path
        outer, inner = path

        def nested(event: Event, _arg: str | None) -> str | None:
            parent = event.raw.get(outer)
            value = parent.get(inner) if type(parent) is dict else _at(parent, inner)
            return value if type(value) is str else None

        return nested
    return lambda event, _arg: _text(_at(event.raw, *path))


def _json(*path: str) -> Extractor:
    """An extractor of the value at ``path`` as JSON text (``None`` when the key is missing)."""

    def extract(event: Event, _arg: str | None) -> str | None:
        parent = _at(event.raw, *path[:-1])
        if not isinstance(parent, JSON_OBJECT) or path[-1] not in parent:
            return None
        return _json_text(parent[path[-1]])

    return extract


def _flag_text(key: str) -> Extractor:
    """``"true"``/``"false"`` from a boolean (or boolean text) at ``key``; ``None`` when missing."""

    def extract(event: Event, _arg: str | None) -> str | None:
        value = event.raw.get(key)
        if isinstance(value, bool):
            return "true" if value else "false"
        return value.lower() if isinstance(value, str) and value else None

    return extract


def _count(value: object) -> int | None:
    """A byte count written as a JSON number (``1024`` or ``1024.0``) or digits; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _items(value: object, *path: str) -> list[Any]:
    found = _at(value, *path)
    return found if isinstance(found, list) else []


# ------------------------------------------------------------------------------- plugin (ct.*) fields


def _user(event: Event, _arg: str | None) -> str:
    """The plugin's ``ct.user``: a name chosen by identity type."""
    identity = event.raw.get("userIdentity")
    if not isinstance(identity, JSON_OBJECT):
        return ""
    kind = _text(identity.get("type"))
    if kind in ("Root", "IAMUser"):
        name = _text(identity.get("userName"))
        if name is not None:
            return name
    elif kind == "AWSService":
        service = _text(identity.get("invokedBy"))
        if service is not None:
            return service
    elif kind == "AssumedRole":
        return _text(_at(identity, "sessionContext", "sessionIssuer", "userName")) or "AssumedRole"
    elif kind is not None:
        return kind
    return _text(identity.get("userName")) or ""


def _short_src(event: Event, _arg: str | None) -> str | None:
    source = _text(event.raw.get("eventSource"))
    if source is not None and len(source) > len(_AMAZONAWS):
        return source.removesuffix(_AMAZONAWS)
    return source


def _src_ip(event: Event, _arg: str | None) -> str | None:
    raw = _text(event.raw.get("sourceIPAddress"))
    return raw if raw is not None and parse_source_ip(raw).ip is not None else None


def _src_domain(event: Event, _arg: str | None) -> str | None:
    raw = _text(event.raw.get("sourceIPAddress"))
    return raw if raw and parse_source_ip(raw).ip is None else None


def _request_subnet(event: Event, _arg: str | None) -> str | None:
    return _text(_at(event.raw, "requestParameters", "subnetId"))


def _availability_zone(event: Event, _arg: str | None) -> str | None:
    request = event.raw.get("requestParameters")
    return _text(_at(request, "availabilityZone")) or _text(_at(request, "placement", "availabilityZone"))


def _response_subnet(event: Event, _arg: str | None) -> str | None:
    response = event.raw.get("responseElements")
    found = _text(_at(response, "subnetId"))
    if found is None:
        for item in _items(response, "instancesSet", "items"):
            found = _text(_at(item, "subnetId"))
            if found is not None:
                break
    return found


def _s3_uri(event: Event, _arg: str | None) -> str | None:
    bucket = _text(_at(event.raw, "requestParameters", "bucketName"))
    key = _text(_at(event.raw, "requestParameters", "key"))
    return f"s3://{bucket}/{key}" if bucket is not None and key is not None else None


def _bytes_in(event: Event, _arg: str | None) -> int | None:
    return _count(_at(event.raw, "additionalEventData", "bytesTransferredIn"))


def _bytes_out(event: Event, _arg: str | None) -> int | None:
    return _count(_at(event.raw, "additionalEventData", "bytesTransferredOut"))


def _bytes(event: Event, arg: str | None) -> int | None:
    sizes = [size for size in (_bytes_in(event, arg), _bytes_out(event, arg)) if size is not None]
    return sum(sizes) if sizes else None


def _counter(wanted: str | None) -> Extractor:
    """1 when the event is ``wanted`` (``None``: neither GetObject nor PutObject), else 0."""
    if wanted is None:
        return lambda event, _arg: 0 if event.name in ("GetObject", "PutObject") else 1
    return lambda event, _arg: 1 if event.name == wanted else 0


def _ec2_name(event: Event, _arg: str | None) -> str | None:
    for spec in _items(event.raw.get("requestParameters"), "tagSpecificationSet", "items"):
        if _at(spec, "resourceType") != "instance":
            continue
        for tag in _items(spec, "tags"):
            if _at(tag, "key") == "Name":
                return _text(_at(tag, "value")) or None
    return None


def _ec2_image(event: Event, _arg: str | None) -> str | None:
    for where in ("responseElements", "requestParameters"):
        for item in _items(event.raw.get(where), "instancesSet", "items"):
            image = _text(_at(item, "imageId"))
            if image is not None:
                return image
    return None


def _info(event: Event, arg: str | None) -> str:
    parts = [text for text in (_text(event.raw.get("awsRegion")), _user(event, arg), event.name) if text]
    location = _s3_uri(event, arg) or _text(_at(event.raw, "requestParameters", "bucketName"))
    if location:
        parts.append(location if location.startswith("s3://") else f"s3://{location}")
    size = _bytes(event, arg)
    if size is not None:
        parts.append(f"Size={size}")
    error = _text(event.raw.get("errorCode"))
    if error:
        parts.append(f"Error={error}")
    return " ".join(parts)


@lru_cache(maxsize=1024)
def _pointer(text: str) -> tuple[str, ...] | None:
    """RFC 6901 reference tokens of ``text``; ``None`` when it is not a JSON pointer."""
    if text == "":
        return ()
    if not text.startswith("/"):
        return None
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/"))


def _json_value(event: Event, arg: str | None) -> str | None:
    tokens = _pointer(arg) if arg is not None else None
    if tokens is None:
        return None
    value: object = event.raw
    for token in tokens:
        if isinstance(value, JSON_OBJECT):
            if token not in value:
                return None
            value = value[token]
        elif isinstance(value, list):
            if not (token.isascii() and token.isdigit()) or (token != "0" and token.startswith("0")):
                return None
            position = int(token)
            if position >= len(value):
                return None
            value = value[position]
        else:
            return None
    return _json_text(value)


# --------------------------------------------------------------------------- Falco event (evt.*) fields


def _nanoseconds(event: Event) -> int:
    return (event.time - _EPOCH) // _MICROSECOND * 1000


def _evt_time(event: Event, _arg: str | None) -> str:
    return f"{event.time:%H:%M:%S}.{event.time.microsecond * 1000:09d}"


def _evt_datetime(event: Event, _arg: str | None) -> str:
    return f"{event.time:%Y-%m-%d %H:%M:%S}.{event.time.microsecond * 1000:09d}"


def _evt_iso8601(event: Event, _arg: str | None) -> str:
    return f"{event.time:%Y-%m-%dT%H:%M:%S}.{event.time.microsecond * 1000:09d}Z"


# ------------------------------------------------------------------------------ normalised (aws.*)


def _principal(event: Event) -> Principal:
    found: Principal | None = event.memo.get("aws.principal")
    if found is None:
        found = event.memo["aws.principal"] = principal_from_record(event.raw)
    return found


def _source(event: Event) -> SourceIp:
    found: SourceIp | None = event.memo.get("aws.source_ip")
    if found is None:
        found = event.memo["aws.source_ip"] = parse_source_ip(event.raw.get("sourceIPAddress"))
    return found


def _model(event: Event) -> ModelId | None:
    memo = event.memo
    if "aws.model" in memo:
        cached: ModelId | None = memo["aws.model"]
        return cached
    found = memo["aws.model"] = model_id_from_record(event.raw)
    return found


def _user_agent_family(event: Event, _arg: str | None) -> str:
    found: str | None = event.memo.get("aws.user_agent_family")
    if found is None:
        found = event.memo["aws.user_agent_family"] = user_agent_family(event.raw.get("userAgent")).value
    return found


def _asn_of(asn_db: AsnDb) -> Callable[[Event], Asn | None]:
    lookup = lru_cache(maxsize=65536)(asn_db.lookup)  # the callers of a run come from far fewer addresses

    def asn(event: Event) -> Asn | None:
        memo = event.memo
        if "aws.asn" in memo:
            cached: Asn | None = memo["aws.asn"]
            return cached
        ip = _source(event).ip
        found = memo["aws.asn"] = None if ip is None else lookup(ip)
        return found

    return asn


def _error(event: Event, _arg: str | None) -> str | None:
    return _text(event.raw.get("errorCode")) or None


def _error_class(event: Event, _arg: str | None) -> str | None:
    found = error_class(event.raw.get("errorCode"))
    return None if found is None else found.value


def _success(event: Event, _arg: str | None) -> bool:
    return not event.raw.get("errorCode")


def _bearer_token(event: Event, _arg: str | None) -> bool:
    extra = event.raw.get("additionalEventData")
    if extra is None:
        return False
    value = _at(extra, "callWithBearerToken")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _is_bedrock(event: Event, _arg: str | None) -> bool:
    source = event.raw.get("eventSource")
    if not isinstance(source, str):
        return False
    label = source.partition(".")[0]
    return label == "bedrock" or label.startswith("bedrock-")


def _model_attr(read: Callable[[ModelId], str | None]) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        model = _model(event)
        return None if model is None else read(model)

    return extract


# -------------------------------------------------------------------------------------------- table

_PLUGIN_STRINGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("ct.id", ("eventID",), "The unique id of the event (``eventID``)."),
    ("ct.error", ("errorCode",), "The error code (``errorCode``); missing when the call succeeded."),
    ("ct.errormessage", ("errorMessage",), "The error description (``errorMessage``)."),
    ("ct.time", ("eventTime",), "The time of the event as written (``eventTime``)."),
    ("ct.src", ("eventSource",), "The service called (``eventSource``, e.g. ``s3.amazonaws.com``)."),
    ("ct.region", ("awsRegion",), "The region of the call (``awsRegion``)."),
    ("ct.useragent", ("userAgent",), "The user agent of the caller (``userAgent``)."),
    ("ct.requestid", ("requestID",), "The request id the called service generated (``requestID``)."),
    ("ct.eventtype", ("eventType",), "The event type (``eventType``: ``AwsApiCall``, ``AwsConsoleSignIn``…)."),
    ("ct.apiversion", ("apiVersion",), "The API version of an ``AwsApiCall`` (``apiVersion``)."),
    ("ct.recipientaccountid", ("recipientAccountId",), "The account that received the event."),
    ("ct.sharedeventid", ("sharedEventID",), "The id shared by the copies of one action sent to several accounts."),
    ("ct.vpcendpointid", ("vpcEndpointId",), "The VPC endpoint the request came through (``vpcEndpointId``)."),
    ("ct.eventcategory", ("eventCategory",), "The event category (``Management``, ``Data``, ``Insight``)."),
    ("ct.user.accountid", ("userIdentity", "accountId"), "The account of the caller (``userIdentity.accountId``)."),
    ("ct.user.identitytype", ("userIdentity", "type"), "The identity type (``Root``, ``IAMUser``, ``AssumedRole``…)."),
    ("ct.user.principalid", ("userIdentity", "principalId"), "The unique id of the caller (``principalId``)."),
    ("ct.user.arn", ("userIdentity", "arn"), "The ARN of the caller (``userIdentity.arn``)."),
    ("ct.response.reservationid", ("responseElements", "reservationId"), "The reservation id in the response."),
    ("ct.request.cluster", ("requestParameters", "cluster"), "The cluster in the request."),
    ("ct.request.functionname", ("requestParameters", "functionName"), "The function name in the request."),
    ("ct.request.groupname", ("requestParameters", "groupName"), "The group name in the request."),
    ("ct.request.host", ("requestParameters", "Host"), "The host in the request (``requestParameters.Host``)."),
    ("ct.request.name", ("requestParameters", "name"), "The name of the entity acted on in the request."),
    ("ct.request.policy", ("requestParameters", "policy"), "The policy in the request."),
    ("ct.request.serialnumber", ("requestParameters", "serialNumber"), "The serial number in the request."),
    ("ct.request.servicename", ("requestParameters", "serviceName"), "The service name in the request."),
    ("ct.request.taskdefinition", ("requestParameters", "taskDefinition"), "The task definition in the request."),
    ("ct.request.username", ("requestParameters", "userName"), "The user name in the request."),
    ("ct.addendum.reason", ("addendum", "reason"), "Why the event, or part of it, was delivered late."),
    ("ct.addendum.updatedfields", ("addendum", "updatedFields"), "The fields an addendum updates."),
    ("ct.addendum.originalrequestid", ("addendum", "originalRequestID"), "The original request id."),
    ("ct.addendum.originaleventid", ("addendum", "originalEventID"), "The original event id."),
    ("ct.tlsdetails.tlsversion", ("tlsDetails", "tlsVersion"), "The TLS version of the request."),
    ("ct.tlsdetails.ciphersuite", ("tlsDetails", "cipherSuite"), "The TLS cipher suite of the request."),
    (
        "ct.tlsdetails.clientprovidedhostheader",
        ("tlsDetails", "clientProvidedHostHeader"),
        "The host name the client called (e.g. ``bedrock-runtime.us-east-1.amazonaws.com``).",
    ),
    ("s3.bucket", ("requestParameters", "bucketName"), "The bucket of an S3 request (``bucketName``)."),
    ("s3.key", ("requestParameters", "key"), "The object key of an S3 request (``key``)."),
    ("ecr.repository", ("requestParameters", "repositoryName"), "The ECR repository in the request."),
    ("ecr.imagetag", ("requestParameters", "imageTag"), "The image tag in the request."),
)

_PLUGIN_JSON: tuple[tuple[str, str, str], ...] = (
    ("ct.request", "requestParameters", "All request parameters (``requestParameters``), as JSON text."),
    ("ct.response", "responseElements", "All response elements (``responseElements``), as JSON text."),
    ("ct.resources", "resources", "The resources the call accessed (``resources``), as JSON text."),
    ("ct.additionaleventdata", "additionalEventData", "``additionalEventData``, as JSON text."),
    ("ct.serviceeventdetails", "serviceEventDetails", "``serviceEventDetails``, as JSON text."),
    ("ct.edgedevicedetails", "edgeDeviceDetails", "``edgeDeviceDetails``, as JSON text."),
)

_PLUGIN_COMPUTED: tuple[tuple[str, Extractor, str], ...] = (
    ("ct.name", lambda event, _arg: event.name, "The name of the event (``eventName``, e.g. ``InvokeModel``)."),
    ("ct.shortsrc", _short_src, "``eventSource`` without its ``.amazonaws.com`` suffix (e.g. ``bedrock``)."),
    (
        "ct.user",
        _user,
        "The caller's name as the Falco plugin computes it: ``userName`` for ``Root`` and ``IAMUser``,"
        " ``invokedBy`` for ``AWSService``, the session issuer's ``userName`` (else ``AssumedRole``) for"
        ' ``AssumedRole``, else the identity type; ``""`` without ``userIdentity``. Unsure: the'
        ' plugin\'s value for a ``Root`` or ``IAMUser`` without ``userName`` (here: ``""``).',
    ),
    (
        "ct.srcip",
        _src_ip,
        "``sourceIPAddress`` as written, when it is an IP address (zero-padded IPv4 included)."
        " Unsure: the plugin may also return service hosts here; see ``ct.srcdomain``.",
    ),
    (
        "ct.srcdomain",
        _src_domain,
        "``sourceIPAddress`` when it is not an IP address (``bedrock.amazonaws.com``, ``AWS Internal``).",
    ),
    (
        "ct.info",
        _info,
        "A one-line summary: region, user, event name, S3 location and size, error code."
        " It approximates the plugin's summary; do not match on its exact text.",
    ),
    ("ct.managementevent", _flag_text("managementEvent"), "``true``/``false`` text of ``managementEvent``."),
    (
        "ct.readonly",
        _flag_text("readOnly"),
        "``true`` (text) if the call only reads, ``false`` if it changes state (``readOnly``)."
        " Unsure: missing when the record has no ``readOnly``; the plugin may infer it from the name.",
    ),
    (
        "ct.sessioncredentialfromconsole",
        _flag_text("sessionCredentialFromConsole"),
        "``true`` (text) when the call came from a console session (``sessionCredentialFromConsole``).",
    ),
    (
        "ct.request.availabilityzone",
        _availability_zone,
        "The availability zone in the request (``availabilityZone``, else ``placement.availabilityZone``).",
    ),
    ("ct.request.subnetid", _request_subnet, "The subnet id in the request (``requestParameters.subnetId``)."),
    (
        "ct.response.subnetid",
        _response_subnet,
        "The subnet id in the response (``responseElements.subnetId``, else the first instance's in"
        " ``instancesSet``). Unsure: the plugin may read only the first.",
    ),
    ("s3.uri", _s3_uri, "``s3://<bucket>/<key>`` of an S3 object request; missing unless both are present."),
    (
        "s3.bytes",
        _bytes,
        "Number: bytes uploaded plus downloaded (``additionalEventData.bytesTransferredIn`` +"
        " ``bytesTransferredOut``); missing when neither is present.",
    ),
    ("s3.bytes.in", _bytes_in, "Number: bytes uploaded (``additionalEventData.bytesTransferredIn``)."),
    ("s3.bytes.out", _bytes_out, "Number: bytes downloaded (``additionalEventData.bytesTransferredOut``)."),
    ("s3.cnt.get", _counter("GetObject"), "Number: 1 for a ``GetObject`` event, 0 otherwise."),
    ("s3.cnt.put", _counter("PutObject"), "Number: 1 for a ``PutObject`` event, 0 otherwise."),
    ("s3.cnt.other", _counter(None), "Number: 0 for ``GetObject`` and ``PutObject`` events, 1 otherwise."),
    ("ec2.name", _ec2_name, "The ``Name`` tag of the instance in the request (``tagSpecificationSet``)."),
    ("ec2.imageid", _ec2_image, "The image id of the first instance in the response (else in the request)."),
)

_JSON_VALUE_DOC = (
    "The value at an RFC 6901 JSON pointer into the record (``json.value[/requestParameters/modelId]``):"
    " text as it is, numbers and booleans as JSON text (``42``, ``true``), objects and arrays as compact"
    " JSON, an explicit ``null`` as ``null``; missing when the pointer does not resolve or is invalid."
)

_EVT: tuple[tuple[str, Extractor, str], ...] = (
    ("evt.source", lambda event, _arg: SOURCE, "The event source: ``aws_cloudtrail``."),
    ("evt.pluginname", lambda event, _arg: PLUGIN_NAME, "The Falco plugin this source stands for: ``cloudtrail``."),
    ("evt.plugininfo", _info, "The event summary, as ``ct.info``."),
    (
        "evt.num",
        lambda event, _arg: None,
        "Falco's event sequence number. jackwatch does not number events, so it is always missing (``<NA>``).",
    ),
    ("evt.time", _evt_time, "The event time of day in UTC, ``HH:MM:SS.nnnnnnnnn`` (from ``eventTime``)."),
    ("evt.time.s", lambda event, _arg: f"{event.time:%H:%M:%S}", "The event time of day in UTC, ``HH:MM:SS``."),
    ("evt.time.iso8601", _evt_iso8601, "The event time, ``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ``."),
    ("evt.datetime", _evt_datetime, "The event date and time in UTC, ``YYYY-MM-DD HH:MM:SS.nnnnnnnnn``."),
    (
        "evt.datetime.s",
        lambda event, _arg: f"{event.time:%Y-%m-%d %H:%M:%S}",
        "The event date and time in UTC, ``YYYY-MM-DD HH:MM:SS``.",
    ),
    ("evt.rawtime", lambda event, _arg: _nanoseconds(event), "Number: nanoseconds since the epoch."),
    (
        "evt.rawtime.s",
        lambda event, _arg: _nanoseconds(event) // 1_000_000_000,
        "Number: whole seconds since the epoch.",
    ),
    (
        "evt.rawtime.ns",
        lambda event, _arg: _nanoseconds(event) % 1_000_000_000,
        "Number: the nanoseconds part of the event time.",
    ),
)

_AWS: tuple[tuple[str, Extractor, str], ...] = (
    (
        "aws.principal",
        lambda event, _arg: _principal(event).id,
        "The stable principal: the user ARN; the role ARN for assumed-role sessions; the issuing user"
        " for federated users; ``arn:aws:iam::<account>:root`` for root; the service host for"
        " ``AWSService``; ``unknown`` without ``userIdentity``.",
    ),
    (
        "aws.principal.kind",
        lambda event, _arg: _principal(event).kind.value,
        "``iam_user``, ``assumed_role``, ``root``, ``federated_user``, ``aws_service``, ``aws_account``,"
        " ``identity_center_user``, ``saml_user``, ``web_identity_user`` or ``unknown``.",
    ),
    (
        "aws.principal.name",
        lambda event, _arg: _principal(event).name,
        "The principal's short name: user or role name, ``root``, the service (e.g. ``BedrockAPIKey-ab12``).",
    ),
    (
        "aws.principal.session",
        lambda event, _arg: _principal(event).session,
        "The role session or federated user name, when there is one.",
    ),
    (
        "aws.access_key_id",
        lambda event, _arg: _principal(event).access_key_id,
        "The access key id that signed the call (``userIdentity.accessKeyId``); an identifier, not a secret.",
    ),
    (
        "aws.credential_kind",
        lambda event, _arg: _principal(event).credential_kind.value,
        "``long_term`` (``AKIA…``), ``temporary`` (``ASIA…``), ``bedrock_api_key`` (bearer token, ``ABSK…``"
        " key, or a ``BedrockAPIKey-*`` user without an IAM access key), ``console``, ``aws_service``,"
        " ``none`` (no ``userIdentity``) or ``unknown``.",
    ),
    (
        "aws.account",
        lambda event, _arg: _principal(event).account,
        "The principal's account (``userIdentity.accountId``, the ARN's account, else ``recipientAccountId``).",
    ),
    ("aws.region", _string("awsRegion"), "The region of the call (``awsRegion``)."),
    (
        "aws.source_ip",
        lambda event, _arg: _source(event).text,
        "The caller's IP address in canonical form (``035.1.2.3`` → ``35.1.2.3``, IPv4-mapped IPv6 as"
        " IPv4); missing for service hosts and unparseable values.",
    ),
    (
        "aws.source_service",
        lambda event, _arg: _source(event).service,
        "The AWS service in ``sourceIPAddress`` (``bedrock.amazonaws.com``, ``AWS Internal``), if any.",
    ),
    (
        "aws.user_agent_family",
        _user_agent_family,
        "``aws_console``, ``aws_sdk``, ``aws_cli``, ``aws_service``, ``browser``, ``http_library``"
        " (aiohttp, axios, requests, urllib3, curl…), ``empty`` or ``other``.",
    ),
    ("aws.error", _error, "The error code (``errorCode``); missing when the call succeeded."),
    (
        "aws.error_class",
        _error_class,
        "``access_denied`` (also rejected credentials), ``validation``, ``throttling``, ``not_found`` or"
        " ``other``; missing when the call succeeded.",
    ),
    ("aws.success", _success, "Boolean: ``true`` when the record has no ``errorCode``."),
    (
        "aws.model_id",
        _model_attr(lambda model: model.normalized),
        "The Bedrock model of the request (``modelId``, ``modelIdentifier`` or ``modelArn``) as a bare"
        " model id; ARNs that hide the model (application inference profiles…) are kept as they are.",
    ),
    ("aws.model_vendor", _model_attr(lambda model: model.vendor), "The model's provider (``anthropic``…)."),
    (
        "aws.model_profile",
        _model_attr(lambda model: model.profile_prefix),
        "The inference-profile geography of the model id (``us``, ``eu``, ``apac``, ``global``…).",
    ),
    (
        "aws.model_kind",
        _model_attr(lambda model: model.kind.value),
        "``foundation_model``, ``inference_profile``, ``application_inference_profile``,"
        " ``provisioned_model``, ``custom_model``, ``imported_model`` or ``other_arn``.",
    ),
    (
        "aws.bearer_token",
        _bearer_token,
        "Boolean: ``true`` when a Bedrock API key (bearer token) signed the call"
        " (``additionalEventData.callWithBearerToken``).",
    ),
    (
        "aws.is_bedrock",
        _is_bedrock,
        "Boolean: ``true`` when ``eventSource`` is Bedrock (``bedrock``, ``bedrock-runtime``,"
        " ``bedrock-mantle`` or any other ``bedrock-*`` service).",
    ),
    (
        "aws.console_session",
        lambda event, _arg: _principal(event).credential_kind is CredentialKind.CONSOLE,
        "Boolean: ``true`` for a console sign-in or a call from a console session.",
    ),
)


def _asn_fields(asn: Callable[[Event], Asn | None]) -> tuple[Field, ...]:
    def number(event: Event, _arg: str | None) -> str | None:
        found = asn(event)
        return None if found is None else found.label

    def org(event: Event, _arg: str | None) -> str | None:
        found = asn(event)
        return None if found is None else found.org

    return (
        Field(
            "aws.asn",
            number,
            "The autonomous system announcing the source IP, as ``AS<number>`` (``AS13335``), from the"
            " packaged offline data; missing for private, unrouted or non-IP sources.",
        ),
        Field("aws.as_org", org, "The organisation holding that autonomous system (``Cloudflare, Inc.``)."),
    )


def cloudtrail_fields(asn_db: AsnDb) -> SourceFields:
    """The fields of the ``aws_cloudtrail`` source; ``asn_db`` answers IP → ASN lookups."""
    asn = _asn_of(asn_db)
    fields = [Field(name, _string(*path), doc) for name, path, doc in _PLUGIN_STRINGS]
    fields += [Field(name, _json(key), doc) for name, key, doc in _PLUGIN_JSON]
    fields += [Field(name, extract, doc) for name, extract, doc in _PLUGIN_COMPUTED + _EVT + _AWS]
    fields.append(Field("json.value", _json_value, _JSON_VALUE_DOC, ArgMode.REQUIRED))
    fields += _asn_fields(asn)
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in sorted(fields, key=lambda item: item.name)},
        name_field=NAME_FIELD,
        partition_field="ct.src",
        retain=retain,
        principal=lambda event: _principal(event).id,
        evidence=_evidence_of(asn),
    )


_RETAINED_KEYS = (
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "eventID",
    "eventType",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "additionalEventData",
    "sessionCredentialFromConsole",
    "recipientAccountId",
)
_RETAINED_PARAMETERS = ("modelId", "modelIdentifier", "modelArn")
_RETAINED = "retained"


def retain(event: Event) -> Event:
    """The compact copy of a CloudTrail event that stateful rules keep (made once per event): identity,
    network, client, error and model, without the request and response bodies nor the memo. The principal,
    the evidence and every ``aws.*``, ``ct.user*`` and other field whose data it keeps read as the event's."""
    kept = event.memo.get(_RETAINED)
    if kept is None:
        raw = event.raw
        slim = _slim(raw, _RETAINED_KEYS)
        identity = raw.get("userIdentity")
        if isinstance(identity, JSON_OBJECT):
            slim["userIdentity"] = _without_session_details(identity)
        parameters = raw.get("requestParameters")
        if isinstance(parameters, JSON_OBJECT):
            slim["requestParameters"] = _slim(parameters, _RETAINED_PARAMETERS)
        name = _interned(event.name)
        kept = event.memo[_RETAINED] = Event(event.source, name, event.time, event.id, slim, event.origin)
    return kept


def _slim(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The values of ``keys`` in ``mapping``, text interned: names, regions, agents and addresses repeat from
    one event to the next, and kept events share one copy of each (freed when none holds it any more)."""
    return {key: _interned(mapping[key]) for key in keys if key in mapping}


def _interned(value: Any) -> Any:
    """``value``, the one shared copy of it when it is text."""
    return sys.intern(value) if type(value) is str else value


def _without_session_details(identity: Mapping[str, Any]) -> Mapping[str, Any]:
    """``userIdentity`` as ``ct.user*`` and the principal read it: without the session's attributes and
    web-identity data (the session issuer stays). An identity without a session is kept as it is."""
    context = identity.get("sessionContext")
    if context is None:
        return identity
    slim = dict(identity)
    issuer = _at(context, "sessionIssuer")
    if issuer is None:
        del slim["sessionContext"]
    else:
        slim["sessionContext"] = {"sessionIssuer": issuer}
    return slim


def _evidence_of(asn: Callable[[Event], Asn | None]) -> Callable[[Event], Mapping[str, str]]:
    def evidence(event: Event) -> Mapping[str, str]:
        """The evidence of ``event``, made once (an event can make matches of several rules)."""
        found: Mapping[str, str] | None = event.memo.get("aws.evidence")
        if found is None:
            found = event.memo["aws.evidence"] = _evidence(event, asn(event))
        return found

    return evidence


def _evidence(event: Event, asn: Asn | None) -> dict[str, str]:
    """Region, source IP, ASN, user agent, access key id and model of one event (those it has)."""
    found: dict[str, str] = {}
    region = _text(event.raw.get("awsRegion"))
    if region:
        found["region"] = region
    source = _source(event)
    shown = source.text or source.service or source.raw.strip()[:64]
    if shown:
        found["source_ip"] = shown
    if asn is not None:
        found["asn"] = str(asn)
    agent = _text(event.raw.get("userAgent"))
    if agent and agent.strip():
        found["user_agent"] = agent[:USER_AGENT_EVIDENCE_CHARS]
    key = _principal(event).access_key_id
    if key:
        found["access_key_id"] = key
    model = _model(event)
    if model is not None:
        found["model"] = model.normalized
    return found
