"""One CloudTrail record to one :class:`~jackwatch.model.Event`: the hot path, called for every event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import RecordFormat, content_id, field_error, not_an_object, parse_time

SOURCE = "aws_cloudtrail"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one CloudTrail record; ``origin`` says where it was read (path, ``s3://…``).

    ``time`` is ``eventTime`` as an aware UTC datetime (``Z``, offsets and fractional seconds are
    accepted; a time without offset is taken as UTC). ``id`` is ``eventID``, or :func:`content_id` when
    the record has none. Raises :class:`RecordError` (a :class:`~jackwatch.errors.ContentError`) when the
    record is not an object or ``eventName``/``eventTime`` is missing, wrongly typed or unparseable.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # parsed JSON: the exact check suffices
        raise not_an_object(raw)
    name = raw.get("eventName")
    if not isinstance(name, str) or not name:
        raise field_error("eventName", name)
    moment = parse_time(raw.get("eventTime"), "eventTime")
    event_id = raw.get("eventID")
    if not isinstance(event_id, str) or not event_id:
        event_id = content_id(raw)
    return Event(SOURCE, name, moment, event_id, raw, origin)


LAYOUT = AwsLogsLayout("CloudTrail", frozenset({"CloudTrail", "CloudTrail-Insight"}), "CloudTrail-Digest")
"""CloudTrail's folders in the ``AWSLogs`` layout (digests left out)."""

FORMAT = RecordFormat("CloudTrail", to_event, LAYOUT, wrapper="Records")
"""CloudTrail files: ``{"Records": [...]}`` as AWS writes them, arrays, single records or JSON Lines."""
