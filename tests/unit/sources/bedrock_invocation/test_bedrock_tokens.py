"""Token counts: the log's own counts first, then the usage object of each model shape; bad counts are problems."""

from __future__ import annotations

from typing import Any

import pytest

from jackwatch.sources.bedrock_invocation.tokens import TokenCounts, TokenProblem, token_counts

from .conftest import RecordFactory


def counts(counted: TokenCounts) -> tuple[int | None, ...]:
    return (counted.input, counted.output, counted.cache_read, counted.cache_write, counted.total)


def test_the_logs_counts_win_over_the_usage_object(record: RecordFactory) -> None:
    raw = record()
    raw["input"]["inputTokenCount"] = 5
    raw["input"]["cacheReadInputTokenCount"] = 1200
    assert counts(token_counts(raw)) == (5, 8, 1200, 0, 12)  # totalTokens comes from the usage object


def test_converse_usage_when_the_log_has_no_counts(record: RecordFactory) -> None:
    raw = record(input={"inputContentType": "application/json"}, output={**record()["output"]})
    del raw["output"]["outputTokenCount"]
    raw["output"]["outputBodyJson"]["usage"] = {
        "inputTokens": 3263,
        "outputTokens": 300,
        "totalTokens": 5563,
        "cacheReadInputTokens": 1000,
        "cacheWriteInputTokens": 1000,
    }
    assert counts(token_counts(raw)) == (3263, 300, 1000, 1000, 5563)


def test_anthropic_usage_and_the_sum_when_there_is_no_total(record: RecordFactory) -> None:
    body = {
        "id": "msg_bdrk_01VQXDs5PRLBSmv92n4AtGiu",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "<answer>2 + 2 = 4"}],
        "stop_reason": "stop_sequence",
        "usage": {
            "input_tokens": 859,
            "output_tokens": 15,
            "cache_read_input_tokens": 2048,
            "cache_creation_input_tokens": 100,
        },
    }
    raw = record(
        operation="InvokeModel",
        input={"inputContentType": "application/json", "inputBodyJson": {"anthropic_version": "bedrock-2023-05-31"}},
        output={"outputContentType": "application/json", "outputBodyJson": body},
    )
    assert counts(token_counts(raw)) == (859, 15, 2048, 100, 859 + 15 + 2048 + 100)


def test_a_stream_takes_its_latest_usage(record: RecordFactory) -> None:
    chunks: list[Any] = [
        {"type": "message_start", "message": {"id": "msg_01", "usage": {"input_tokens": 571, "output_tokens": 1}}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "The"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 281}},
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 571, "outputTokenCount": 281}},
        "[DONE]",
    ]
    raw = record(
        operation="InvokeModelWithResponseStream",
        input={"inputContentType": "application/json"},
        output={"outputContentType": "application/json", "outputBodyJson": chunks},
    )
    assert counts(token_counts(raw)) == (571, 281, None, None, 852)
    chunks[3]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] = 290
    assert token_counts(raw).output == 290


def test_a_converse_stream_takes_the_usage_of_its_metadata_event(record: RecordFactory) -> None:
    events: list[Any] = [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"delta": {"text": "Hello"}, "contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {"metadata": {"usage": {"inputTokens": 120, "outputTokens": 35, "totalTokens": 155}, "metrics": {}}},
    ]
    raw = record(
        operation="ConverseStream",
        input={"inputContentType": "application/json"},
        output={"outputContentType": "application/json", "outputBodyJson": events},
    )
    assert counts(token_counts(raw)) == (120, 35, None, None, 155)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (-12, "-12"),
        (12.5, "12.5"),
        ("12", "'12'"),
        (True, "True"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (2**53, str(2**53)),  # beyond any call, and beyond what a float holds exactly
        (10**30, str(10**30)),
        (1e30, "1e+30"),
    ],
)
def test_a_bad_count_is_a_problem_and_the_usage_object_stands_in(
    record: RecordFactory, written: object, shown: str
) -> None:
    raw = record()
    raw["input"]["inputTokenCount"] = written
    found = token_counts(raw)
    assert found.input == 4  # usage inputTokens
    assert found.problems == (
        TokenProblem("invalid_token_count", f"input.inputTokenCount is {shown}, not a token count"),
    )


def test_a_whole_float_is_a_count(record: RecordFactory) -> None:
    raw = record()
    raw["output"]["outputTokenCount"] = 8.0
    assert token_counts(raw).output == 8 and token_counts(raw).problems == ()


@pytest.mark.parametrize("written", [-1, 10**25])
def test_a_bad_usage_count_is_a_problem_and_counts_as_missing(record: RecordFactory, written: int) -> None:
    raw = record()
    raw["output"]["outputBodyJson"]["usage"]["totalTokens"] = written
    found = token_counts(raw)
    assert found.total == 12 and found.problems == (
        TokenProblem("invalid_token_count", f"usage totalTokens is {written}, not a token count"),
    )


def test_unknown_counts_are_none_not_zero(record: RecordFactory) -> None:
    raw = record(input={"inputContentType": "application/json"}, output={"outputContentType": "application/json"})
    found = token_counts(raw)
    assert counts(found) == (None, None, None, None, None)
    assert [problem.reason for problem in found.problems] == ["missing_token_count"]
    failed = {**raw, "errorCode": "AccessDeniedException"}
    assert token_counts(failed).problems == ()


def test_zero_is_a_count(record: RecordFactory) -> None:
    raw = record()
    raw["input"]["inputTokenCount"] = 0
    raw["output"]["outputTokenCount"] = 0
    raw["output"]["outputBodyJson"]["usage"] = {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
    assert counts(token_counts(raw)) == (0, 0, 0, 0, 0)


def test_an_embedding_has_input_tokens_only(record: RecordFactory) -> None:
    raw = record(
        operation="InvokeModel",
        modelId="amazon.titan-embed-text-v2:0",
        input={"inputContentType": "application/json", "inputBodyJson": {"inputText": "hi"}, "inputTokenCount": 2},
        output={"outputContentType": "application/json", "outputBodyJson": {"embedding": [0.1, 0.2]}},
    )
    assert counts(token_counts(raw)) == (2, None, None, None, 2)
