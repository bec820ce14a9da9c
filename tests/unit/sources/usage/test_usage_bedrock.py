"""Amazon Bedrock usage types: the model and token kind each bills."""

from __future__ import annotations

import pytest

from jackwatch.sources.usage.bedrock import BedrockUsage, marketplace_model, parse_usage_type
from jackwatch.sources.usage.row import TokenKind

INPUT, OUTPUT, CACHE_READ, CACHE_WRITE = TokenKind.INPUT, TokenKind.OUTPUT, TokenKind.CACHE_READ, TokenKind.CACHE_WRITE


@pytest.mark.parametrize(
    ("usage_type", "expected"),
    [
        ("USE1-Claude3.5Sonnet-input-tokens", BedrockUsage("Claude3.5Sonnet", INPUT)),
        ("USE1-Claude3.5Sonnet-output-tokens", BedrockUsage("Claude3.5Sonnet", OUTPUT)),
        ("USW2-Claude3.7Sonnet-cache-read-input-token-count", BedrockUsage("Claude3.7Sonnet", CACHE_READ)),
        ("USW2-Claude3.7Sonnet-cache-write-input-token-count", BedrockUsage("Claude3.7Sonnet", CACHE_WRITE)),
        ("EUC1-Claude4.6Opus-input-tokens", BedrockUsage("Claude4.6Opus", INPUT)),
        ("USW2-Claude3Haiku-batch-input-tokens", BedrockUsage("Claude3Haiku", INPUT)),
        ("USE1-NovaPro-input-tokens-flex", BedrockUsage("NovaPro", INPUT)),
        ("USE1-ClaudeSonnet4.5-output-tokens-cross-region-global", BedrockUsage("ClaudeSonnet4.5", OUTPUT)),
        ("USE1-GptOss120B-mantle-input-tokens-standard", BedrockUsage("GptOss120B", INPUT)),
        ("APN1-Llama3.1-70B-Instruct-output-tokens", BedrockUsage("Llama3.1-70B-Instruct", OUTPUT)),
        ("USE1-TitanEmbeddingsG1-Text-input-tokens", BedrockUsage("TitanEmbeddingsG1-Text", INPUT)),
        ("EU-Claude2-input-tokens", BedrockUsage("Claude2", INPUT)),
        ("Claude3Haiku-input-tokens", BedrockUsage("Claude3Haiku", INPUT)),
        ("USE1-MP:USE1_InputTokenCount-Units", BedrockUsage(None, INPUT, marketplace=True)),
        ("USE1-MP:USE1_OutputTokenCount-Units", BedrockUsage(None, OUTPUT, marketplace=True)),
        ("USW2-MP:USW2_CacheReadInputTokenCount-Units", BedrockUsage(None, CACHE_READ, marketplace=True)),
        ("USW2-MP:USW2_CacheWriteInputTokenCount-Units", BedrockUsage(None, CACHE_WRITE, marketplace=True)),
    ],
)
def test_token_usage_types(usage_type: str, expected: BedrockUsage) -> None:
    assert parse_usage_type(usage_type) == expected


@pytest.mark.parametrize(
    "usage_type",
    [
        "USE1-Claude3Sonnet-ModelUnits-1MonthCommit",
        "USE1-TitanImageGeneratorV2-1024-standard-images",
        "USE1-Guardrails-ContentPolicyTextUnits",
        "USE1-KnowledgeBase-Rerank-queries",
        "USE1-MP:USE1_ModelUnitHours-Units",
        "",
    ],
)
def test_other_usage_types_bill_no_tokens(usage_type: str) -> None:
    assert parse_usage_type(usage_type).kind is None
    assert parse_usage_type(usage_type).model is None


@pytest.mark.parametrize(
    ("product_name", "model"),
    [
        ("Claude 3 Haiku (Amazon Bedrock Edition)", "Claude 3 Haiku"),
        ("Claude 3.5 Sonnet (Amazon Bedrock Edition)", "Claude 3.5 Sonnet"),
        ("Jamba 1.5 Large (Bedrock Edition)", "Jamba 1.5 Large"),
        ("Amazon Bedrock", None),
        ("Amazon Elastic Compute Cloud", None),
        ("", None),
        (None, None),
    ],
)
def test_marketplace_products_name_their_model(product_name: str | None, model: str | None) -> None:
    assert marketplace_model(product_name) == model
