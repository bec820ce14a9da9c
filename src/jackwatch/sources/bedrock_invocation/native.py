"""The compiled reader of invocation log lines (the optional package ``jackwatch-native``), when it is installed.

Reading a usual Bedrock invocation record in Python costs about three times as much as everything the rules then
do with it: the whole record is made into Python objects, and its bodies walked for their text, only to keep a
few keys and what the bodies say. The compiled reader (``native/``, Rust) makes the compact event of a JSON Lines
line in one pass over its JSON, without making the bodies into Python objects. It follows the rules of this
package, handed to it here from the modules that define them, and leaves any line it would not read exactly as
they do (not one object, a bad or missing field, a count that is a problem, a fraction, a time not written as
Bedrock writes it, text whose case or whitespace takes Unicode's tables) to the Python reader, which then reads it
as any other and reports what is wrong. The secret scanner runs in Python, on the text of the records that pass
its quick test. Set ``JACKWATCH_NATIVE=0`` to read every line in Python.
"""

from __future__ import annotations

import os
from dataclasses import fields
from datetime import UTC
from importlib import metadata
from threading import Lock
from typing import Any

from jackwatch.model import Event
from jackwatch.secrets.scan import CATALOGUE_SCREEN
from jackwatch.secrets.screen import MARK, MARKS
from jackwatch.sources.bedrock_invocation.bodies import (
    COMPACT_KEY,
    GUARDRAIL_KEY,
    KEPT_COUNTS,
    KEPT_KEYS,
    PROMPT_CHARS_KEY,
    SECRETS_KEY,
    secret_hits,
)
from jackwatch.sources.bedrock_invocation.content import BLOB_LENGTH, GUARDRAIL_INTERVENED, GUARDRAIL_KEYS, NOT_TEXT
from jackwatch.sources.bedrock_invocation.identity import PRINCIPAL_KEY, arn_principal, record_principal
from jackwatch.sources.bedrock_invocation.tokens import (
    LOG_COUNTS,
    MAX_TOKEN_COUNT,
    MEMO_KEY,
    USAGE_KEYS,
    USAGE_NESTING,
    USAGE_OBJECTS,
    TokenCounts,
)
from jackwatch.sources.reading.records import ReadLines

UNSHARED_KEYS = ("timestamp", "requestId")
"""Kept keys whose values differ from record to record (the others' strings are made once and shared)."""


def _compiled_reader() -> tuple[Any, str]:
    """The compiled reader's class (``None`` when it is not in use), and which reader reads invocation log lines
    (and why not the compiled one when it is not), in words."""
    if os.environ.get("JACKWATCH_NATIVE", "1") == "0":
        return None, "Python (JACKWATCH_NATIVE=0)"
    try:
        from jackwatch_native import InvocationReader
    except ImportError:
        return None, "Python (jackwatch-native is not installed)"
    return InvocationReader, f"compiled (jackwatch-native {metadata.version('jackwatch-native')})"


def reader_in_use() -> str:
    """Which reader reads invocation log lines, and why not the compiled one when it is not (for ``--version``)."""
    return _compiled_reader()[1]


def native_reader(wrapper: str, source: str, schema_type: str) -> ReadLines | None:
    """The compiled reader of the lines of records (wrapped by ``wrapper``, of ``schema_type``) into events of
    ``source``; ``None`` when ``jackwatch-native`` is not installed or ``JACKWATCH_NATIVE`` is ``0``."""
    reader_class, _ = _compiled_reader()
    if reader_class is None:
        return None
    counted = [field.name for field in fields(TokenCounts)][:5]
    if counted != [name for name, _, _ in LOG_COUNTS] + ["total"]:
        raise AssertionError(f"TokenCounts starts with {counted}, not the log's counts and the total")
    screen = CATALOGUE_SCREEN
    rules = {
        "wrapper": wrapper,
        "kept_keys": list(KEPT_KEYS),
        "kept_counts": [(part, list(keys)) for part, keys in KEPT_COUNTS.items()],
        "unshared_keys": list(UNSHARED_KEYS),
        "not_text": sorted(NOT_TEXT),
        "blob_length": BLOB_LENGTH,
        "usage_keys": USAGE_KEYS,
        "usage_nesting": list(USAGE_NESTING),
        "usage_objects": list(USAGE_OBJECTS),
        "guardrail_keys": sorted(GUARDRAIL_KEYS),
        "log_counts": list(LOG_COUNTS),
        "max_count": MAX_TOKEN_COUNT,
        "marks": [byte == MARK for byte in MARKS],
        "shortest_run": len(screen.runs[0][0]) if screen.runs else 0,
        "anchors": [anchor for anchor, _ in screen.anchors],
        "always_screened": bool(screen.unscreened),
    }
    making = {
        "event_class": Event,
        "counts_class": TokenCounts,
        "utc": UTC,
        "source": source,
        "schema_type": schema_type,
        "memo_keys": [MEMO_KEY, PRINCIPAL_KEY, GUARDRAIL_KEY, PROMPT_CHARS_KEY, SECRETS_KEY, COMPACT_KEY],
        "record_principal": record_principal,
        "arn_principal": arn_principal,
        "intervened": GUARDRAIL_INTERVENED,
    }
    reader = reader_class(rules, making)
    one_at_a_time = Lock()  # the reader keeps state (its shared strings): threads take turns, a file at a time

    def read_lines(data: bytes, origin: str, complete: bool) -> list[Event | bytes]:
        made: tuple[list[Event | bytes], list[tuple[Event, str | None, str | None]]]
        with one_at_a_time:
            made = reader.read_lines(data, origin, complete)
        events, to_scan = made
        for event, prompt, completion in to_scan:
            event.memo[SECRETS_KEY] = secret_hits(prompt, completion, screened=True)
        return events

    return read_lines
