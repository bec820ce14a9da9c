"""Google Cloud billing export (the BigQuery standard usage cost schema), as JSON Lines or CSV.

A JSON Lines export keeps the nested records (``{"service": {"description": "Vertex AI"}, …}``); they
are flattened to ``service_description``, as a CSV with ``service.description`` or
``service_description`` columns is keyed. Rows of Vertex AI and the Gemini API whose SKU is a model's
(``Gemini 1.5 Pro Input Tokens``, ``Claude 3.5 Sonnet Output Tokens``) are LLM usage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

import orjson

from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.usage.row import Provider, TokenKind, UsageRow, model_names
from jackwatch.sources.usage.schema import (
    Record,
    RowContext,
    Schema,
    bucket_end,
    optional_amount,
    required_amount,
    required_text,
    required_time,
    token_counts,
)
from jackwatch.sources.usage.values import decimal_of, text_of

SERVICE = "service_description"
SKU = "sku_description"
START = "usage_start_time"
END = "usage_end_time"
PROJECT = "project_id"
REGION = "location_region"
COST = "cost"
CURRENCY = "currency"
RATE = "currency_conversion_rate"
AMOUNT = "usage_amount"
UNIT = "usage_unit"
CREDITS = "credits"
COST_TYPE = "cost_type"
RESOURCE = "resource_global_name"

LLM_SERVICES = frozenset({"vertex ai", "gemini api", "generative language api"})
MODEL_FAMILIES = frozenset(
    {"gemini", "gemma", "claude", "palm", "palm2", "bison", "gecko", "llama", "mistral", "mixtral", "codestral"}
    | {"jamba", "deepseek", "qwen", "gpt", "grok", "kimi", "minimax"}
)
"""First words of the SKUs of generative models on Vertex AI (SKUs that bill tokens are LLM usage too)."""

_STOP_WORDS = frozenset(
    {"input", "output", "prompt", "response", "cache", "cached", "caching", "context", "text", "image", "video"}
    | {"audio", "tokens", "token", "characters", "character", "batch", "predictions", "prediction", "thinking"}
    | {"long", "short", "online", "for", "-", "with", "priority", "flex", "provisioned"}
)
_CACHE_WORDS = frozenset({"cache", "cached", "caching"})
_WORDS = re.compile(r"\S+")


def vertex_sku(sku: str) -> tuple[str | None, TokenKind | None]:
    """The model and token kind of a SKU: ``Claude 3.5 Sonnet Output Tokens`` → (``Claude 3.5 Sonnet``,
    output); ``Gemini 1.5 Pro Cached Input Tokens`` → (``Gemini 1.5 Pro``, cache read); ``Gemini 1.5 Pro
    Context Cache Storage`` → (``Gemini 1.5 Pro``, ``None``): storage bills no tokens. The model starts
    at a model family's name when there is one, else at the first word that is not a qualifier."""
    words = [(found.start(), found.group().lower()) for found in _WORDS.finditer(sku)]
    first = next((index for index, (_, word) in enumerate(words) if word in MODEL_FAMILIES), None)
    if first is None:
        first = next((index for index, (_, word) in enumerate(words) if word not in _STOP_WORDS), len(words))
    stop = next((start for start, word in words[first:] if word in _STOP_WORDS), len(sku))
    model = sku[words[first][0] : stop].strip() if first < len(words) else ""
    return model or None, _sku_kind({word for _, word in words})


def _sku_kind(words: set[str]) -> TokenKind | None:
    if "storage" in words:
        return None
    if words & _CACHE_WORDS:
        return TokenKind.CACHE_WRITE if words & {"write", "creation", "create"} else TokenKind.CACHE_READ
    if words & {"output", "response"}:
        return TokenKind.OUTPUT
    if words & {"input", "prompt"}:
        return TokenKind.INPUT
    return None


def _is_llm(service: str, sku: str) -> bool:
    if service.lower() not in LLM_SERVICES:
        return False
    lowered = sku.lower()
    return "token" in lowered or not MODEL_FAMILIES.isdisjoint(lowered.split())


def _credits(value: object) -> Decimal | None:
    """The sum of a row's credit amounts (``credits``: an array of ``{name, amount, …}``, or its JSON text)."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value) if value.strip() else []
        except orjson.JSONDecodeError:
            raise RecordError("invalid_field", f"{CREDITS} is not a JSON array of credits") from None
    if value is None or value == []:
        return None
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise RecordError("invalid_field", f"{CREDITS} must be an array of credits, got {value!r:.60}")
    try:
        return sum((decimal_of(item.get("amount"), "credit amount") for item in value), Decimal(0))
    except ValueError as exc:
        raise RecordError("invalid_field", str(exc)) from None


def parse(record: Record, context: RowContext) -> UsageRow | None:
    """The usage row of a billing export row of a generative model; ``None`` for any other SKU."""
    service = text_of(record.get(SERVICE))
    sku = text_of(record.get(SKU))
    if service is None or sku is None or not _is_llm(service, sku):
        return None
    start = required_time(record, START)
    end = bucket_end(start, required_time(record, END), END)
    cost = required_amount(record, COST)
    currency = required_text(record, CURRENCY).upper()
    rate = optional_amount(record, RATE)
    stated = cost / rate if rate is not None and rate > 0 else None
    model, kind = vertex_sku(sku)
    cost_type = text_of(record.get(COST_TYPE))
    unit = text_of(record.get(UNIT))
    counts_tokens = "token" in sku.lower() or (unit is not None and unit.lower().startswith("token"))
    if not counts_tokens or (cost_type is not None and cost_type.lower() != "regular"):
        kind = None
    return UsageRow(
        provider=Provider.GCP_VERTEX,
        account=required_text(record, PROJECT),
        start=start,
        end=end,
        origin=context.origin,
        line=context.line,
        key=text_of(record.get(RESOURCE)),
        **model_names(model),
        region=text_of(record.get(REGION)),
        cost=cost,
        currency=currency,
        cost_usd=context.converter.usd(cost, currency, stated),
        credits=_credits(record.get(CREDITS)),
        usage_type=sku,
        description=service,
        **token_counts(kind, record.get(AMOUNT), unit, context, AMOUNT),
    )


SCHEMA = Schema(
    label="GCP billing export",
    marker=frozenset({SERVICE, SKU}),
    columns=(
        (SERVICE,),
        (SKU,),
        (START,),
        (END,),
        (PROJECT,),
        (REGION, "location_location"),
        (COST,),
        (CURRENCY,),
        (RATE,),
        (AMOUNT,),
        (UNIT,),
        (CREDITS,),
        (COST_TYPE,),
        (RESOURCE, "resource_name"),
    ),
    required=frozenset({SERVICE, SKU, START, END, PROJECT, COST, CURRENCY}),
    parse=parse,
)
