"""What one Azure record says, whatever its shape: resource, caller, outcome and properties.

:func:`read_record` reads a record once into an :class:`AzureRecord`; the ``azure.*`` fields are its
attributes. Values are kept as written (stripped), except the resource id (lower case, see
:mod:`~jackwatch.sources.azure.resource_id`), the result (one spelling) and the status code (a number).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from jackwatch.sources.azure.resource_id import ResourceId, parse_resource_id
from jackwatch.sources.azure.shape import Shape, shape_of
from jackwatch.sources.azure.status import result_of, status_code_of

_NO_PROPERTIES: Mapping[str, Any] = {}

UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
APP_ID_CLAIM = "appid"


class Auth(StrEnum):
    """How a call was authenticated."""

    KEY = "key"
    """An account key (``api-key`` header): the record names no identity."""
    ENTRA = "entra"
    """A Microsoft Entra ID token: the record names the caller (every Activity log record does)."""


@dataclass(frozen=True, slots=True)
class AzureRecord:
    """The facts of one record that the ``azure.*`` fields read; ``None`` where the record does not say."""

    shape: Shape
    category: str | None
    resource: ResourceId | None
    result: str | None
    status_code: int | None
    duration_ms: int | None
    caller_ip: str | None
    caller: str | None
    caller_object_id: str | None
    location: str | None
    correlation_id: str | None
    properties: Mapping[str, Any]

    @property
    def auth(self) -> Auth:
        """``entra`` when the caller is known (always in the Activity log), else ``key``."""
        return Auth.ENTRA if self.shape.is_activity or self.caller is not None else Auth.KEY


def read_record(raw: Mapping[str, Any], shape: Shape | None = None) -> AzureRecord:
    """The facts of ``raw`` (a record :func:`~jackwatch.sources.azure.records.to_event` accepted)."""
    shape = shape_of(raw) if shape is None else shape
    resource_id = text_of(raw.get("resourceId"))
    resource = None if resource_id is None else parse_resource_id(resource_id)
    if shape is Shape.RESOURCE_LOG:
        return _resource_log(raw, resource)
    if shape is Shape.ACTIVITY_EXPORT:
        return _activity_export(raw, resource)
    return _activity_rest(raw, resource)


def _resource_log(raw: Mapping[str, Any], resource: ResourceId | None) -> AzureRecord:
    """A resource log record: the caller is ``properties.objectId`` (empty for key auth) or the identity's claims."""
    properties = _properties(raw.get("properties"))
    claims = _mapping(_at(raw, "identity", "claims"))
    object_id = text_of(properties.get("objectId")) or text_of(claims.get(OBJECT_ID_CLAIM))
    status = status_code_of(raw.get("resultSignature"))
    return AzureRecord(
        shape=Shape.RESOURCE_LOG,
        category=text_of(raw.get("category")),
        resource=resource,
        result=result_of(raw.get("resultType"), status),
        status_code=status,
        duration_ms=whole_number(raw.get("durationMs")),
        caller_ip=text_of(raw.get("callerIpAddress")) or text_of(raw.get("callerIPAddress")),
        caller=_caller(claims) or object_id,
        caller_object_id=object_id,
        location=text_of(raw.get("location")),
        correlation_id=text_of(raw.get("correlationId")),
        properties=properties,
    )


def _activity_export(raw: Mapping[str, Any], resource: ResourceId | None) -> AzureRecord:
    """An exported Activity log record: the caller is in ``identity.claims``, the status name in ``properties``."""
    properties = _mapping(raw.get("properties"))
    claims = _mapping(_at(raw, "identity", "claims"))
    status = status_code_of(properties.get("statusCode")) or status_code_of(raw.get("resultSignature"))
    return AzureRecord(
        shape=Shape.ACTIVITY_EXPORT,
        category=text_of(properties.get("eventCategory")) or text_of(raw.get("category")),
        resource=resource,
        result=result_of(raw.get("resultType"), status),
        status_code=status,
        duration_ms=whole_number(raw.get("durationMs")),
        caller_ip=text_of(raw.get("callerIpAddress")),
        caller=_caller(claims),
        caller_object_id=text_of(claims.get(OBJECT_ID_CLAIM)),
        location=text_of(raw.get("location")),
        correlation_id=text_of(raw.get("correlationId")),
        properties=properties,
    )


def _activity_rest(raw: Mapping[str, Any], resource: ResourceId | None) -> AzureRecord:
    """An Activity log event of the REST API: ``caller``, ``claims``, ``status`` and ``httpRequest`` at the top."""
    properties = _mapping(raw.get("properties"))
    claims = _mapping(raw.get("claims"))
    status = status_code_of(properties.get("statusCode")) or status_code_of(_at(raw, "subStatus", "value"))
    return AzureRecord(
        shape=Shape.ACTIVITY_REST,
        category=text_of(_at(raw, "category", "value")),
        resource=resource,
        result=result_of(_at(raw, "status", "value"), status),
        status_code=status,
        duration_ms=None,
        caller_ip=text_of(_at(raw, "httpRequest", "clientIpAddress")),
        caller=text_of(raw.get("caller")) or _caller(claims),
        caller_object_id=text_of(claims.get(OBJECT_ID_CLAIM)),
        location=None,
        correlation_id=text_of(raw.get("correlationId")),
        properties=properties,
    )


def _caller(claims: Mapping[str, Any]) -> str | None:
    """The caller named by token claims: UPN, else object id, else application id."""
    if not claims:
        return None
    for claim in (UPN_CLAIM, OBJECT_ID_CLAIM, APP_ID_CLAIM):
        found = text_of(claims.get(claim))
        if found is not None:
            return found
    return None


def _properties(value: object) -> Mapping[str, Any]:
    """``properties`` as an object: resource logs write it as an object or as JSON text."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return _NO_PROPERTIES
    return _mapping(value)


def _mapping(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # parsed JSON: the exact check spares the Mapping ABC
        return value
    return value if value is not None and isinstance(value, Mapping) else _NO_PROPERTIES


def _at(value: object, *path: str) -> object:
    for key in path:
        if type(value) is not dict and (value is None or not isinstance(value, Mapping)):
            return None
        value = value.get(key)
    return value


def text_of(value: object) -> str | None:
    """Text with surrounding blanks removed; ``None`` for other values and blank text."""
    if type(value) is str:
        return value.strip() or None
    return None


def whole_number(value: object) -> int | None:
    """A count or duration written as a number or digits; ``None`` when missing, negative or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.strip().isdigit() else None
    if isinstance(value, float):
        value = int(value) if math.isfinite(value) else None
    return value if isinstance(value, int) and value >= 0 else None
