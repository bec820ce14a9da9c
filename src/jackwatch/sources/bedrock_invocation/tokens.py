"""The token counts of an invocation record: the log's own counts first, the model's usage object second.

The log writes ``input.inputTokenCount``, ``input.cacheReadInputTokenCount``,
``input.cacheWriteInputTokenCount`` and ``output.outputTokenCount``. The output body repeats them in the
model's own shape: Anthropic's ``usage`` (``input_tokens``, ``output_tokens``, ``cache_read_input_tokens``,
``cache_creation_input_tokens``), Converse's ``usage`` (``inputTokens``, ``outputTokens``, ``totalTokens``,
``cacheReadInputTokens``, ``cacheWriteInputTokens``), and in streamed bodies the ``usage`` of the
``message_start`` and ``message_delta`` chunks, the final ``amazon-bedrock-invocationMetrics``, and a ConverseStream
``metadata`` event's ``usage``.
A count that is negative, fractional, beyond :data:`MAX_TOKEN_COUNT` or not a number is a problem, and counts
as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from jackwatch.model import JSON_OBJECT
from jackwatch.sources.bedrock_invocation.content import chunks_with
from jackwatch.sources.reading.records import shown

LOG_COUNTS = (
    ("input", "input", "inputTokenCount"),
    ("output", "output", "outputTokenCount"),
    ("cache_read", "input", "cacheReadInputTokenCount"),
    ("cache_write", "input", "cacheWriteInputTokenCount"),
)
"""(count, part of the record, key) of the counts the log writes itself."""

USAGE_KEYS = {
    "input_tokens": "input",
    "inputTokens": "input",
    "inputTokenCount": "input",
    "output_tokens": "output",
    "outputTokens": "output",
    "outputTokenCount": "output",
    "cache_read_input_tokens": "cache_read",
    "cacheReadInputTokens": "cache_read",
    "cacheReadInputTokenCount": "cache_read",
    "cache_creation_input_tokens": "cache_write",
    "cacheWriteInputTokens": "cache_write",
    "cacheWriteInputTokenCount": "cache_write",
    "totalTokens": "total",
}
"""Usage keys of the model shapes, and the count each gives."""

USAGE_OBJECTS = ("usage", "amazon-bedrock-invocationMetrics")
USAGE_NESTING = ("message", "metadata")
_USAGE_HOLDERS = frozenset({*USAGE_NESTING, *USAGE_OBJECTS})
"""Keys of a body or chunk that may hold a usage object, itself or under ``usage`` (Anthropic's ``message_start``
``message``, ConverseStream's ``metadata``); most chunks of a stream have none."""

MAX_TOKEN_COUNT = 2**53 - 1
"""The largest token count taken as one: no call reads or writes more (the largest context windows hold about 10**7
tokens), and beyond it a count written as a float is no longer exact. A larger one is an invalid count."""

MEMO_KEY = "bedrock.tokens"
"""Where an event keeps its :class:`TokenCounts` once computed (``event.memo``)."""


class TokenProblem(NamedTuple):
    """Something wrong with a record's counts: ``reason`` is the read-stats counter, ``message`` says what."""

    reason: str
    message: str


@dataclass(slots=True)
class TokenCounts:
    """The counts of one record (``None``: unknown), and what was wrong with the ones it wrote.

    ``total`` is the usage object's ``totalTokens`` when it has one, else the sum of the known counts
    (``None`` when neither input nor output is known). Never changed once made; not a frozen dataclass only
    because one is made for every record read, and a frozen one takes five times as long to make.
    """

    input: int | None
    output: int | None
    cache_read: int | None
    cache_write: int | None
    total: int | None
    problems: tuple[TokenProblem, ...] = ()


def token_counts(raw: Mapping[str, Any]) -> TokenCounts:
    """The token counts of an invocation record (see the module documentation)."""
    problems: list[TokenProblem] = []
    usage = _usage(raw.get("output"), problems)
    found: dict[str, int | None] = {}
    for name, part, key in LOG_COUNTS:
        section = raw.get(part)
        written = section.get(key) if isinstance(section, JSON_OBJECT) else None
        if type(written) is int and 0 <= written <= MAX_TOKEN_COUNT:
            found[name] = written
        elif written is None or (count := _count(written, f"{part}.", key, problems)) is None:
            found[name] = usage.get(name)
        else:
            found[name] = count
    input_tokens, output_tokens = found["input"], found["output"]
    if input_tokens is None and not raw.get("errorCode"):
        problems.append(TokenProblem("missing_token_count", "no input token count in the log or the usage object"))
    total = usage.get("total")
    if total is None and (input_tokens is not None or output_tokens is not None):
        total = sum(count for count in found.values() if count is not None)
    return TokenCounts(input_tokens, output_tokens, found["cache_read"], found["cache_write"], total, tuple(problems))


def _usage(output: object, problems: list[TokenProblem]) -> dict[str, int]:
    """The counts of the usage objects in the output body (in a stream, later chunks win)."""
    body = output.get("outputBodyJson") if isinstance(output, JSON_OBJECT) else None
    found: dict[str, int] = {}
    for chunk in chunks_with(body, _USAGE_HOLDERS):
        inner = [holder.get("usage") for holder in map(chunk.get, USAGE_NESTING) if isinstance(holder, JSON_OBJECT)]
        for usage in (*inner, *map(chunk.get, USAGE_OBJECTS)):
            if usage is None or not isinstance(usage, JSON_OBJECT):  # None told first: the mapping test is slow on it
                continue
            for key, value in usage.items():
                name = USAGE_KEYS.get(key)
                if name is None:
                    continue
                plain = type(value) is int and 0 <= value <= MAX_TOKEN_COUNT
                count = value if plain else _count(value, "usage ", key, problems)
                if count is not None:
                    found[name] = count
    return found


def _count(value: object, where: str, key: str, problems: list[TokenProblem]) -> int | None:
    """A token count written as a JSON number (``12`` or ``12.0``, at most :data:`MAX_TOKEN_COUNT`); a problem
    (``<where><key> is …``) when it is anything else. Callers take a plain count (a non-negative ``int`` within
    the bound, the usual case) without calling this."""
    if value is None:
        return None
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_TOKEN_COUNT  # so finite
        and value == int(value)
    ):
        return int(value)
    problems.append(TokenProblem("invalid_token_count", f"{where}{key} is {shown(value)}, not a token count"))
    return None
