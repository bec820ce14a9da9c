"""What an invocation record's bodies say: the guardrail's outcome, and the prompt and completion text.

The text is only ever handed to matchers (the secret scanner, lengths); it is not kept. Bodies are
walked whatever the model's shape (Anthropic messages, Converse, Titan, Llama…): every string counts as
text except the values of structural keys (``role``, ``type``, ``id``, ``toolUseId``…) and binary data (image
``bytes``, ``images``, thinking ``signature``s, and any long string without whitespace, such as base64).
A streamed completion (a list of chunks) is the chunks' text put end to end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import compress
from operator import not_
from typing import Any

from jackwatch.model import JSON_OBJECT

GUARDRAIL_INTERVENED = "intervened"

NOT_TEXT = frozenset(
    {
        "role",
        "type",
        "id",
        "toolUseId",
        "tool_use_id",
        "tool_call_id",
        "model",
        "anthropic_version",
        "media_type",
        "format",
        "stop_reason",
        "stopReason",
        "bytes",
        "images",
        "signature",
        "embedding",
        "embeddings",
    }
)
"""Keys whose values are structure, identifiers (of a message, a tool call: ``tooluse_…``) or binary data, not text."""

BLOB_LENGTH = 2048
"""Strings at least this long without any whitespace are binary data (base64), not text."""

_WHITESPACE = re.compile(r"\s")
_GUARDRAIL_REASON = "guardrail blocked"
GUARDRAIL_KEYS = frozenset(
    {"amazon-bedrock-guardrailAction", "stopReason", "stop_reason", "action", "amazon-bedrock-trace", "messageStop"}
)
"""The keys of a body or chunk that can say a guardrail intervened (a chunk without any is skipped at once)."""


def guardrail_outcome(raw: Mapping[str, Any]) -> str | None:
    """``intervened`` when a guardrail blocked or masked the request or response, else ``None``.

    Bedrock writes ``amazon-bedrock-guardrailAction: INTERVENED`` in an InvokeModel output body (or in a
    chunk of a streamed one), ``stopReason: guardrail_intervened`` in a Converse output,
    ``action: GUARDRAIL_INTERVENED`` in an ApplyGuardrail output, ``messageStop.stopReason: guardrail_intervened`` in
    a ConverseStream event, and an ``amazon-bedrock-trace``
    whose guardrail ``actionReason`` starts with "Guardrail blocked".
    """
    if any(_intervened(chunk) for chunk in chunks_with(_output_body(raw), GUARDRAIL_KEYS)):
        return GUARDRAIL_INTERVENED
    return None


def chunks_with(body: object, keys: frozenset[str]) -> list[Mapping[str, Any]]:
    """The objects of a body (itself, or the chunks of a stream) that have at least one of ``keys``.

    A stream has hundreds of chunks and few of them matter: the usual list of JSON objects is filtered by
    ``keys.isdisjoint`` mapped over it, which runs without a Python-level loop; anything else takes the plain one.
    """
    if not isinstance(body, list):
        return [body] if isinstance(body, JSON_OBJECT) and not keys.isdisjoint(body) else []
    try:
        kept = list(compress(body, map(not_, map(keys.isdisjoint, body))))
    except TypeError:  # an item that cannot be iterated over (a number, null) or holds objects (a nested list)
        kept = [chunk for chunk in body if isinstance(chunk, JSON_OBJECT) and not keys.isdisjoint(chunk)]
    return [chunk for chunk in kept if isinstance(chunk, JSON_OBJECT)]


def _intervened(body: Mapping[str, Any]) -> bool:
    action = body.get("amazon-bedrock-guardrailAction")
    if isinstance(action, str) and action.upper() == "INTERVENED":
        return True
    stop = body.get("messageStop")
    stopped = stop.get("stopReason") if isinstance(stop, JSON_OBJECT) else None
    if "guardrail_intervened" in (body.get("stopReason"), body.get("stop_reason"), stopped):
        return True
    if body.get("action") == "GUARDRAIL_INTERVENED":
        return True
    trace = body.get("amazon-bedrock-trace")
    if trace is None:  # the usual case, told before the mapping test, which is slow on None
        return False
    guardrail = trace.get("guardrail") if isinstance(trace, JSON_OBJECT) else None
    reason = guardrail.get("actionReason") if isinstance(guardrail, JSON_OBJECT) else None
    return isinstance(reason, str) and reason.lower().startswith(_GUARDRAIL_REASON)


def prompt_text(raw: Mapping[str, Any]) -> str | None:
    """The text of the input body, its strings one per line; ``None`` when the record has no input body
    (text delivery off, or a body too large for the log, delivered to S3 instead)."""
    section = raw.get("input")
    body = section.get("inputBodyJson") if isinstance(section, JSON_OBJECT) else None
    return None if body is None else "\n".join(text_pieces(body))


def completion_text(raw: Mapping[str, Any]) -> str | None:
    """The text of the output body (a stream's chunks end to end); ``None`` when there is no output body."""
    body = _output_body(raw)
    if body is None:
        return None
    return ("" if isinstance(body, list) else "\n").join(text_pieces(body))


def text_pieces(value: object) -> list[str]:
    """The text strings of a JSON value, in document order."""
    found: list[str] = []
    _gather(((None, value),), found)
    return found


_SCALARS = (int, float, bool, type(None))


def _gather(pairs: Iterable[tuple[object, Any]], found: list[str]) -> None:
    """Append the text strings among the values of ``(key, value)`` pairs, and under them, to ``found``.

    The hot path: an object gives its items and an array its enumerated items (indexes are never structural
    keys), so that one loop, without a list made per object, serves both; exact types are tested first.
    """
    for key, child in pairs:
        if key in NOT_TEXT:
            continue
        kind = type(child)
        if kind is str:
            if len(child) < BLOB_LENGTH or _WHITESPACE.search(child):
                found.append(child)
        elif kind is dict:
            _gather(child.items(), found)
        elif kind is list:
            _gather(enumerate(child), found)
        elif kind not in _SCALARS and isinstance(child, Mapping):
            _gather(child.items(), found)


def _output_body(raw: Mapping[str, Any]) -> object:
    section = raw.get("output")
    return section.get("outputBodyJson") if isinstance(section, JSON_OBJECT) else None
