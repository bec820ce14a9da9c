"""Fields of the ``gcp_auditlog`` source: the Falco GCP audit plugin's fields, and jackwatch's normalised ``gcp.*``.

The plugin's fields (``gcp.user``, ``gcp.methodName``, ``gcp.callerIP``…) give the values as written in
the ``LogEntry``: text as it is, objects and arrays as compact JSON text, a missing value is ``None``.
jackwatch's fields (``gcp.method``, ``gcp.identity``, ``gcp.asn``, ``gcp.model``…) are normalised; the
derived ones are computed at most once per event and kept in ``event.memo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jackwatch.model import JSON_OBJECT, Event
from jackwatch.normalize import AsnDb, user_agent_family
from jackwatch.rules.fields import ArgMode, Extractor, Field, SourceFields
from jackwatch.rules.fields.audit import ActorNetwork, text_of, value_at
from jackwatch.rules.fields.cloudtrail import _json_text, _json_value
from jackwatch.sources.gcp.names import ResourceName, log_parent, log_type, parse_resource_name, status_name
from jackwatch.sources.gcp.records import SOURCE

NAME_FIELD = "gcp.method"
PARTITION_FIELD = "gcp.service"
UNKNOWN = "unknown"

# ---------------------------------------------------------------------------------------------- helpers


def _payload(event: Event) -> object:
    return event.raw.get("protoPayload")


def _entry_text(*path: str) -> Extractor:
    """An extractor of the text at ``path`` in the entry."""
    return lambda event, _arg: text_of(value_at(event.raw, *path))


def _payload_text(*path: str) -> Extractor:
    """An extractor of the text at ``path`` in ``protoPayload``."""
    return lambda event, _arg: text_of(value_at(_payload(event), *path))


def _payload_json(*path: str) -> Extractor:
    """An extractor of the value at ``path`` in ``protoPayload`` as JSON text (``None`` when missing)."""

    def extract(event: Event, _arg: str | None) -> str | None:
        value = value_at(_payload(event), *path)
        return None if value is None else _json_text(value)

    return extract


# ------------------------------------------------------------------------------------ identity (memo)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who made a call: the principal's email and subject, the service-account key, and how they signed in."""

    email: str | None
    subject: str | None
    key: str | None
    credential: str | None

    @property
    def stable(self) -> str:
        """What findings are about: the key when one was used (it is what leaks), else email, else subject."""
        return self.key or self.email or self.subject or UNKNOWN

    @property
    def key_id(self) -> str | None:
        """The key's id: the last part of ``//iam.googleapis.com/projects/P/serviceAccounts/SA/keys/ID``."""
        return None if self.key is None else self.key.rstrip("/").rpartition("/")[2] or None


def identity_of(info: object) -> Identity:
    """The identity in ``protoPayload.authenticationInfo`` (any value; missing parts are ``None``)."""
    email = text_of(value_at(info, "principalEmail"))
    subject = text_of(value_at(info, "principalSubject"))
    key = text_of(value_at(info, "serviceAccountKeyName"))
    credential: str | None
    if key is not None:
        credential = "sa_key"
    elif (email or "").endswith(".gserviceaccount.com") or (subject or "").startswith("serviceAccount:"):
        credential = "service_account"
    elif subject is not None and subject.startswith(("principal://", "principalSet://")):
        credential = "federated"
    elif email is not None or subject is not None:
        credential = "user"
    else:
        credential = None
    return Identity(email, subject, key, credential)


def _identity(event: Event) -> Identity:
    found: Identity | None = event.memo.get("gcp.identity")
    if found is None:
        found = event.memo["gcp.identity"] = identity_of(value_at(_payload(event), "authenticationInfo"))
    return found


def principal(event: Event) -> str:
    """The stable identity a finding is about (``gcp.identity``)."""
    return _identity(event).stable


# ----------------------------------------------------------------------------- network, client (memo)


def _caller_ip(event: Event) -> object:
    return value_at(_payload(event), "requestMetadata", "callerIp")


def _user_agent(event: Event) -> str | None:
    return text_of(value_at(_payload(event), "requestMetadata", "callerSuppliedUserAgent"))


