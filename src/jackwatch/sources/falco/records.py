"""One Falco alert (``json_output: true``) to one :class:`~jackwatch.model.Event` of the ``falco_alert`` source.

Falco writes each alert as one JSON object: ``output`` (the rendered line), ``priority`` (``Warning``…),
``rule``, ``time`` (RFC 3339 with nanoseconds), ``output_fields`` (the values of the fields the rule's output
shows: ``container.id``, ``proc.cmdline``…), and, in recent versions, ``source``, ``tags``, ``hostname`` and
``uuid``. Files hold one alert per line (``file_output``, ``stdout``, Falcosidekick's forwarders); a saved
``stdout`` (``kubectl logs`` of a Falco pod) also holds Falco's own log lines (``Fri May  1 10:12:00 2026: Loading
rules…``), which :func:`drop_log_lines` leaves out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jackwatch.model import Event, Severity
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import (
    RFC_3339,
    Converter,
    RecordError,
    RecordFormat,
    content_id,
    field_error,
    not_an_object,
    parse_time,
    shown,
)

SOURCE = "falco_alert"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one Falco alert; ``origin`` says where it was read.

    ``name`` is the alert's ``rule``; ``time`` is its ``time`` as an aware UTC datetime; ``id`` is its ``uuid``,
    or :func:`content_id` when it has none. Raises :class:`RecordError` when the alert is not an object, ``rule``
    or ``time`` is missing or unreadable, ``priority`` is not one of Falco's, or ``output_fields`` or ``tags`` is
    not what it must be.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise not_an_object(raw)
    rule = raw.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        raise field_error("rule", rule)
    priority = raw.get("priority")
    if not isinstance(priority, str):
        raise field_error("priority", priority, "a Falco priority (Emergency … Debug)")
    try:
        Severity.from_priority(priority)
    except ValueError:
        raise RecordError("invalid_field", f"priority {shown(priority)} is not a Falco priority") from None
    moment = parse_time(raw.get("time"), "time", RFC_3339)
    fields = raw.get("output_fields")
    if fields is not None and not isinstance(fields, Mapping):
        raise field_error("output_fields", fields, "an object")
    tags = raw.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        raise field_error("tags", tags, "a list of strings")
    uuid = raw.get("uuid")
    return Event(SOURCE, rule, moment, uuid if isinstance(uuid, str) and uuid else content_id(raw), raw, origin)


def drop_log_lines(chunks: Iterator[bytes], convert: Converter) -> Iterator[bytes]:
    """The content of one input without the lines of Falco's own log (those that start with a letter: no JSON
    text does), each replaced by an empty line so that line numbers stay the file's; one problem tells how
    many were left out and where the first was. Memory stays bounded by the longest line."""
    dropped, first = 0, 0
    number = 1
    pending = b""
    for chunk in chunks:
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) >= 0:
            line = pending[start:end]
            if line[:1].isalpha():
                dropped, first = dropped + 1, first or number
                line = b""
            yield line + b"\n"
            number += 1
            start = end + 1
        pending = pending[start:]
    if pending[:1].isalpha():
        dropped, first = dropped + 1, first or number
    elif pending:
        yield pending
    if dropped:
        message = f"{dropped} line(s) of Falco's own log (not alerts) left out"
        convert.problem("ignored", message, first, records=0)


LAYOUT = AwsLogsLayout("Falco alerts", frozenset())
"""Every log file of a walk (Falco's outputs have no folder layout)."""

FORMAT = RecordFormat("Falco alerts", to_event, LAYOUT, prepare=drop_log_lines)
"""Falco alerts: JSON Lines (one alert per line, Falco's log lines between them left out), a JSON array of
alerts, or a single alert."""
