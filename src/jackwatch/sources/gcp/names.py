"""The names inside a Cloud Audit Logs entry: method, log, resource name and gRPC status code.

Pure functions over the text Google writes: ``methodName``
(``google.cloud.aiplatform.v1.PredictionService.GenerateContent``), ``logName``
(``projects/P/logs/cloudaudit.googleapis.com%2Fdata_access``) and ``resourceName``
(``projects/P/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
"""The ``protoPayload.@type`` of every Cloud Audit Logs entry."""

_AUDIT_LOG_PREFIXES = ("cloudaudit.googleapis.com%2F", "cloudaudit.googleapis.com/")

GRPC_CODES = (
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
)
"""The names of the gRPC status codes 0 to 16 (``google.rpc.Code``), the codes of ``status.code``."""


def short_method(method: str) -> str:
    """The last part of a method name: ``…PredictionService.GenerateContent`` → ``GenerateContent``.

    Names are split at their last ``.`` or ``/`` (``storage.objects.get`` → ``get``); a name with
    neither, or that ends with one, is returned whole.
    """
    cut = max(method.rfind("."), method.rfind("/"))
    return method[cut + 1 :] if 0 <= cut < len(method) - 1 else method


def log_type(log_name: str) -> str | None:
    """The audit log of a ``logName``: ``activity``, ``data_access``, ``system_event``, ``policy``…

    ``None`` when the name is not a Cloud Audit Logs log. The ``/`` of the log id is accepted escaped
    (``%2F``, as Cloud Logging writes it) or not.
    """
    _, found, rest = log_name.partition("/logs/")
    if not found:
        return None
    for prefix in _AUDIT_LOG_PREFIXES:
        if rest.startswith(prefix):
            return rest[len(prefix) :] or None
    return None


def log_parent(log_name: str) -> tuple[str, str] | None:
    """The owner of a log: ``("projects", "my-project")``, ``("organizations", "123")``…, if named."""
    kind, _, rest = log_name.partition("/")
    owner = rest.partition("/")[0]
    return (kind, owner) if kind and owner else None


@dataclass(frozen=True, slots=True)
class ResourceName:
    """What a ``resourceName`` tells: project, location and, for a publisher model, publisher and model."""

    project: str | None = None
    location: str | None = None
    publisher: str | None = None
    model: str | None = None


_NOTHING = ResourceName()


@lru_cache(maxsize=8192)
def parse_resource_name(name: str) -> ResourceName:
    """The parts of ``projects/P/locations/L/publishers/X/models/M`` (any of them may be absent).

    A ``publishers/X/models/M`` path without a project (as Vertex AI accepts in requests) gives the
    publisher and model; the model keeps its version (``claude-3-5-sonnet-v2@20241022``). Other
    resource names give what they hold of ``projects/…`` and ``locations/…``.
    """
    parts = name.strip("/").split("/")
    found: dict[str, str] = {}
    for index in range(0, len(parts) - 1):
        key = parts[index]
        if key in ("projects", "locations", "publishers", "models") and key not in found and parts[index + 1]:
            found[key] = parts[index + 1]
    if not found:
        return _NOTHING
    publisher = found.get("publishers")
    return ResourceName(
        project=found.get("projects"),
        location=found.get("locations"),
        publisher=publisher,
        model=found.get("models") if publisher is not None else None,
    )


def status_name(code: int) -> str | None:
    """The gRPC name of a status code (``7`` → ``PERMISSION_DENIED``); ``None`` beyond 16 or below 0."""
    return GRPC_CODES[code] if 0 <= code < len(GRPC_CODES) else None