_GCLOUD_MARKERS = ("google-cloud-sdk", "gcloud/")
_GOOGLE_LIBRARY_MARKERS = (
    "gl-python/",
    "gl-java/",
    "gl-go/",
    "gl-node/",
    "gl-dotnet/",
    "gl-ruby/",
    "gl-php/",
    "gapic/",
    "gax/",
    "google-api-python-client/",
    "google-api-go-client/",
    "google-api-nodejs-client/",
    "google-genai-sdk/",
    "google-cloud-aiplatform/",
    "vertex-genai-modules/",
)


def client_family(user_agent: object) -> str:
    """The kind of client a ``callerSuppliedUserAgent`` names.

    ``gcloud`` (the Google Cloud CLI) and ``google_sdk`` (Google's client libraries: ``gl-python/``,
    ``gapic/``, ``google-genai-sdk/``…) first, then the families of
    :func:`jackwatch.normalize.user_agent_family` (``browser``, ``http_library``, ``empty``, ``other``…).
    """
    if isinstance(user_agent, str):
        lowered = user_agent.lower()
        if any(marker in lowered for marker in _GCLOUD_MARKERS):
            return "gcloud"
        if any(marker in lowered for marker in _GOOGLE_LIBRARY_MARKERS):
            return "google_sdk"
    return user_agent_family(user_agent).value


def _client_family(event: Event, _arg: str | None) -> str:
    found: str | None = event.memo.get("gcp.user_agent_family")
    if found is None:
        found = event.memo["gcp.user_agent_family"] = client_family(_user_agent(event))
    return found


# ------------------------------------------------------------------------ resource, place, status


def _resource(event: Event) -> ResourceName:
    name = value_at(_payload(event), "resourceName")
    return parse_resource_name(name) if isinstance(name, str) else ResourceName()


def _labels(event: Event) -> object:
    return value_at(event.raw, "resource", "labels")


def _location(event: Event, _arg: str | None) -> str | None:
    """The plugin's order (``location``, ``region``, ``zone`` label less its ``-a``), then ``resourceName``."""
    labels = _labels(event)
    found = text_of(value_at(labels, "location")) or text_of(value_at(labels, "region"))
    if found is None:
        zone = text_of(value_at(labels, "zone"))
        if zone is not None:
            return zone[:-2] if len(zone) > 2 else zone
    return found or _resource(event).location


def _project(event: Event, _arg: str | None) -> str | None:
    found = text_of(value_at(_labels(event), "project_id"))
    if found is not None:
        return found
    log_name = event.raw.get("logName")
    parent = log_parent(log_name) if isinstance(log_name, str) else None
    if parent is not None and parent[0] == "projects":
        return parent[1]
    return _resource(event).project


def _publisher_model(event: Event, _arg: str | None) -> str | None:
    resource = _resource(event)
    return f"{resource.publisher}/{resource.model}" if resource.publisher and resource.model else None


def _status_code(event: Event, _arg: str | None = None) -> int | None:
    """``status.code`` as a number; 0 (OK) without ``status`` or ``code``; ``None`` when it is not a number."""
    code = value_at(_payload(event), "status", "code")
    if code is None:
        return 0
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isascii() and code.isdigit():
        return int(code)
    return None


def _status(event: Event, _arg: str | None) -> str | None:
    code = _status_code(event)
    return None if code is None else status_name(code)


def _error(event: Event, _arg: str | None) -> bool | None:
    code = _status_code(event)
    return None if code is None else code != 0


def _log_type(event: Event, _arg: str | None) -> str | None:
    log_name = event.raw.get("logName")
    return log_type(log_name) if isinstance(log_name, str) else None


def _policy_delta(event: Event, _arg: str | None) -> str | None:
    payload = _payload(event)
    deltas = value_at(payload, "serviceData", "policyDelta", "bindingDeltas")
    if deltas is None:
        deltas = value_at(payload, "metadata", "datasetChange", "bindingDeltas")
    return None if deltas is None else _json_text(deltas)


def _logging_sink(event: Event, _arg: str | None) -> str | None:
    if value_at(event.raw, "resource", "type") != "logging_sink":
        return None
    return text_of(value_at(_labels(event), "name"))


