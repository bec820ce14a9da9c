"""One Cloud Audit Logs ``LogEntry`` to one :class:`~jackwatch.model.Event`: the hot path, called for every entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.sources.gcp.names import AUDIT_LOG_TYPE, short_method
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import (
    RFC_3339,
    RecordError,
    RecordFormat,
    content_id,
    field_error,
    not_an_object,
    parse_time,
    shown,
)

SOURCE = "gcp_auditlog"
"""The source name, as Falco's GCP audit plugin calls it."""


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one ``LogEntry`` whose ``protoPayload`` is an ``AuditLog``; ``origin`` says where it was read.

    ``name`` is the last part of ``protoPayload.methodName`` (``GenerateContent``, ``RawPredict``);
    ``time`` is ``timestamp`` (RFC 3339, nanoseconds accepted, no offset taken as UTC) as an aware UTC
    datetime; ``id`` is ``<logName>/<insertId>`` (insert ids are unique within a log), the bare
    ``insertId`` without ``logName``, or :func:`content_id` without ``insertId``. Raises
    :class:`RecordError` when the record is not an object, is not an audit log entry (no
    ``protoPayload``, or another ``@type``), or lacks a usable ``methodName`` or ``timestamp``.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # parsed JSON: the exact check suffices
        raise not_an_object(raw)
    payload = raw.get("protoPayload")
    if type(payload) is not dict and not isinstance(payload, Mapping):
        if payload is None:
            raise RecordError("not_audit_log", "no protoPayload: not a Cloud Audit Logs entry")
        raise field_error("protoPayload", payload, "an object")
    kind = payload.get("@type")
    if kind is not None and kind != AUDIT_LOG_TYPE:
        raise RecordError("not_audit_log", f"protoPayload is {shown(kind)}, not a Cloud Audit Logs AuditLog")
    method = payload.get("methodName")
    if not isinstance(method, str) or not method:
        raise field_error("protoPayload.methodName", method)
    moment = parse_time(raw.get("timestamp"), "timestamp", RFC_3339)
    return Event(SOURCE, short_method(method), moment, _entry_id(raw), raw, origin)


def _entry_id(raw: Mapping[str, Any]) -> str:
    insert_id = raw.get("insertId")
    if not isinstance(insert_id, str) or not insert_id:
        return content_id(raw)
    log_name = raw.get("logName")
    return f"{log_name}/{insert_id}" if isinstance(log_name, str) and log_name else insert_id


LAYOUT = AwsLogsLayout("Cloud Audit Logs", frozenset())
"""Every ``.json``/``.jsonl``/``.ndjson``/``.log``/``.gz`` file of a walk (a Cloud Storage sink writes
``cloudaudit.googleapis.com/<log>/YYYY/MM/DD/*.json``); an ``AWSLogs`` tree inside is left out."""

FORMAT = RecordFormat("Cloud Audit Logs", to_event, LAYOUT, wrapper="entries")
"""Cloud Audit Logs files: JSON Lines (Cloud Storage sinks), arrays (``gcloud logging read --format=json``),
``{"entries": [...]}`` (the Logging API's ``entries.list`` response) or single entries."""
