"""One bucket of LLM usage and spend, whatever reported it, and the ``llm_usage`` event it becomes.

A :class:`UsageRow` is what every usage source produces: the billing-export readers (AWS CUR, GCP
billing export, Azure cost exports) and the usage/cost API clients (AWS Cost Explorer, OpenAI,
Anthropic). Its JSON form (:func:`row_to_raw`) is the ``raw`` of the event, and what rule tests write;
:func:`row_from_raw` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypedDict

from jackwatch.model import Event
from jackwatch.sources.reading.records import RecordError, content_id, field_error, not_an_object
from jackwatch.sources.usage.values import decimal_of, decimal_text, model_key, time_of

SOURCE = "llm_usage"


class Provider(StrEnum):
    """Who billed the usage; also the event name, so that rules are indexed by provider."""

    AWS_BEDROCK = "aws_bedrock"
    AZURE_OPENAI = "azure_openai"
    GCP_VERTEX = "gcp_vertex"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"


class TokenKind(StrEnum):
    """The kinds of tokens a row counts; each value is the name of the row's field."""

    INPUT = "input_tokens"
    OUTPUT = "output_tokens"
    CACHE_READ = "cache_read_tokens"
    CACHE_WRITE = "cache_write_tokens"


TOKEN_FIELDS = tuple(kind.value for kind in TokenKind)
"""The token counts of a row, each ``None`` when the source does not say."""


class TokenCounts(TypedDict, total=False):
    """Token counts as keyword arguments of :class:`UsageRow`."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


def token_fields(kind: TokenKind, count: int) -> TokenCounts:
    """``count`` tokens of ``kind`` as keyword arguments of :class:`UsageRow`."""
    match kind:
        case TokenKind.INPUT:
            return {"input_tokens": count}
        case TokenKind.OUTPUT:
            return {"output_tokens": count}
        case TokenKind.CACHE_READ:
            return {"cache_read_tokens": count}
        case TokenKind.CACHE_WRITE:
            return {"cache_write_tokens": count}


class ModelNames(TypedDict):
    """A model as :class:`UsageRow` keyword arguments: as the source writes it, and provider-neutral."""

    model: str | None
    model_normalized: str | None


def model_names(model: str | None) -> ModelNames:
    """``model`` and its provider-neutral form (:func:`~jackwatch.sources.usage.values.model_key`) as keyword
    arguments of :class:`UsageRow`."""
    return {"model": model, "model_normalized": model_key(model) if model else None}


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Usage of one account (and key, model, region) over one time bucket ``[start, end)``.

    ``account`` is the AWS account id, GCP project id, Azure subscription id, or OpenAI/Anthropic
    organisation id; ``key`` what used it inside the account when the source says (API key id, IAM
    principal ARN, service account, Azure or AWS resource id); ``project`` a grouping between the two
    (OpenAI project, Anthropic workspace, Azure resource group). ``model`` is the model as the source
    writes it, ``model_normalized`` a provider-neutral form (``claude-3.5-sonnet``) when one is obvious.
    ``cost`` is in ``currency`` (ISO 4217) and may be negative (credits, refunds); ``cost_usd`` is set
    only when the currency is USD or a conversion rate was given; ``credits`` is the (negative) sum of
    the credits the source attached to the row, in ``currency``, not included in ``cost``.
    ``usage_type``/``description`` are the line item's own text; ``origin``/``line`` where it was read
    (a path and row number, or a URL).
    """

    provider: Provider
    account: str
    start: datetime
    end: datetime
    origin: str
    line: int | None = None
    key: str | None = None
    project: str | None = None
    model: str | None = None
    model_normalized: str | None = None
    region: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    requests: int | None = None
    cost: Decimal | None = None
    currency: str | None = None
    cost_usd: Decimal | None = None
    credits: Decimal | None = None
    usage_type: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end must be aware datetimes")
        if self.end < self.start:
            raise ValueError(f"the bucket ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        for name in (*TOKEN_FIELDS, "requests"):
            count = getattr(self, name)
            if count is not None and count < 0:
                raise ValueError(f"{name} must not be negative, got {count}")

    @property
    def tokens(self) -> int | None:
        """The sum of the token counts the row has; ``None`` when it has none."""
        counts = [count for count in (getattr(self, name) for name in TOKEN_FIELDS) if count is not None]
        return sum(counts) if counts else None


_LOCATION_KEYS = frozenset({"origin", "line"})
_DECIMALS = ("cost", "cost_usd", "credits")
_TIMES = ("start", "end")
_COUNTS = (*TOKEN_FIELDS, "requests", "line")
_TEXTS = (
    "account",
    "key",
    "project",
    "model",
    "model_normalized",
    "region",
    "currency",
    "usage_type",
    "description",
)


def iso_z(moment: datetime) -> str:
    """A UTC time as ISO 8601 with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def row_to_raw(row: UsageRow) -> dict[str, Any]:
    """The JSON form of a row (the event's ``raw``): amounts as exact decimal text, times as ISO 8601
    UTC with ``Z``, counts as integers; fields without a value are left out."""
    raw: dict[str, Any] = {}
    for item in fields(row):
        value = getattr(row, item.name)
        if value is None:
            continue
        if isinstance(value, Decimal):
            raw[item.name] = decimal_text(value)
        elif isinstance(value, datetime):
            raw[item.name] = iso_z(value)
        elif isinstance(value, Provider):
            raw[item.name] = value.value
        else:
            raw[item.name] = value
    return raw


def row_from_raw(raw: object, origin: str) -> UsageRow:
    """The row of a JSON form (as :func:`row_to_raw` writes it, or as a rule test writes it by hand).

    ``provider``, ``account``, ``start`` and ``end`` are required; amounts may be numbers or decimal
    text; ``origin`` says where the form was read (an ``origin`` inside it is not used). Raises
    :class:`~jackwatch.sources.reading.records.RecordError` for a bad form.
    """
    if not isinstance(raw, Mapping):
        raise not_an_object(raw)
    values: dict[str, Any] = {"origin": origin}
    provider = raw.get("provider")
    try:
        values["provider"] = Provider(str(provider))
    except ValueError:
        raise field_error("provider", provider, f"one of {', '.join(Provider)}") from None
    for name in _TEXTS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise field_error(name, value, "text")
        if value:
            values[name] = value
    if "account" not in values:
        raise field_error("account", raw.get("account"))
    for name in _COUNTS:
        value = raw.get(name)
        if value is not None and (type(value) is not int or value < 0):
            raise field_error(name, value, "a whole number ≥ 0")
        values[name] = value
    try:
        for name in _TIMES:
            if raw.get(name) is None:
                raise field_error(name, None)
            values[name] = time_of(raw[name], name)
        for name in _DECIMALS:
            if raw.get(name) is not None:
                values[name] = decimal_of(raw[name], name)
        return UsageRow(**values)
    except ValueError as exc:
        raise RecordError("invalid_field", str(exc)) from None


def to_event(row: UsageRow) -> Event:
    """The ``llm_usage`` event of a row: named after the provider, at the start of its bucket, with an id
    that hashes its content (not where it was read, so the same line read twice is one event)."""
    raw = row_to_raw(row)
    identity = {key: value for key, value in raw.items() if key not in _LOCATION_KEYS}
    return Event(SOURCE, row.provider.value, row.start, content_id(identity), raw, row.origin)


def event_from_record(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of a row's JSON form (the source's ``make_event``: rule tests, stored events)."""
    return to_event(row_from_raw(raw, origin))
