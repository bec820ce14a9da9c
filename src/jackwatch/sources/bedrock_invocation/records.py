"""One Bedrock model invocation log record to one :class:`~jackwatch.model.Event`: the hot path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.bedrock_invocation.cloudwatch import is_log_event, unwrap_export_lines, unwrap_message
from jackwatch.sources.bedrock_invocation.native import native_reader
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import (
    RecordError,
    RecordFormat,
    content_id,
    field_error,
    not_an_object,
    parse_time,
    shown,
    time_error,
)

SOURCE = "aws_bedrock_invocation"
SCHEMA_TYPE = "ModelInvocationLog"
_SHORTEST_TIMESTAMP = len("2025-05-15T14:17")
_DATE_AND_TIME = "an ISO 8601 date and time"


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one invocation record; ``origin`` says where it was read (path, ``s3://…``).

    A CloudWatch Logs event (``{"timestamp": …, "message": "<record as JSON text>"}``) stands for the
    record in its message. ``name`` is the ``operation`` (``InvokeModel``, ``Converse``…); ``time`` is
    ``timestamp`` as an aware UTC datetime (``2025-05-15T14:17:22Z`` and ``2025-05-15 14:17:22.000000000``
    alike; a time without offset is UTC); ``id`` is ``requestId``, or :func:`content_id` when there is none.
    Raises :class:`RecordError` when the record is not an object, is of another ``schemaType``, or its
    ``operation`` or ``timestamp`` is missing or unusable.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # parsed JSON: the exact check suffices
        raise not_an_object(raw)
    if is_log_event(raw):
        raw = unwrap_message(raw)
    schema = raw.get("schemaType")
    if schema is not None and schema != SCHEMA_TYPE:
        raise RecordError("invalid_field", f"schemaType {shown(schema)} is not {SCHEMA_TYPE}")
    name = raw.get("operation")
    if not isinstance(name, str) or not name:
        raise field_error("operation", name)
    request_id = raw.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        request_id = content_id(raw)
    return Event(SOURCE, name, _time(raw.get("timestamp")), request_id, raw, origin)


def _time(stamp: object) -> datetime:
    """``timestamp``, which must hold a time of day as well as the date."""
    if isinstance(stamp, str) and 0 < len(stamp) < _SHORTEST_TIMESTAMP:
        raise time_error("timestamp", stamp, _DATE_AND_TIME)
    return parse_time(stamp, "timestamp", _DATE_AND_TIME)


_HOUR_FOLDER = re.compile(r"/(\d{4}/\d{2}/\d{2}/\d{2})/[^/]*$")


def hourly_order(names: Iterable[str]) -> list[str]:
    """Files sorted by the ``YYYY/MM/DD/HH`` folder they are in, then by name (files outside such folders
    first, by name), so that the regions and accounts of a bucket are read hour by hour, in time order."""

    def when(name: str) -> tuple[str, str]:
        found = _HOUR_FOLDER.search(name)
        return (found[1] if found else "", name.rsplit("/", 1)[-1] if found else name)

    return sorted(names, key=when)


LAYOUT = AwsLogsLayout("Bedrock model invocation log", frozenset({"BedrockModelInvocationLogs"}))
"""Bedrock's folder in the ``AWSLogs`` layout: ``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/…``."""

WRAPPER = "events"

FORMAT = RecordFormat(
    "Bedrock model invocation log",
    to_event,
    LAYOUT,
    wrapper=WRAPPER,
    order=hourly_order,
    prepare=unwrap_export_lines,
    read_lines=native_reader(WRAPPER, SOURCE, SCHEMA_TYPE),
)
"""Invocation logs: JSON Lines (gzipped in S3), single records, arrays, and CloudWatch Logs events
(``{"events": [{"message": …}]}``); their JSON Lines lines read by the compiled reader when it is installed."""
