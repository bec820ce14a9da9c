"""Streamed bodies: the chunks that matter are picked out quickly, whatever else the list holds."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest

from jackwatch.sources.bedrock_invocation.content import (
    GUARDRAIL_INTERVENED,
    chunks_with,
    completion_text,
    guardrail_outcome,
)
from jackwatch.sources.bedrock_invocation.tokens import token_counts

Factory = Callable[..., dict[str, Any]]
KEYS = frozenset({"usage", "amazon-bedrock-invocationMetrics"})


def stream(*extra: object) -> list[Any]:
    """An Anthropic stream as InvokeModelWithResponseStream logs it, with ``extra`` items before its last chunk."""
    deltas = [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        for piece in ("The parcel ", "left on ", "Monday.")
    ]
    return [
        {"type": "message_start", "message": {"id": "msg_01", "usage": {"input_tokens": 40, "output_tokens": 1}}},
        *deltas,
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
        *extra,
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 40, "outputTokenCount": 9}},
    ]


def streamed(record: Factory, body: object) -> dict[str, Any]:
    return record(
        operation="InvokeModelWithResponseStream",
        input={"inputContentType": "application/json", "inputTokenCount": 40},
        output={"outputContentType": "application/json", "outputBodyJson": body},
    )


def test_only_the_chunks_with_one_of_the_keys_are_kept() -> None:
    body = stream()
    assert chunks_with(body, KEYS) == [body[4], body[5]]
    assert chunks_with(body, frozenset({"message"})) == [body[0]]
    assert chunks_with(body, frozenset({"absent"})) == []


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(("[DONE]",), id="a string"),
        pytest.param((7, None, 2.5, True), id="numbers, null, a boolean"),
        pytest.param((["usage"], [{"usage": 1}], []), id="nested lists"),
        pytest.param((MappingProxyType({"usage": {"output_tokens": 9}}),), id="a read-only mapping"),
    ],
)
def test_other_items_of_a_stream_are_never_taken_for_chunks(extra: tuple[object, ...]) -> None:
    body = stream(*extra)
    mappings = [item for item in extra if isinstance(item, MappingProxyType)]
    assert chunks_with(body, KEYS) == [body[4], *mappings, body[-1]]


def test_a_body_that_is_one_object_or_not_an_object() -> None:
    assert chunks_with({"usage": {"inputTokens": 3}}, KEYS) == [{"usage": {"inputTokens": 3}}]
    assert chunks_with({"output": {}}, KEYS) == []
    assert chunks_with(None, KEYS) == [] and chunks_with("usage", KEYS) == [] and chunks_with(3, KEYS) == []


def test_counts_guardrail_and_text_of_a_stream_with_odd_items(record: Factory) -> None:
    raw = streamed(record, stream("[DONE]", 7, None, ["usage"]))
    counts = token_counts(raw)
    assert (counts.input, counts.output, counts.total, counts.problems) == (40, 9, 49, ())
    assert guardrail_outcome(raw) is None
    assert completion_text(raw) == "The parcel left on Monday.[DONE]usage"  # strings of a list are text


def test_a_guardrail_in_a_middle_chunk_of_a_long_stream(record: Factory) -> None:
    blocked = {"type": "message_delta", "amazon-bedrock-guardrailAction": "INTERVENED"}
    assert guardrail_outcome(streamed(record, stream(*[7] * 300, blocked))) == GUARDRAIL_INTERVENED
    assert guardrail_outcome(streamed(record, stream(*[7] * 300))) is None


def test_a_bad_count_in_an_early_chunk_is_still_reported(record: Factory) -> None:
    body = stream()
    body[0]["message"]["usage"]["input_tokens"] = -3
    found = token_counts(streamed(record, body))
    assert found.input == 40  # the log's own count
    assert [problem.reason for problem in found.problems] == ["invalid_token_count"]
