"""Fields of the ``azure_openai`` source: Azure OpenAI (Cognitive Services) resource logs and the Activity log.

Every field reads the record through one :class:`~jackwatch.sources.azure.record.AzureRecord`, made at
most once per event and kept in ``event.memo``, so that a field means the same in every record shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import Extractor, Field, SourceFields
from jackwatch.rules.fields.audit import ActorNetwork
from jackwatch.sources.azure.network import caller_network
from jackwatch.sources.azure.record import AzureRecord, read_record, text_of, whole_number
from jackwatch.sources.azure.resource_id import ResourceId
from jackwatch.sources.azure.signals import content_filtered, local_auth_disabled

SOURCE = "azure_openai"
NAME_FIELD = "azure.operation"
UNKNOWN_PRINCIPAL = "unknown"
_RECORD = "azure.record"
_NETWORK = "azure.network"


def _record(event: Event) -> AzureRecord:
    found: AzureRecord | None = event.memo.get(_RECORD)
    if found is None:
        found = event.memo[_RECORD] = read_record(event.raw)
    return found


def _network(event: Event) -> IPv4Network | IPv6Network | None:
    memo = event.memo
    if _NETWORK in memo:
        cached: IPv4Network | IPv6Network | None = memo[_NETWORK]
        return cached
    address = _record(event).caller_ip
    found = memo[_NETWORK] = None if address is None else caller_network(address)
    return found


def _network_address(event: Event) -> IPv4Address | IPv6Address | None:
    """Where the caller's ASN is looked up: its network's first address (masking leaves the /24, which one AS
    announces)."""
    network = _network(event)
    return None if network is None else network.network_address


def _attribute(read: Callable[[AzureRecord], object]) -> Extractor:
    return lambda event, _arg: read(_record(event))


def _resource(read: Callable[[ResourceId], str | None]) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        resource = _record(event).resource
        return None if resource is None else read(resource)

    return extract


def _property_text(key: str) -> Extractor:
    return lambda event, _arg: text_of(_record(event).properties.get(key))


def _property_number(key: str) -> Extractor:
    return lambda event, _arg: whole_number(_record(event).properties.get(key))


def _network_text(event: Event, _arg: str | None) -> str | None:
    network = _network(event)
    return None if network is None else str(network)


_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    (
        "azure.operation",
        lambda event, _arg: event.name,
        "The operation: ``operationName`` of a resource log (``ChatCompletions_Create``, ``Embeddings_Create``,"
        " ``ListKey``), or of the Activity log in upper case"
        " (``MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION``; ``operationName.value`` in the REST shape).",
    ),
    (
        "azure.category",
        _attribute(lambda record: record.category),
        "The log category: ``RequestResponse``, ``Audit``, ``Trace`` for resource logs; ``Administrative``"
        " (``properties.eventCategory``, ``category.value``) for the Activity log.",
    ),
    (
        "azure.resource_id",
        _resource(lambda resource: resource.id),
        "The resource the record is about (``resourceId``), in lower case: Azure writes it in upper case in"
        " resource logs and as created in the Activity log.",
    ),
    ("azure.subscription", _resource(lambda r: r.subscription), "The subscription id in ``resourceId``."),
    ("azure.resource_group", _resource(lambda r: r.resource_group), "The resource group in ``resourceId``."),
    (
        "azure.resource_type",
        _resource(lambda r: r.type),
        "The type of the (top-level) resource in ``resourceId``, e.g. ``microsoft.cognitiveservices/accounts``.",
    ),
    (
        "azure.account",
        _resource(lambda r: r.account),
        "The Cognitive Services account (Azure OpenAI resource) name, when ``resourceId`` is one or a child"
        " of one; missing for other resources.",
    ),
    (
        "azure.deployment",
        _property_text("modelDeploymentName"),
        "The model deployment called (``properties.modelDeploymentName``).",
    ),
    ("azure.model", _property_text("modelName"), "The model of the deployment (``properties.modelName``)."),
    ("azure.model_version", _property_text("modelVersion"), "The model version (``properties.modelVersion``)."),
    (
        "azure.api_name",
        _property_text("apiName"),
        "The API and its version (``properties.apiName``, e.g. ``Azure OpenAI API version 2024-02-15-preview``).",
    ),
    (
        "azure.stream_type",
        _property_text("streamType"),
        "``Streaming`` or ``Non-Streaming`` (``properties.streamType``).",
    ),
    (
        "azure.result",
        _attribute(lambda record: record.result),
        "``Success`` or ``Failure`` (``resultType``; REST: ``status.value``; without one, from the status"
        " code); the Activity log's first record of a call is ``Start`` (or ``Accept``).",
    ),
    (
        "azure.status_code",
        _attribute(lambda record: record.status_code),
        "Number: the HTTP status (``resultSignature`` of resource logs; ``properties.statusCode`` such as"
        " ``OK`` or ``BadRequest`` in the Activity log, as a number).",
    ),
    (
        "azure.caller_ip",
        _attribute(lambda record: record.caller_ip),
        "The caller's address as written (``callerIpAddress``; REST: ``httpRequest.clientIpAddress``)."
        " Resource logs mask the last octet: ``203.0.113.***``.",
    ),
    (
        "azure.caller_network",
        _network_text,
        "The caller's network: ``203.0.113.0/24`` for ``203.0.113.***`` or any address in it; the /48 of an"
        " IPv6 address; missing for other masks.",
    ),
    (
        "azure.caller",
        _attribute(lambda record: record.caller),
        "The Microsoft Entra caller: ``caller`` (REST), else the token's UPN, object id or application id"
        " claim; in resource logs ``properties.objectId``. Missing for key-authenticated calls.",
    ),
    (
        "azure.caller_object_id",
        _attribute(lambda record: record.caller_object_id),
        "The caller's Entra object id (``properties.objectId``, or the ``objectidentifier`` claim).",
    ),
    (
        "azure.auth",
        _attribute(lambda record: record.auth.value),
        "``entra`` when the record names the caller (always in the Activity log), ``key`` when it does"
        " not: an account key (``api-key``) made the call, and who holds it is unknown.",
    ),
    (
        "azure.location",
        _attribute(lambda record: record.location),
        "The region (``location``, e.g. ``eastus``; ``global`` in the Activity log export).",
    ),
    ("azure.duration_ms", _attribute(lambda record: record.duration_ms), "Number: ``durationMs``."),
    (
        "azure.request_length",
        _property_number("requestLength"),
        "Number: request size in bytes (``properties.requestLength``).",
    ),
    (
        "azure.response_length",
        _property_number("responseLength"),
        "Number: response size in bytes (``properties.responseLength``).",
    ),
    (
        "azure.content_filtered",
        lambda event, _arg: content_filtered(event.raw, _record(event)),
        "Boolean: ``true`` when a resource log record carries a content-filter code (``content_filter``,"
        " ``ResponsibleAIPolicyViolation``) in ``resultSignature``, ``resultDescription`` or a property;"
        " a bare HTTP 400 is not enough. Missing for Activity log records.",
    ),
    (
        "azure.local_auth_disabled",
        lambda event, _arg: local_auth_disabled(_record(event)),
        "Boolean: ``disableLocalAuth`` in the request body of an Activity log write"
        " (``properties.requestbody``): ``false`` turns key auth on. Missing when the body does not set it.",
    ),
    ("azure.correlation_id", _attribute(lambda record: record.correlation_id), "``correlationId``."),
)


def _asn_fields(network: ActorNetwork) -> tuple[Field, ...]:
    return (
        Field(
            "azure.asn",
            network.asn_label,
            "The autonomous system announcing the caller's network, as ``AS<number>``, from the packaged"
            " offline data; missing for private or unknown networks.",
        ),
        Field("azure.as_org", network.asn_org, "The organisation holding that autonomous system."),
    )


def azure_openai_fields(asn_db: AsnDb) -> SourceFields:
    """The fields of the ``azure_openai`` source; ``asn_db`` answers network → ASN lookups."""
    network = ActorNetwork("azure", asn_db, lambda event: _record(event).caller_ip, locate=_network_address)
    fields = [Field(name, extract, doc) for name, extract, doc in _FIELDS]
    fields += _asn_fields(network)
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in sorted(fields, key=lambda item: item.name)},
        name_field=NAME_FIELD,
        partition_field="azure.category",
        principal=principal,
        evidence=lambda event: _evidence(event, network),
    )


def principal(event: Event) -> str:
    """The Entra caller (object id first: the Activity log and resource logs both have it), else the account's
    resource id (key auth: whoever holds the key is unknown), else ``unknown``."""
    record = _record(event)
    if record.caller_object_id is not None:
        return record.caller_object_id
    if record.caller is not None:
        return record.caller
    return UNKNOWN_PRINCIPAL if record.resource is None else record.resource.id


def _evidence(event: Event, network: ActorNetwork) -> Mapping[str, str]:
    """Region, caller address (as written when masked), ASN, deployment and model of one event (those it has)."""
    record = _record(event)
    found: dict[str, str] = {}
    if record.location is not None:
        found["region"] = record.location
    found.update(network.evidence(event))
    for name, key in (("deployment", "modelDeploymentName"), ("model", "modelName")):
        value = text_of(record.properties.get(key))
        if value is not None:
            found[name] = value
    return found
