"""One Anthropic activity (Compliance API Activity Feed) record to one :class:`~jackwatch.model.Event`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import RFC_3339, RecordFormat, content_id, field_error, not_an_object, parse_time

SOURCE = "anthropic_activity"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one activity (``GET /v1/compliance/activities`` item); ``origin`` says where it was read.

    ``name`` is the record's ``type`` (``admin_api_key_created``…); ``time`` is ``created_at`` (RFC 3339)
    as an aware UTC datetime (a time without offset is taken as UTC); ``id`` is the record's ``id``, or
    :func:`content_id` when it has none. Raises :class:`RecordError` when the record is not an object, or
    ``type``/``created_at`` is missing, wrongly typed or unparseable.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise not_an_object(raw)
    name = raw.get("type")
    if not isinstance(name, str) or not name:
        raise field_error("type", name)
    moment = parse_time(raw.get("created_at"), "created_at", RFC_3339)
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        event_id = content_id(raw)
    return Event(SOURCE, name, moment, event_id, raw, origin)


LAYOUT = AwsLogsLayout("Anthropic activity", frozenset())
"""Every log file of a walk (the activity feed has no folder layout of its own)."""

FORMAT = RecordFormat("Anthropic activity", to_event, LAYOUT, wrapper="data")
"""Activities: the API's list responses (``{"data": [...], "has_more": …}``), arrays, single records or
JSON Lines."""
