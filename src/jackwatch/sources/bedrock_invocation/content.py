"""What an invocation record's bodies say: the guardrail's outcome, and the prompt and completion text.

The text is only ever handed to matchers (the secret scanner, lengths); it is not kept. Bodies are
walked whatever the model's shape (Anthropic messages, Converse, Titan, Llama…): every string counts as
text except the values of structural keys (``role``, ``type``, ``id``…) and binary data (image
``bytes``, ``images``, thinking ``signature``s, and any long string without whitespace, such as base64).
A streamed completion (a list of chunks) is the chunks' text put end to end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_MAPPING = (dict, Mapping)

GUARDRAIL_INTERVENED = "intervened"

_NOT_TEXT = frozenset(
    {
        "role",
        "type",
        "id",
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
"""Keys whose values are structure or binary data, not text."""

BLOB_LENGTH = 2048
"""Strings at least this long without any whitespace are binary data (base64), not text."""

_WHITESPACE = re.compile(r"\s")
_GUARDRAIL_REASON = "guardrail blocked"


def guardrail_outcome(raw: Mapping[str, Any]) -> str | None:
    """``intervened`` when a guardrail blocked or masked the request or response, else ``None``.

    Bedrock writes ``amazon-bedrock-guardrailAction: INTERVENED`` in an InvokeModel output body (or in a
    chunk of a streamed one), ``stopReason: guardrail_intervened`` in a Converse output,
    ``action: GUARDRAIL_INTERVENED`` in an ApplyGuardrail output, and an ``amazon-bedrock-trace``
    whose guardrail ``actionReason`` starts with "Guardrail blocked".
    """
    body = _output_body(raw)
    for chunk in body if isinstance(body, list) else (body,):
        if isinstance(chunk, _MAPPING) and _intervened(chunk):
            return GUARDRAIL_INTERVENED
    return None


def _intervened(body: Mapping[str, Any]) -> bool:
    action = body.get("amazon-bedrock-guardrailAction")
    if isinstance(action, str) and action.upper() == "INTERVENED":
        return True
    if "guardrail_intervened" in (body.get("stopReason"), body.get("stop_reason")):
        return True
    if body.get("action") == "GUARDRAIL_INTERVENED":
        return True
    trace = body.get("amazon-bedrock-trace")
    guardrail = trace.get("guardrail") if isinstance(trace, _MAPPING) else None
    reason = guardrail.get("actionReason") if isinstance(guardrail, _MAPPING) else None
    return isinstance(reason, str) and reason.lower().startswith(_GUARDRAIL_REASON)


def prompt_text(raw: Mapping[str, Any]) -> str | None:
    """The text of the input body, its strings one per line; ``None`` when the record has no input body
    (text delivery off, or a body too large for the log, delivered to S3 instead)."""
    section = raw.get("input")
    body = section.get("inputBodyJson") if isinstance(section, _MAPPING) else None
    return None if body is None else "\n".join(text_pieces(body))


def completion_text(raw: Mapping[str, Any]) -> str | None:
    """The text of the output body (a stream's chunks end to end); ``None`` when there is no output body."""
    body = _output_body(raw)
    if body is None:
        return None
    return ("" if isinstance(body, list) else "\n").join(text_pieces(body))


def text_pieces(value: object) -> Iterator[str]:
    """The text strings of a JSON value, in document order."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) < BLOB_LENGTH or _WHITESPACE.search(item):
                yield item
        elif isinstance(item, _MAPPING):
            stack.extend(reversed([child for key, child in item.items() if key not in _NOT_TEXT]))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _output_body(raw: Mapping[str, Any]) -> object:
    section = raw.get("output")
    return section.get("outputBodyJson") if isinstance(section, _MAPPING) else None