def _resource_labels(event: Event, _arg: str | None) -> str | None:
    labels = _labels(event)
    return None if labels is None else _json_text(labels)


# ------------------------------------------------------------------------------------------- tables

_PLUGIN: tuple[tuple[str, Extractor, str], ...] = (
    ("gcp.user", _payload_text("authenticationInfo", "principalEmail"), "The caller's email (``principalEmail``)."),
    (
        "gcp.callerIP",
        _payload_text("requestMetadata", "callerIp"),
        "The caller's IP address as written (``requestMetadata.callerIp``); also ``private`` or"
        " ``gce-internal-ip`` when Google hides an internal address.",
    ),
    (
        "gcp.userAgent",
        _payload_text("requestMetadata", "callerSuppliedUserAgent"),
        "The caller's user agent (``requestMetadata.callerSuppliedUserAgent``).",
    ),
    (
        "gcp.authorizationInfo",
        _payload_json("authorizationInfo"),
        "The permissions checked (``authorizationInfo``), as JSON text.",
    ),
    ("gcp.serviceName", _payload_text("serviceName"), "The API service (``aiplatform.googleapis.com``)."),
    (
        "gcp.policyDelta",
        _policy_delta,
        "The IAM binding changes, as JSON text: ``serviceData.policyDelta.bindingDeltas``, else"
        " ``metadata.datasetChange.bindingDeltas`` (the plugin reads the first only for buckets).",
    ),
    ("gcp.request", _payload_json("request"), "The request as logged (``protoPayload.request``), as JSON text."),
    (
        "gcp.methodName",
        _payload_text("methodName"),
        "The full method name (``google.cloud.aiplatform.v1.PredictionService.GenerateContent``).",
    ),
    (
        "gcp.cloudfunctions.function",
        _entry_text("resource", "labels", "function_name"),
        "The Cloud Function (``resource.labels.function_name``).",
    ),
    (
        "gcp.cloudsql.databaseId",
        _entry_text("resource", "labels", "database_id"),
        "The Cloud SQL database (``resource.labels.database_id``).",
    ),
    (
        "gcp.compute.instanceId",
        _entry_text("resource", "labels", "instance_id"),
        "The VM instance id (``resource.labels.instance_id``).",
    ),
    (
        "gcp.compute.networkId",
        _entry_text("resource", "labels", "network_id"),
        "The network id (``resource.labels.network_id``).",
    ),
    (
        "gcp.compute.subnetwork",
        _entry_text("resource", "labels", "subnetwork_name"),
        "The subnetwork name (``resource.labels.subnetwork_name``).",
    ),
    (
        "gcp.compute.subnetworkId",
        _entry_text("resource", "labels", "subnetwork_id"),
        "The subnetwork id (``resource.labels.subnetwork_id``).",
    ),
    ("gcp.dns.zone", _entry_text("resource", "labels", "zone_name"), "The DNS zone (``resource.labels.zone_name``)."),
    (
        "gcp.iam.serviceAccount",
        _entry_text("resource", "labels", "email_id"),
        "The service account a ``service_account`` resource is (``resource.labels.email_id``).",
    ),
    (
        "gcp.iam.serviceAccountId",
        _entry_text("resource", "labels", "unique_id"),
        "The unique id of that service account (``resource.labels.unique_id``).",
    ),
    (
        "gcp.logging.sink",
        _logging_sink,
        "The sink of a ``logging_sink`` resource (``resource.labels.name``).",
    ),
    (
        "gcp.projectId",
        _entry_text("resource", "labels", "project_id"),
        "The project id of the resource (``resource.labels.project_id``).",
    ),
    ("gcp.resourceName", _payload_text("resourceName"), "The target of the call (``protoPayload.resourceName``)."),
    (
        "gcp.resourceType",
        _entry_text("resource", "type"),
        "The monitored resource type (``audited_resource``, ``aiplatform.googleapis.com/Endpoint``…).",
    ),
    ("gcp.resourceLabels", _resource_labels, "The resource labels (``resource.labels``), as JSON text."),
    (
        "gcp.storage.bucket",
        _entry_text("resource", "labels", "bucket_name"),
        "The bucket (``resource.labels.bucket_name``).",
    ),
    ("gcp.time", _entry_text("timestamp"), "The entry's ``timestamp``, as written (RFC 3339)."),
    (
        "gcp.location",
        _location,
        "The region: the resource's ``location``, ``region`` or ``zone`` label (less its zone letter), as"
        " the plugin reads it, else the ``locations/…`` part of ``resourceName`` (``us-east5``, ``global``).",
    ),
)

