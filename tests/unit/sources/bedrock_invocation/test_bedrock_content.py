"""Guardrail outcomes and the prompt and completion text of each body shape Bedrock logs."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from jackwatch.sources.bedrock_invocation.content import (
    GUARDRAIL_INTERVENED,
    completion_text,
    guardrail_outcome,
    prompt_text,
)

from .conftest import RecordFactory

BLOCKED_TRACE = {
    "guardrail": {
        "actionReason": "Guardrail blocked.",
        "input": {"h28wrktbwagn": {"contentPolicy": {"filters": [{"action": "BLOCKED", "type": "VIOLENCE"}]}}},
    }
}


def with_output(record: RecordFactory, body: object) -> dict[str, Any]:
    return record(output={"outputContentType": "application/json", "outputBodyJson": body})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"amazon-bedrock-guardrailAction": "INTERVENED", "content": [{"type": "text", "text": "Sorry."}]},
            id="InvokeModel guardrail action",
        ),
        pytest.param(
            [
                {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Sorry."}},
                {"type": "message_stop", "amazon-bedrock-guardrailAction": "INTERVENED"},
            ],
            id="streamed chunk",
        ),
        pytest.param({"output": {"message": {}}, "stopReason": "guardrail_intervened"}, id="Converse stop reason"),
        pytest.param({"action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "Sorry."}]}, id="ApplyGuardrail"),
        pytest.param({"amazon-bedrock-trace": BLOCKED_TRACE, "content": []}, id="trace action reason"),
        pytest.param(
            [
                {"contentBlockDelta": {"delta": {"text": "Sorry."}, "contentBlockIndex": 0}},
                {"messageStop": {"stopReason": "guardrail_intervened"}},
            ],
            id="ConverseStream events",
        ),
    ],
)
def test_guardrail_interventions(record: RecordFactory, body: object) -> None:
    assert guardrail_outcome(with_output(record, body)) == GUARDRAIL_INTERVENED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="no output body"),
        pytest.param({"stopReason": "end_turn", "usage": {"inputTokens": 4}}, id="answered"),
        pytest.param(
            {
                "stopReason": "end_turn",
                "trace": {"guardrail": {"inputAssessment": {"g1": {"topicPolicy": {"topics": [{"action": "NONE"}]}}}}},
            },
            id="assessed, not blocked",
        ),
        pytest.param({"amazon-bedrock-guardrailAction": "NONE"}, id="action NONE"),
        pytest.param(["[DONE]"], id="stream without guardrail"),
        pytest.param([{"messageStop": {"stopReason": "end_turn"}}], id="ConverseStream answered"),
    ],
)
def test_no_intervention(record: RecordFactory, body: object) -> None:
    assert guardrail_outcome(with_output(record, body)) is None


def test_the_converse_prompt_text_leaves_structure_out(record: RecordFactory) -> None:
    raw = record()
    raw["input"]["inputBodyJson"]["system"] = [{"text": "You answer briefly."}]
    assert prompt_text(raw) == "hello how are you\nYou answer briefly."


def test_the_text_of_every_shape_is_read(record: RecordFactory) -> None:
    titan = {"inputText": "User: Hello\n\nBot:", "textGenerationConfig": {"maxTokenCount": 2048}}
    llama = {"prompt": "<|begin_of_text|>What is the capital of Sudan?", "max_gen_len": 2048}
    tool = {
        "anthropic_version": "bedrock-2023-05-31",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "text", "text": "ok"}]}
                ],
            }
        ],
    }
    texts = [prompt_text(record(input={"inputBodyJson": body})) for body in (titan, llama, tool)]
    assert texts == ["User: Hello\n\nBot:", "<|begin_of_text|>What is the capital of Sudan?", "ok"]


def test_tool_call_ids_are_not_text(record: RecordFactory) -> None:
    """Ids of tool calls (Converse ``toolUseId``, Anthropic ``tool_use_id``, OpenAI-style ``tool_call_id``) are
    generated identifiers, as long as a key: they are neither scanned nor counted in the prompt's length."""
    converse = {
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "orders", "input": {"q": "x"}}}
                ],
            },
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "content": [{"text": "shipped"}]}}
                ],
            },
        ]
    }
    openai_style = {"messages": [{"role": "tool", "tool_call_id": "call_9b7c1e0f6a2d4c8e9f0a1b2c", "content": "42"}]}
    texts = [prompt_text(record(input={"inputBodyJson": body})) for body in (converse, openai_style)]
    assert texts == ["orders\nx\nshipped", "42"]


def test_binary_data_is_not_text(record: RecordFactory) -> None:
    image = base64.b64encode(bytes(range(256)) * 12).decode()
    body = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"image": {"format": "png", "source": {"bytes": image}}},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}},
                    {"text": "what is in these pictures?"},
                ],
            }
        ]
    }
    assert prompt_text(record(input={"inputBodyJson": body})) == "what is in these pictures?"


def test_a_streamed_completion_is_its_chunks_end_to_end(record: RecordFactory) -> None:
    chunks = [
        {"type": "message_start", "message": {"id": "msg_01", "role": "assistant", "model": "claude"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "The key is sk"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "-ant-api03-x"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
    ]
    assert completion_text(with_output(record, chunks)) == "The key is sk-ant-api03-x"
    assert completion_text(record()) == "Hello! How can I help?"


def test_records_without_bodies_have_no_text(record: RecordFactory) -> None:
    raw = record(input={"inputBodyS3Path": "s3://logs/data/ff4b_input.json.gz", "inputTokenCount": 90000})
    raw["output"] = {"outputBodyS3Path": "s3://logs/data/ff4b_output.json.gz", "outputTokenCount": 2000}
    assert prompt_text(raw) is None and completion_text(raw) is None
    assert prompt_text(record(input="not an object")) is None
