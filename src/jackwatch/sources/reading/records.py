"""Records to events: what a JSON log format is, and the converter that counts and reports each record.

A :class:`RecordFormat` says how one record becomes an :class:`~jackwatch.model.Event` (its ``make_event``
raises :class:`RecordError` for a bad record), which key of a JSON object wraps an array of records
(``Records`` for CloudTrail), and which files of a walk hold its logs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from jackwatch.errors import ContentError, Location
from jackwatch.model import Event
from jackwatch.sources.reading.layout import AwsLogsLayout, delivery_order

if TYPE_CHECKING:
    from jackwatch.sources.reading.context import ReadContext

MakeEvent = Callable[[Any, str], Event]
"""``make_event(raw, origin)``: the event of one parsed record; raises :class:`RecordError` when it is bad."""


Prepare = Callable[[Iterator[bytes], "Converter"], Iterator[bytes]]
"""``prepare(chunks, converter)``: the content of one input rewritten before parsing; problems go to the converter."""

ReadLines = Callable[[bytes, str, bool], list[Event | bytes]]
"""``read_lines(data, origin, complete)``: for each line of the JSON Lines ``data`` (split at line feeds), its event,
or the line itself to have it parsed and made into an event as any other (bad records among them: they are reported
there), as the last line must be when ``data`` is not ``complete``."""


class RecordError(ContentError):
    """A record that cannot become an event; ``reason`` is the :class:`ReadStats` counter it goes to."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def kind_of(value: object) -> str:
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


def shown(value: object) -> str:
    """A short form of a bad value for a message, any secret in it redacted."""
    from jackwatch.secrets import redact_secrets  # the catalogue loads only when a record is bad

    text = redact_secrets(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def field_error(name: str, value: object, expected: str = "a non-empty string") -> RecordError:
    """The error for a required field that is missing (``None``) or not what it must be."""
    if value is None:
        return RecordError("missing_field", f"missing {name}")
    return RecordError("invalid_field", f"{name} must be {expected}, got {kind_of(value)} {shown(value)}")


ISO_8601 = "an ISO 8601 timestamp"
RFC_3339 = "an RFC 3339 timestamp"

_from_iso = datetime.fromisoformat


def parse_time(value: object, name: str, standard: str = ISO_8601) -> datetime:
    """The time in the required field ``name`` as an aware UTC datetime.

    ``value`` is ISO 8601 text (``2024-05-01T12:00:00Z``; fractions, offsets, a space for ``T`` and RFC 3339's
    lower-case ``t`` and ``z`` are accepted, a time without offset is taken as UTC). Raises :class:`RecordError`
    when it is missing, not text, or not a time (:func:`time_error`, saying it is not ``standard``).
    """
    if not isinstance(value, str) or not value:
        raise field_error(name, value)
    try:
        moment = _from_iso(value)
    except ValueError:
        moment = _lower_case_designators(value, name, standard)
    zone = moment.tzinfo
    if zone is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if zone is None else moment.astimezone(UTC)


def _lower_case_designators(value: str, name: str, standard: str) -> datetime:
    """``2024-05-01t12:00:00z`` (RFC 3339 allows it; nothing else in a time is a letter)."""
    upper = value.upper()
    try:
        if upper == value:
            raise ValueError(value)
        return _from_iso(upper)
    except ValueError:
        raise time_error(name, value, standard) from None


def time_error(name: str, value: str, standard: str) -> RecordError:
    """The error for a field ``name`` whose text is not a time of the ``standard`` it must follow."""
    return RecordError("invalid_field", f"{name} {shown(value)} is not {standard}")


def not_an_object(raw: object) -> RecordError:
    """The error for a record that is not a JSON object."""
    return RecordError("not_an_object", f"record is {kind_of(raw)}, not a JSON object")


def _json_default(value: object) -> object:
    """Serialise the few non-JSON types a caller may hand over (non-dict mappings, decimals…)."""
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def content_id(raw: Mapping[str, Any]) -> str:
    """A stable id for a record without its own id: the sha256 of its canonical (key-sorted) JSON."""
    try:
        data = orjson.dumps(raw, default=_json_default, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits (hand-written records): the standard library writes them
        data = json.dumps(
            raw, default=_json_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class RecordFormat:
    """A JSON log format: how a record becomes an event, and where its records and files are.

    ``label`` names the logs in messages (``CloudTrail``); ``wrapper`` is the key of a JSON object that
    holds an array of records (``None``: an object is one record); ``layout`` chooses the files of a walk;
    ``order`` sorts the files of a directory before they are read; ``prepare`` rewrites the decompressed content
    of each input before it is parsed (e.g. strips the time CloudWatch Logs exports put before each record);
    ``read_lines`` makes the events of JSON Lines lines directly, when the format has a faster way.
    """

    label: str
    make_event: MakeEvent
    layout: AwsLogsLayout
    wrapper: str | None = None
    order: Callable[[Iterable[str]], list[str]] = delivery_order
    prepare: Prepare | None = None
    read_lines: ReadLines | None = None


class Converter:
    """Turns the records of one input into events: counts them, reports bad ones, applies the window."""

    __slots__ = ("context", "count", "make_event", "origin", "read_lines", "window", "wrapper")

    def __init__(self, origin: str, context: ReadContext) -> None:
        self.origin = origin
        self.context = context
        self.window = context.window if context.window.bounded else None  # None: every event is inside
        self.make_event = context.format.make_event
        self.read_lines = context.format.read_lines
        self.wrapper = context.format.wrapper
        self.count = 0

    def __call__(self, raw: Any, line: int | None = None) -> Event | None:
        """The event of ``raw`` (read at ``line`` when known), or ``None`` if it is bad or out of the window."""
        try:
            event = self.make_event(raw, self.origin)
        except RecordError as exc:
            self.count += 1
            self.context.stats.skip(exc.reason, Location(self.origin, line), f"record {self.count}: {exc.message}")
            return None
        return self.accept(event)

    def accept(self, event: Event) -> Event | None:
        """``event``, made of the next record, when it is in the window (counted as read), else ``None``."""
        self.count += 1
        if self.window is not None and not self.window.contains(event.time):
            return None
        self.context.stats.events_read += 1
        return event

    def problem(
        self, reason: str, message: str, line: int | None = None, col: int | None = None, records: int = 1
    ) -> None:
        """Report a problem of this input that is not about one record (``records`` it cost, maybe 0)."""
        self.context.stats.skip(reason, Location(self.origin, line, col), message, records)