_JACKWATCH: tuple[tuple[str, Extractor, str], ...] = (
    (
        "gcp.method",
        lambda event, _arg: event.name,
        "The short method name: the last part of ``methodName`` (``GenerateContent``, ``RawPredict``,"
        " ``StreamRawPredict``, ``SetIamPolicy``; ``storage.objects.get`` gives ``get``).",
    ),
    ("gcp.method_full", _payload_text("methodName"), "The full method name, as ``gcp.methodName``."),
    ("gcp.service", _payload_text("serviceName"), "The API service, as ``gcp.serviceName``."),
    (
        "gcp.principal",
        lambda event, _arg: _identity(event).email,
        "The caller's email (``authenticationInfo.principalEmail``); missing when Google redacts it.",
    ),
    (
        "gcp.principal_subject",
        lambda event, _arg: _identity(event).subject,
        "The caller's subject (``authenticationInfo.principalSubject``: ``user:…``, ``serviceAccount:…``,"
        " ``principal://…``).",
    ),
    (
        "gcp.identity",
        lambda event, _arg: _identity(event).stable,
        "The stable identity findings are about: the service-account key name when a key signed the call,"
        " else the principal's email, else its subject, else ``unknown``.",
    ),
    (
        "gcp.sa_key",
        lambda event, _arg: _identity(event).key,
        "The service-account key that signed the call (``authenticationInfo.serviceAccountKeyName``,"
        " ``//iam.googleapis.com/projects/P/serviceAccounts/SA/keys/ID``); missing when no key was used.",
    ),
    (
        "gcp.sa_key_id",
        lambda event, _arg: _identity(event).key_id,
        "The id of that key (its last path part); an identifier, not a secret.",
    ),
    (
        "gcp.credential",
        lambda event, _arg: _identity(event).credential,
        "``sa_key`` (a service-account key), ``service_account`` (a service account without a key:"
        " attached, impersonated), ``federated`` (a ``principal://`` workload or workforce identity),"
        " ``user`` (any other caller); missing when the entry names no caller (redacted or anonymous).",
    ),
    ("gcp.user_agent", _payload_text("requestMetadata", "callerSuppliedUserAgent"), "The caller's user agent."),
    (
        "gcp.user_agent_family",
        _client_family,
        "``gcloud``, ``google_sdk`` (Google client libraries), ``browser``, ``http_library`` (curl,"
        " requests, aiohttp, axios…), ``empty`` or ``other``.",
    ),
    (
        "gcp.project",
        _project,
        "The project: ``resource.labels.project_id``, else the project of ``logName``, else of ``resourceName``.",
    ),
    (
        "gcp.publisher",
        lambda event, _arg: _resource(event).publisher,
        "The model publisher in ``resourceName`` (``google``, ``anthropic``, ``meta``, ``mistralai``…).",
    ),
    (
        "gcp.model",
        lambda event, _arg: _resource(event).model,
        "The publisher model in ``resourceName``, with its version (``claude-3-5-sonnet-v2@20241022``,"
        " ``gemini-1.5-pro-002``); missing for endpoints and other resources.",
    ),
    (
        "gcp.publisher_model",
        _publisher_model,
        "``<publisher>/<model>`` (``anthropic/claude-3-5-sonnet-v2@20241022``).",
    ),
    (
        "gcp.status_code",
        _status_code,
        "Number: the gRPC status code (``status.code``): 0 OK (also without ``status``), 3 INVALID_ARGUMENT,"
        " 5 NOT_FOUND, 7 PERMISSION_DENIED, 8 RESOURCE_EXHAUSTED, 16 UNAUTHENTICATED…",
    ),
    ("gcp.status", _status, "The name of that code (``OK``, ``PERMISSION_DENIED``…)."),
    ("gcp.status_message", _payload_text("status", "message"), "The error message (``status.message``)."),
    ("gcp.error", _error, "Boolean: ``true`` when the call failed (status code other than 0)."),
    (
        "gcp.log_type",
        _log_type,
        "The audit log of the entry, from ``logName``: ``data_access``, ``activity``, ``system_event`` or"
        " ``policy``; missing for other logs.",
    ),
    ("gcp.severity", _entry_text("severity"), "The entry's severity (``INFO``, ``NOTICE``, ``ERROR``…)."),
    ("gcp.insert_id", _entry_text("insertId"), "The entry's ``insertId``."),
)

