"""Bedrock invocation logs that went through CloudWatch Logs, back to the records Bedrock wrote.

Two forms are read:

* the JSON that ``aws logs filter-log-events`` / ``get-log-events`` print, ``{"events": [{"timestamp": …,
  "message": "<the record as JSON text>"}, …]}``: :func:`unwrap_message` turns one such event into the
  record its ``message`` holds;
* the files of a CloudWatch Logs export to S3 (``create-export-task``), gzipped text whose lines are
  ``<ISO 8601 time> <the record as JSON text>``: :func:`unwrap_export_lines` strips the time off each line,
  so that the content becomes JSON Lines, and reports every line that is not of that form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from jackwatch.sources.reading.records import Converter, RecordError, field_error, kind_of

_EXPORT_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z ")
_HEAD = 40
"""Bytes at the start of a line enough to tell an export line (the time is at most 31 bytes and a space)."""
_BLANK = b" \t\r"


def is_log_event(raw: Mapping[str, Any]) -> bool:
    """Whether ``raw`` is a CloudWatch Logs event (``message`` text) rather than an invocation record."""
    return "message" in raw and "operation" not in raw and "schemaType" not in raw


def unwrap_message(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The invocation record in the ``message`` of a CloudWatch Logs event; :class:`RecordError` if it is not
    a JSON object."""
    message = raw.get("message")
    if not isinstance(message, str):
        raise field_error("message", message, "JSON text")
    try:
        record = orjson.loads(message)
    except orjson.JSONDecodeError as exc:
        raise RecordError("invalid_json", f"message is not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise RecordError("not_an_object", f"message holds {kind_of(record)}, not a JSON object")
    return record


def unwrap_export_lines(chunks: Iterator[bytes], convert: Converter) -> Iterator[bytes]:
    """The decompressed content of one input, as JSON Lines when it is a CloudWatch Logs export.

    Content whose first line does not start with an export time passes through unchanged. Otherwise each
    line loses its ``<time> `` prefix; a line without one is reported (``invalid_line``, with its line
    number) and replaced by an empty line, so that the JSON reader's line numbers stay those of the file.
    Memory stays bounded: only the first bytes of a line are held.
    """
    first = b""
    for chunk in chunks:
        first += chunk
        head = first.lstrip()
        if b"\n" in head or len(head) >= _HEAD:
            break
    if not _EXPORT_TIME.match(first.lstrip()[:_HEAD]):
        if first:
            yield first
        yield from chunks
        return
    yield from _ExportLines(convert).lines(first, chunks)


class _ExportLines:
    """The line-by-line state of an export being unwrapped."""

    def __init__(self, convert: Converter) -> None:
        self.convert = convert
        self.line = 1
        self.head = b""
        self.keep = False  # inside a line whose prefix was stripped: pass its bytes through
        self.started = False  # the current line's prefix has been decided

    def lines(self, first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
        yield from self._chunk(first)
        for chunk in rest:
            yield from self._chunk(chunk)
        if not self.started and self.head.strip(_BLANK):
            yield from self._decide(final=True)

    def _chunk(self, chunk: bytes) -> Iterator[bytes]:
        position = 0
        while position < len(chunk):
            end = chunk.find(b"\n", position)
            piece = chunk[position:] if end < 0 else chunk[position:end]
            if self.started:
                if self.keep:
                    yield piece
            else:
                self.head += piece
                if end >= 0 or len(self.head) >= _HEAD:
                    yield from self._decide(final=end >= 0)
            if end < 0:
                return
            yield b"\n"
            self.line += 1
            self.head, self.keep, self.started = b"", False, False
            position = end + 1

    def _decide(self, *, final: bool) -> Iterator[bytes]:
        """Strip the time off the line begun in ``head``, or report the line."""
        self.started = True
        text = self.head
        self.head = b""
        found = _EXPORT_TIME.match(text)
        if found is not None:
            self.keep = True
            yield text[found.end() :]
        elif text.strip(_BLANK) or not final:
            self.convert.problem("invalid_line", "not a CloudWatch Logs export line (<time> <JSON record>)", self.line)
