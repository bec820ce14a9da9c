"""The bytes of one JSON log file, object or stream to events.

Gzip is detected by its magic bytes. The content may be an object wrapping the records (the format's
``wrapper``: ``{"Records": [...]}`` as AWS writes CloudTrail), a JSON array of records, one record, or JSON
Lines (each line a record or a wrapping object). Content up to the stream threshold is parsed in one piece
with msgspec's decoder (the fast path; orjson reads what it refuses, or says where the fault is); larger
content is parsed incrementally (ijson, JSON Lines line by line), so memory stays bounded whatever the file
size. Content that breaks off (truncated gzip, a failing read) keeps the records decoded before the break.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from enum import Enum
from functools import cache
from typing import Any

import ijson  # type: ignore[import-untyped]
import msgspec
import orjson

from jackwatch.model import Event
from jackwatch.sources.reading.chunks import StreamBroken, gunzipped
from jackwatch.sources.reading.records import Converter

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_REPLACEMENT = "\ufffd".encode()
_BAD = object()
_decode = msgspec.json.Decoder().decode
_validate = msgspec.json.Decoder(msgspec.Raw).decode


def _loads(data: bytes) -> Any:
    """The JSON value of ``data``: msgspec's decoder (the faster one), and orjson where it fails, either to
    read what msgspec refuses or to raise ``orjson.JSONDecodeError`` with the line and column of the fault."""
    try:
        return _decode(data)
    except ValueError:  # msgspec.DecodeError, UnicodeDecodeError
        return orjson.loads(data)


EventStream = Generator[Event, None, "Outcome"]


class Outcome(Enum):
    """How the reading of one input ended."""

    COMPLETE = "complete"
    """All of it was parsed (bad records may have been skipped)."""
    PARTIAL = "partial"
    """It broke off (truncated, corrupt); the records before the break were kept."""
    FAILED = "failed"
    """Nothing in it could be used."""
    UNREADABLE = "unreadable"
    """It could not be read (or not to the end); reading it again may succeed."""


def read_events(chunks: Iterable[bytes], convert: Converter, stream_threshold: int) -> EventStream:
    """Events from the raw (possibly gzipped) content of one input; updates files_read/files_failed."""
    stream = gunzipped(iter(chunks))
    prepare = convert.context.format.prepare
    if prepare is not None:
        stream = prepare(stream, convert)
    head: list[bytes] = []
    size = 0
    broken: StreamBroken | None = None
    try:
        for chunk in stream:
            head.append(chunk)
            size += len(chunk)
            if size > stream_threshold:
                break
    except StreamBroken as exc:
        broken = exc
    if size > stream_threshold:
        kind = _stream_kind(b"".join(head), convert)
        outcome = yield from _stream(kind, _drain(head, stream), convert, stream_threshold)
    else:
        data = b"".join(head)
        head.clear()
        outcome = yield from _whole(data, broken, convert)
    stats = convert.context.stats
    if outcome in (Outcome.COMPLETE, Outcome.PARTIAL):
        stats.files_read += 1
    else:
        stats.files_failed += 1
    return outcome


def _drain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """The buffered chunks (released as they are handed out), then the rest."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


def _expand(value: Any, line: int | None, convert: Converter) -> Iterator[Event]:
    """The events of one parsed JSON value: a wrapping object, an array of records, or one record."""
    wrapper = convert.wrapper
    if wrapper is not None and isinstance(value, dict) and wrapper in value:
        records = value[wrapper]
        if not isinstance(records, list):
            convert.problem("invalid_records", f"{wrapper} is not an array", line)
            return
    elif isinstance(value, list):
        records = value
    else:
        records = (value,)
    for raw in records:
        event = convert(raw, line)
        if event is not None:
            yield event


def _document(data: bytes, convert: Converter) -> Generator[Event, None, orjson.JSONDecodeError | None]:
    """The events of ``data`` read as one JSON document; or, when it is not one, the error (and no event).

    A document that wraps its records (``{"Records": [...]}``) is first split into its records' raw JSON, and
    each record is decoded as its turn comes: it is then used and freed while still in the CPU caches, instead
    of a whole file's records being made at once and freed long after (a third faster on CloudTrail)."""
    records = _wrapped_records(data, convert.wrapper)
    if records is not None:
        yield from _decode_each(records, convert)
        return None
    try:
        value = _loads(data)
    except orjson.JSONDecodeError as exc:
        return exc
    yield from _expand(value, None, convert)
    return None