_JSON_VALUE_DOC = (
    "The value at an RFC 6901 JSON pointer into the entry (``json.value[/protoPayload/request/@type]``):"
    " text as it is, numbers and booleans as JSON text, objects and arrays as compact JSON; missing when"
    " the pointer does not resolve or is invalid."
)


def _network_fields(network: ActorNetwork) -> tuple[Field, ...]:
    return (
        Field(
            "gcp.caller_ip",
            network.ip_text,
            "The caller's IP address in canonical form; missing for ``private``, ``gce-internal-ip`` and"
            " other values that are not addresses.",
        ),
        Field(
            "gcp.asn",
            network.asn_label,
            "The autonomous system announcing the caller's IP, as ``AS<number>`` (``AS14061``), from the"
            " packaged offline data; missing for hidden, private or unrouted addresses.",
        ),
        Field(
            "gcp.as_org", network.asn_org, "The organisation holding that autonomous system (``DigitalOcean, LLC``)."
        ),
    )


def gcp_audit_fields(asn_db: AsnDb) -> SourceFields:
    """The fields of the ``gcp_auditlog`` source; ``asn_db`` answers IP → ASN lookups."""
    network = ActorNetwork("gcp", asn_db, _caller_ip, _user_agent)
    fields = [Field(name, extract, doc) for name, extract, doc in _PLUGIN + _JACKWATCH]
    fields.append(Field("json.value", _json_value, _JSON_VALUE_DOC, ArgMode.REQUIRED))
    fields += _network_fields(network)
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in sorted(fields, key=lambda item: item.name)},
        name_field=NAME_FIELD,
        partition_field=PARTITION_FIELD,
        retain=retain,
        principal=principal,
        evidence=lambda event: _evidence(event, network),
    )


# ------------------------------------------------------------------------------------ retain, evidence

_RETAINED_KEYS = ("logName", "insertId", "timestamp", "receiveTimestamp", "severity", "resource")
_RETAINED_PAYLOAD = ("@type", "serviceName", "methodName", "resourceName", "authenticationInfo", "status")
_RETAINED_METADATA = ("callerIp", "callerSuppliedUserAgent")
_RETAINED = "retained"


def retain(event: Event) -> Event:
    """The compact copy of an entry that stateful rules keep: identity, network, client, target and status,
    without the request, response, metadata and authorization details (made once per event)."""
    kept = event.memo.get(_RETAINED)
    if kept is None:
        raw = event.raw
        slim: dict[str, Any] = {key: raw[key] for key in _RETAINED_KEYS if key in raw}
        payload = raw.get("protoPayload")
        if isinstance(payload, JSON_OBJECT):
            small: dict[str, Any] = {key: payload[key] for key in _RETAINED_PAYLOAD if key in payload}
            metadata = payload.get("requestMetadata")
            if isinstance(metadata, JSON_OBJECT):
                small["requestMetadata"] = {key: metadata[key] for key in _RETAINED_METADATA if key in metadata}
            slim["protoPayload"] = small
        kept = Event(event.source, event.name, event.time, event.id, slim, event.origin, dict(event.memo))
        event.memo[_RETAINED] = kept
    return kept


def _evidence(event: Event, network: ActorNetwork) -> dict[str, str]:
    """Region, caller IP, ASN, user agent, project and model of one entry (those it has)."""
    found: dict[str, str] = {}
    region = _location(event, None)
    if region:
        found["region"] = region
    found.update(network.evidence(event))
    project = _project(event, None)
    if project:
        found["project"] = project
    model = _publisher_model(event, None)
    if model:
        found["model"] = model
    return found
