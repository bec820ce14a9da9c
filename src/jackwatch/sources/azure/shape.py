"""The three shapes an Azure record comes in, and where each keeps its operation name and time.

- **Resource logs** (diagnostic settings of a Cognitive Services account, categories ``RequestResponse``,
  ``Audit``…): Azure Monitor's common schema — ``time``, ``operationName`` (``ChatCompletions_Create``),
  ``category``, ``resourceId``, ``resultSignature``, ``callerIpAddress``, ``properties``…
- **Activity log, exported** by a diagnostic setting of the subscription (``insights-activity-logs`` blobs,
  Event Hubs): the same top-level names, with ``category`` ``Administrative`` (``Write``, ``Action``,
  ``Delete`` in older exports) and ``identity.claims``.
- **Activity log, as the REST API and ``az monitor activity-log list`` return it**: ``eventTimestamp``,
  ``operationName: {value, localizedValue}``, ``category: {value, …}``, ``status``, ``caller``, ``claims``,
  ``httpRequest``, ``eventDataId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from jackwatch.sources.reading.records import RecordError

ACTIVITY_CATEGORIES = frozenset(
    {
        "Administrative",
        "Security",
        "ServiceHealth",
        "ResourceHealth",
        "Alert",
        "Autoscale",
        "Recommendation",
        "Policy",
        "Write",
        "Delete",
        "Action",
    }
)
"""Activity log categories as the export writes them (``Write``, ``Delete``, ``Action``: older exports)."""


class Shape(Enum):
    """Which of the three record shapes a record has."""

    RESOURCE_LOG = "resource_log"
    ACTIVITY_EXPORT = "activity_export"
    ACTIVITY_REST = "activity_rest"

    @property
    def is_activity(self) -> bool:
        """Whether the record is from the Activity log (either shape)."""
        return self is not Shape.RESOURCE_LOG


def shape_of(raw: Mapping[str, Any]) -> Shape:
    """The shape of a record: an ``operationName`` object (or an ``eventTimestamp`` without ``time``) is the
    REST Activity log; an Activity log category is the exported Activity log; anything else a resource log."""
    operation = raw.get("operationName")
    if type(operation) is not str and isinstance(operation, Mapping):
        return Shape.ACTIVITY_REST
    if "eventTimestamp" in raw and "time" not in raw:
        return Shape.ACTIVITY_REST
    category = raw.get("category")
    if type(category) is str and category in ACTIVITY_CATEGORIES:
        return Shape.ACTIVITY_EXPORT
    return Shape.RESOURCE_LOG


NAME_FIELDS = {
    Shape.RESOURCE_LOG: "operationName",
    Shape.ACTIVITY_EXPORT: "operationName",
    Shape.ACTIVITY_REST: "operationName.value",
}
"""Where each shape writes its operation name (for messages)."""

TIME_FIELDS = {
    Shape.RESOURCE_LOG: "time",
    Shape.ACTIVITY_EXPORT: "time",
    Shape.ACTIVITY_REST: "eventTimestamp",
}
"""Where each shape writes the time of the event."""


def operation_of(raw: Mapping[str, Any], shape: Shape) -> object:
    """The operation name as written (``None`` when missing)."""
    if shape is Shape.ACTIVITY_REST:
        operation = raw.get("operationName")
        return operation.get("value") if isinstance(operation, Mapping) else operation
    return raw.get("operationName")


_EXPORTS = "a diagnostic setting's export (storage account, Event Hubs) or `az monitor activity-log list`"


def unsupported_shape(raw: Mapping[str, Any]) -> RecordError | None:
    """The error for a record of a shape jackwatch does not read, saying which and what to give instead; ``None``
    when the record is of none of them (a Log Analytics row, a page of the REST API)."""
    if "TimeGenerated" in raw:
        return RecordError("unsupported_record", f"a Log Analytics row (TimeGenerated…): read {_EXPORTS} instead")
    if isinstance(raw.get("value"), list):
        return RecordError("unsupported_record", f'a page of the REST API ({{"value": […]}}): read {_EXPORTS} instead')
    return None