def _wrapped_records(data: bytes, wrapper: str | None) -> list[msgspec.Raw] | None:
    """The records of ``{wrapper: [...]}`` as raw JSON, other keys skipped; ``None`` when ``data`` is not valid
    UTF-8 holding such an object (the whole-document path then reads it, or says what is wrong)."""
    if wrapper is None or not (data.isascii() or _is_utf8(data)):  # the split checks the syntax, not the text
        return None
    try:
        records: list[msgspec.Raw] = getattr(_splitter(wrapper)(data), wrapper)
    except ValueError:  # msgspec.DecodeError (and ValidationError): not JSON, or not such an object
        return None
    return records


@cache
def _splitter(wrapper: str) -> Callable[[bytes], Any]:
    """A decoder of ``{wrapper: [...]}`` that leaves each record undecoded."""
    return msgspec.json.Decoder(msgspec.defstruct("WrappedRecords", [(wrapper, list[msgspec.Raw])])).decode


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8."""
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _decode_each(records: list[msgspec.Raw], convert: Converter) -> Iterator[Event]:
    """The events of raw records, each decoded as its turn comes; one msgspec refuses (a number beyond a
    float's range) is reported and skipped."""
    for index, raw in enumerate(records, 1):
        try:
            value = _decode(raw)
        except ValueError as exc:
            convert.problem("invalid_json", f"record {index}: invalid JSON: {exc}")
            continue
        event = convert(value)
        if event is not None:
            yield event


def _whole(data: bytes, broken: StreamBroken | None, convert: Converter) -> EventStream:
    """The fast path: content held in memory (complete, or up to where it broke off)."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    error: orjson.JSONDecodeError | None = None
    lines = _looks_like_lines(data)
    if broken is None and not (lines and _first_line_whole(data)):
        error = yield from _document(data, convert)
        if error is None:
            return Outcome.COMPLETE
        if not data or data.isspace():
            convert.problem("empty_file", "the input is empty", records=0)
            return Outcome.COMPLETE
        if "UTF-8" in error.msg and not lines:
            data = _repair_utf8(data, convert, truncated=False)
            error = yield from _document(data, convert)
            if error is None:
                return Outcome.COMPLETE
            lines = _looks_like_lines(data)
    end_line: int | None = None
    if lines:
        end_line = yield from _lines(data, convert, complete=broken is None)
    elif broken is not None:
        yield from _salvage(_repair_utf8(data, convert, truncated=True), convert)
    elif error is not None:
        convert.problem("invalid_json", f"invalid JSON: {error.msg}", error.lineno, error.colno)
        return Outcome.FAILED
    if broken is None:
        return Outcome.COMPLETE
    convert.problem(broken.reason, broken.message, end_line)
    if broken.reason == "unreadable":
        return Outcome.UNREADABLE
    return Outcome.PARTIAL if convert.count or data.strip() else Outcome.FAILED


def _repair_utf8(data: bytes, convert: Converter, *, truncated: bool) -> bytes:
    """``data`` with invalid UTF-8 bytes replaced by U+FFFD (reported), or ``data`` itself if valid."""
    try:
        data.decode()
    except UnicodeDecodeError as exc:
        if truncated and exc.reason == "unexpected end of data":
            return _repair_utf8(data[: exc.start], convert, truncated=False)
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        convert.problem("invalid_utf8", "invalid UTF-8 bytes were replaced with U+FFFD", line, column, records=0)
        return data.decode(errors="replace").encode()
    return data


def _first_line_whole(data: bytes) -> bool:
    """Whether the first line of content that looks like lines is a whole JSON value (checked, not decoded): then
    it is JSON Lines for certain, cannot be one document, and is not parsed as one first."""
    try:
        _validate(data.lstrip(_WHITESPACE).partition(b"\n")[0])
    except ValueError:
        return False
    return True


def _looks_like_lines(data: bytes) -> bool:
    """Whether the content is JSON Lines: two or more non-blank lines that start as objects, one of
    the first two whole (``{…}``), and a first line that does not open or continue a pretty-printed value.
    """
    lines: list[bytes] = []
    position = 0
    while position < len(data) and len(lines) < 2:
        end = data.find(b"\n", position)
        if end < 0:
            end = len(data)
        line = data[position:end].strip()
        position = end + 1
        if line:
            lines.append(line)
    if len(lines) < 2 or not lines[0].startswith(b"{"):
        return False
    first, second = lines
    if first.endswith(b"}"):
        return True
    return second.startswith(b"{") and second.endswith(b"}") and not first.endswith((b"{", b"[", b",", b":"))


def _line(text: bytes, number: int, convert: Converter) -> Iterator[Event]:
    """The events of one JSON Lines line (blank lines are skipped)."""
    if not text or text.isspace():
        return
    try:
        value = _loads(text)
    except orjson.JSONDecodeError as exc:
        value = _reparse_line(text, number, exc, convert)
        if value is _BAD:
            return
    yield from _expand(value, number, convert)


def _reparse_line(text: bytes, number: int, error: orjson.JSONDecodeError, convert: Converter) -> Any:
    """A line that orjson rejected: parsed again after an UTF-8 repair, or reported as invalid JSON."""
    try:
        text.decode()
    except UnicodeDecodeError as exc:
        convert.problem(
            "invalid_utf8", "invalid UTF-8 bytes were replaced with U+FFFD", number, exc.start + 1, records=0
        )
        try:
            return orjson.loads(text.decode(errors="replace").encode())
        except orjson.JSONDecodeError as again:
            error = again
    convert.problem("invalid_json", f"invalid JSON: {error.msg}", number, error.colno)
    return _BAD


def _lines(data: bytes, convert: Converter, *, complete: bool) -> Generator[Event, None, int]:
    """JSON Lines held in memory; when incomplete, the last (partial) line is left out. Returns its number."""
    read = convert.read_lines
    lines = data.split(b"\n") if read is None else read(data, convert.origin, complete)
    end_line = len(lines)
    if not complete and lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            yield from _line(line, number, convert)
        elif (event := convert.accept(line)) is not None:
            yield event
    return end_line


def _salvage(data: bytes, convert: Converter) -> Iterator[Event]:
    """The complete records at the start of a wrapping object or array that breaks off."""
    start = data.lstrip(_WHITESPACE)[:1]
    prefix = {b"{": _wrapped_items(convert), b"[": "item"}.get(start)
    if prefix is None:
        return
    sink = ijson.sendable_list()
    parser = ijson.items_coro(sink, prefix, use_float=True)
    with contextlib.suppress(ijson.JSONError):  # the break itself, which the caller reports
        parser.send(data)
        parser.close()
    for raw in sink:
        event = convert(raw)
        if event is not None:
            yield event


def _wrapped_items(convert: Converter) -> str | None:
    """The ijson prefix of the records inside a wrapping object (``Records.item``), if the format has one."""
    return None if convert.wrapper is None else f"{convert.wrapper}.item"


def _stream_kind(head: bytes, convert: Converter) -> str | None:
    """How to stream content that starts with ``head``: ``item`` (array), ``<wrapper>.item``, ``lines``."""
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    start = head.lstrip(_WHITESPACE)[:1]
    if start == b"[":
        return "item"
    if start == b"{":
        if b"\n" not in head.rstrip(_WHITESPACE):  # the first line is longer than the head
            return _wrapped_items(convert) if _opens_with_key(head, convert.wrapper) else "lines"
        return "lines" if _looks_like_lines(head) else _wrapped_items(convert) or "record"
    return None


def _opens_with_key(head: bytes, key: str | None) -> bool:
    """Whether the object ``head`` opens has ``key`` first: a document of one line (``{"Records": [``), not JSON
    Lines whose first record is longer than the head (it is reported as too large, and the lines after it read)."""
    return key is not None and re.match(rb'\s*\{\s*"' + re.escape(key.encode()) + rb'"\s*:', head) is not None


def _stream(kind: str | None, chunks: Iterator[bytes], convert: Converter, stream_threshold: int) -> EventStream:
    """The incremental path, for content larger than the stream threshold."""
    if kind is None:
        convert.problem("invalid_json", "not JSON: the content starts with neither { nor [")
        return Outcome.FAILED
    if kind == "record":
        convert.problem("record_too_large", f"a single record larger than {stream_threshold} bytes")
        return Outcome.FAILED
    guarded = _utf8_guard(_without_bom(chunks), convert)
    try:
        if kind == "lines":
            return (yield from _stream_lines(guarded, convert, stream_threshold))
        return (yield from _stream_items(guarded, kind, convert))
    except StreamBroken as exc:
        convert.problem(exc.reason, exc.message)
        return Outcome.UNREADABLE if exc.reason == "unreadable" else Outcome.PARTIAL


def _without_bom(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks, without a byte order mark at the start."""
    first = next(chunks, b"")
    yield first[len(_BOM) :] if first.startswith(_BOM) else first
    yield from chunks


def _utf8_guard(chunks: Iterator[bytes], convert: Converter) -> Iterator[bytes]:
    """Chunks with invalid UTF-8 bytes replaced by U+FFFD (reported once): the streaming parser rejects them."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    reported = False
    for chunk in chunks:
        text = decoder.decode(chunk)
        if not reported and text.count("\ufffd") > chunk.count(_REPLACEMENT):
            convert.problem("invalid_utf8", "invalid UTF-8 bytes were replaced with U+FFFD", records=0)
            reported = True
        yield text.encode()
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode()


def _stream_items(chunks: Iterator[bytes], prefix: str, convert: Converter) -> EventStream:
    """Records of a large wrapping object (``prefix`` ``Records.item``) or array (``item``)."""
    sink = ijson.sendable_list()
    parser = ijson.items_coro(sink, prefix, use_float=True)
    error: Exception | None = None
    try:
        for chunk in chunks:
            parser.send(chunk)
            for raw in sink:
                event = convert(raw)
                if event is not None:
                    yield event
            del sink[:]
        parser.close()
    except ijson.JSONError as exc:
        error = exc
    for raw in sink:
        event = convert(raw)
        if event is not None:
            yield event
    if error is not None:
        detail = str(error).splitlines()[0][:200]
        convert.problem("invalid_json", f"invalid JSON after record {convert.count}: {detail}")
        return Outcome.PARTIAL
    if prefix != "item" and convert.count == 0:
        convert.problem("no_records", f"a large JSON object without a {convert.wrapper} array")
        return Outcome.FAILED
    return Outcome.COMPLETE


def _stream_lines(chunks: Iterator[bytes], convert: Converter, stream_threshold: int) -> EventStream:
    """Large JSON Lines, line by line; a line longer than the stream threshold is skipped and reported (content
    that is nothing but such lines, a JSON value too large to read, fails)."""
    carry: list[bytes] = []
    carried = 0
    number = 0
    oversized = False
    read_any = False
    for chunk in chunks:
        position = 0
        while (end := chunk.find(b"\n", position)) >= 0:
            number += 1
            piece = chunk[position:end]
            position = end + 1
            if carry:
                carry.append(piece)
                piece = b"".join(carry)
                carry.clear()
                carried = 0
            if oversized or len(piece) > stream_threshold:
                if not oversized:
                    _too_large(number, stream_threshold, convert)
                oversized = False
                continue
            read_any = read_any or bool(piece.strip())
            yield from _line(piece, number, convert)
        if oversized:
            continue
        carry.append(chunk[position:])
        carried += len(chunk) - position
        if carried > stream_threshold:
            _too_large(number + 1, stream_threshold, convert)
            carry.clear()
            carried = 0
            oversized = True
    rest = b"".join(carry)
    if rest.strip():
        read_any = True
        yield from _line(rest, number + 1, convert)
    return Outcome.COMPLETE if read_any else Outcome.FAILED


def _too_large(number: int, stream_threshold: int, convert: Converter) -> None:
    convert.problem("record_too_large", f"line longer than {stream_threshold} bytes", number)
