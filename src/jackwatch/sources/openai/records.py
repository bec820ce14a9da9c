"""One OpenAI organization audit log object to one :class:`~jackwatch.model.Event` (the hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import RecordError, RecordFormat, content_id, field_error, not_an_object, shown

SOURCE = "openai_audit"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one audit log object (``GET /v1/organization/audit_logs`` item); ``origin`` says where
    it was read.

    ``name`` is the record's ``type`` (``api_key.created``…); ``time`` is ``effective_at`` (Unix seconds)
    as an aware UTC datetime; ``id`` is the record's ``id``, or :func:`content_id` when it has none. Raises
    :class:`RecordError` when the record is not an object, or ``type``/``effective_at`` is missing or
    not what it must be.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise not_an_object(raw)
    name = raw.get("type")
    if not isinstance(name, str) or not name:
        raise field_error("type", name)
    stamp = raw.get("effective_at")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise field_error("effective_at", stamp, "a number of seconds since the epoch")
    try:
        moment = datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordError("invalid_field", f"effective_at {shown(stamp)} is not a time") from None
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        event_id = content_id(raw)
    return Event(SOURCE, name, moment, event_id, raw, origin)


LAYOUT = AwsLogsLayout("OpenAI audit log", frozenset())
"""Every log file of a walk (OpenAI audit logs have no folder layout of their own)."""

FORMAT = RecordFormat("OpenAI audit log", to_event, LAYOUT, wrapper="data")
"""Audit log objects: the API's list responses (``{"object": "list", "data": [...]}``), arrays, single
objects or JSON Lines."""
