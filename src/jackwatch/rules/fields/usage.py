"""Fields of the ``llm_usage`` source: one usage row (provider, account, key, model, tokens, cost, bucket).

Events of this source hold a usage row in its JSON form (:func:`jackwatch.sources.usage.row_to_raw`):
amounts as exact decimal text, times as ISO 8601 UTC. Counts and amounts are read as numbers, so that
conditions compare them (``usage.cost_usd > 100``); a value the row does not have is missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from jackwatch.model import Event
from jackwatch.rules.fields import Extractor, Field, SourceFields

SOURCE = "llm_usage"
NAME_FIELD = "usage.provider"
TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_HOURS = "usage.hours"


def _text(key: str) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        value = event.raw.get(key)
        return value if isinstance(value, str) and value else None

    return extract


def _count_of(value: object) -> int | None:
    return value if type(value) is int else None


def _count(key: str) -> Extractor:
    return lambda event, _arg: _count_of(event.raw.get(key))


def _amount_of(value: object) -> float | None:
    """An amount written as decimal text (or a number) as a float; ``None`` when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _amount(key: str) -> Extractor:
    return lambda event, _arg: _amount_of(event.raw.get(key))


def _tokens(event: Event, _arg: str | None) -> int | None:
    counts = [count for count in (_count_of(event.raw.get(key)) for key in TOKEN_KEYS) if count is not None]
    return sum(counts) if counts else None


def _model(event: Event, _arg: str | None) -> str | None:
    raw = event.raw
    for key in ("model_normalized", "model"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _hours(event: Event, _arg: str | None) -> int | float | None:
    memo = event.memo
    if _HOURS not in memo:
        memo[_HOURS] = _bucket_hours(event.raw)
    found: int | float | None = memo[_HOURS]
    return found


def _bucket_hours(raw: Mapping[str, object]) -> int | float | None:
    start, end = raw.get("start"), raw.get("end")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (ValueError, TypeError):
        return None
    hours = seconds / 3600
    return int(hours) if hours.is_integer() else hours


_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    (
        "usage.provider",
        lambda event, _arg: event.name,
        "Who billed the usage: ``aws_bedrock``, ``azure_openai``, ``gcp_vertex``, ``openai`` or ``anthropic``"
        " (the event name).",
    ),
    (
        "usage.account",
        _text("account"),
        "The billed account: AWS account id, GCP project id, Azure subscription id, OpenAI or Anthropic"
        " organisation id.",
    ),
    (
        "usage.key",
        _text("key"),
        "What used it inside the account, when the source says: API key id, IAM principal ARN, service"
        " account, Azure or AWS resource id.",
    ),
    (
        "usage.project",
        _text("project"),
        "A grouping between account and key: OpenAI project, Anthropic workspace, Azure resource group.",
    ),
    (
        "usage.model",
        _model,
        "The model in a provider-neutral form (``claude-3.5-sonnet``, ``gpt-4o-0806``), else as the source writes it.",
    ),
    (
        "usage.model_raw",
        _text("model"),
        "The model as the source writes it (``Claude3.5Sonnet``, ``Gemini 1.5 Pro``, ``gpt-4o-0806``).",
    ),
    ("usage.region", _text("region"), "The region of the usage (``us-east-1``, ``eastus``, ``us-central1``)."),
    ("usage.input_tokens", _count("input_tokens"), "Number: input tokens (not read from or written to a cache)."),
    ("usage.output_tokens", _count("output_tokens"), "Number: output tokens."),
    ("usage.cache_read_tokens", _count("cache_read_tokens"), "Number: input tokens read from a prompt cache."),
    ("usage.cache_write_tokens", _count("cache_write_tokens"), "Number: input tokens written to a prompt cache."),
    (
        "usage.tokens",
        _tokens,
        "Number: the sum of the token counts the row has; missing when it has none.",
    ),
    ("usage.requests", _count("requests"), "Number: requests, when the source counts them."),
    (
        "usage.cost",
        _amount("cost"),
        "Number: the cost in ``usage.currency``; negative for credits and refunds.",
    ),
    (
        "usage.cost_usd",
        _amount("cost_usd"),
        "Number: the cost in US dollars; missing when the currency is not USD and no rate converts it.",
    ),
    (
        "usage.credits",
        _amount("credits"),
        "Number: credits attached to the row (negative, in ``usage.currency``, not in ``usage.cost``).",
    ),
    ("usage.currency", _text("currency"), "The ISO 4217 code of ``usage.cost`` (``USD``, ``EUR``)."),
    ("usage.start", _text("start"), "The start of the usage bucket, ISO 8601 UTC (``2026-03-01T10:00:00Z``)."),
    ("usage.end", _text("end"), "The end of the usage bucket (exclusive), ISO 8601 UTC."),
    ("usage.hours", _hours, "Number: the length of the bucket in hours (``1`` hourly, ``24`` daily)."),
    (
        "usage.type",
        _text("usage_type"),
        "The line item's usage type as the source writes it (CUR usage type, GCP SKU, Azure meter name).",
    ),
    ("usage.description", _text("description"), "The line item's description, when the source has one."),
)


def _principal(event: Event) -> str:
    raw = event.raw
    for key in ("key", "account"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    return "unknown"


def _evidence(event: Event) -> dict[str, str]:
    """Provider, account, model and region of one row (those it has)."""
    raw = event.raw
    facts = (("account", raw.get("account")), ("model", _model(event, None)), ("region", raw.get("region")))
    return {"provider": event.name} | {name: value for name, value in facts if isinstance(value, str) and value}


def usage_fields() -> SourceFields:
    """The fields of the ``llm_usage`` source."""
    fields = [Field(name, extract, doc) for name, extract, doc in _FIELDS]
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in sorted(fields, key=lambda item: item.name)},
        name_field=NAME_FIELD,
        principal=_principal,
        evidence=_evidence,
    )
