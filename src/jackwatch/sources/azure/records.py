"""One Azure record to one :class:`~jackwatch.model.Event`: the hot path, called for every record.

Azure resource logs have no id of their own, and ``correlationId`` is not one: the Activity log writes
the same ``correlationId`` and operation on the ``Start`` and ``Success`` records of one call, and
resource logs may share it between records. An event's id is therefore the REST Activity log's
``eventDataId`` when there is one, else :func:`~jackwatch.sources.reading.records.content_id` (a hash of
the record), which re-reading the same record always gives again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.azure.shape import NAME_FIELDS, TIME_FIELDS, Shape, operation_of, shape_of, unsupported_shape
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import RecordFormat, content_id, field_error, not_an_object, parse_time

SOURCE = "azure_openai"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one Azure record (resource log or Activity log, any shape); ``origin`` says where it was read.

    ``name`` is the operation (``ChatCompletions_Create``, ``ListKey``; Activity log operations in upper
    case: ``MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION``); ``time`` is ``time`` (REST:
    ``eventTimestamp``) as an aware UTC datetime (a time without offset is UTC). Raises
    :class:`RecordError` when the record is not an object or its operation or time is missing or invalid.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise not_an_object(raw)
    shape = shape_of(raw)
    name = operation_of(raw, shape)
    if type(name) is not str or not name:
        raise unsupported_shape(raw) or field_error(NAME_FIELDS[shape], name)
    if shape is Shape.RESOURCE_LOG:
        return Event(SOURCE, name, parse_time(raw.get("time"), "time"), content_id(raw), raw, origin)
    field = TIME_FIELDS[shape]
    event_id = raw.get("eventDataId") if shape is Shape.ACTIVITY_REST else None
    if type(event_id) is not str or not event_id:
        event_id = content_id(raw)
    return Event(SOURCE, name.upper(), parse_time(raw.get(field), field), event_id, raw, origin)


_HOUR = re.compile(r"/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/m=(\d{2})/")


def blob_order(names: Iterable[str]) -> list[str]:
    """Log files sorted by the hour in their Azure Monitor blob path (``…/y=2026/m=11/d=20/h=14/m=00/PT1H.json``),
    then by name; files without one come first, in name order.

    A walk in name order reads one category and resource to its end before the next one; stateful rules
    need events in roughly time order across categories, resources and the Activity log.
    """

    def when(name: str) -> tuple[str, str]:
        found = _HOUR.search(name)
        return ("".join(found.groups()) if found else "", name)

    return sorted(names, key=when)


LAYOUT = AwsLogsLayout("Azure Monitor", frozenset())
"""No AWS service folder holds Azure logs: outside an ``AWSLogs/`` tree, every log file is read."""

FORMAT = RecordFormat("Azure Monitor", to_event, LAYOUT, wrapper="records", order=blob_order)
"""Azure Monitor logs: JSON Lines blobs, ``{"records": [...]}`` (older blobs, Event Hubs), arrays, single records."""
