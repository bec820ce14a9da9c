"""One CloudTrail record to one :class:`~jackwatch.model.Event`: the hot path, called for every event."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from jackwatch.errors import ContentError, Location
from jackwatch.model import Event
from jackwatch.sources.cloudtrail.context import ReadContext

SOURCE = "aws_cloudtrail"


class RecordError(ContentError):
    """A record that cannot become an event; ``reason`` is the :class:`ReadStats` counter it goes to."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _shown(value: object) -> str:
    """A short form of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_error(name: str, value: object) -> RecordError:
    if value is None:
        return RecordError("missing_field", f"missing {name}")
    return RecordError("invalid_field", f"{name} must be a non-empty string, got {_kind(value)} {_shown(value)}")


def _json_default(value: object) -> object:
    """Serialise the few non-JSON types a caller may hand over (non-dict mappings, decimals…)."""
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def content_id(raw: Mapping[str, Any]) -> str:
    """A stable id for a record without ``eventID``: the sha256 of its canonical (key-sorted) JSON."""
    data = orjson.dumps(raw, default=_json_default, option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(data).hexdigest()


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one CloudTrail record; ``origin`` says where it was read (path, ``s3://…``).

    ``time`` is ``eventTime`` as an aware UTC datetime (``Z``, offsets and fractional seconds are
    accepted; a time without offset is taken as UTC). ``id`` is ``eventID``, or :func:`content_id` when
    the record has none. Raises :class:`RecordError` (a :class:`~jackwatch.errors.ContentError`) when the
    record is not an object or ``eventName``/``eventTime`` is missing, wrongly typed or unparseable.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # parsed JSON: the exact check suffices
        raise RecordError("not_an_object", f"record is {_kind(raw)}, not a JSON object")
    name = raw.get("eventName")
    if not isinstance(name, str) or not name:
        raise _field_error("eventName", name)
    stamp = raw.get("eventTime")
    if not isinstance(stamp, str) or not stamp:
        raise _field_error("eventTime", stamp)
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise RecordError("invalid_field", f"eventTime {_shown(stamp)} is not an ISO 8601 timestamp") from None
    zone = moment.tzinfo
    if zone is not UTC:
        moment = moment.replace(tzinfo=UTC) if zone is None else moment.astimezone(UTC)
    event_id = raw.get("eventID")
    if not isinstance(event_id, str) or not event_id:
        event_id = content_id(raw)
    return Event(SOURCE, name, moment, event_id, raw, origin)


class Converter:
    """Turns the records of one input into events: counts them, reports bad ones, applies the window."""

    __slots__ = ("context", "count", "origin")

    def __init__(self, origin: str, context: ReadContext) -> None:
        self.origin = origin
        self.context = context
        self.count = 0

    def __call__(self, raw: Any, line: int | None = None) -> Event | None:
        """The event of ``raw`` (read at ``line`` when known), or ``None`` if it is bad or out of the window."""
        self.count += 1
        try:
            event = to_event(raw, self.origin)
        except RecordError as exc:
            self.context.stats.skip(exc.reason, Location(self.origin, line), f"record {self.count}: {exc.message}")
            return None
        if not self.context.window.contains(event.time):
            return None
        self.context.stats.events_read += 1
        return event

    def problem(
        self, reason: str, message: str, line: int | None = None, col: int | None = None, records: int = 1
    ) -> None:
        """Report a problem of this input that is not about one record (``records`` it cost, maybe 0)."""
        self.context.stats.skip(reason, Location(self.origin, line, col), message, records)
