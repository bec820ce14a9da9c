"""Fields of the ``aws_bedrock_invocation`` source: ``bedrock.*``, read from Bedrock model invocation logs.

Identity, model, tokens, errors and guardrail outcomes come from the record; the secret fields come from
scanning the prompt and completion text with :mod:`jackwatch.secrets`. No field gives the text itself:
rules match on what was found in it (kinds of secret, redacted evidence, a length), so neither outputs nor
findings can carry a prompt. Derived values are computed at most once per event and kept in ``event.memo``;
the reader's compact events (:mod:`jackwatch.sources.bedrock_invocation.bodies`) come with those of the bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from jackwatch.model import Event
from jackwatch.normalize import ModelId, Principal, normalize_model_id
from jackwatch.rules.fields import Extractor, Field, SourceFields
from jackwatch.secrets import SecretHit
from jackwatch.sources.bedrock_invocation.bodies import (
    COMPACT_KEY,
    GUARDRAIL_KEY,
    PROMPT_CHARS_KEY,
    SECRETS_KEY,
    secret_hits,
    without_bodies,
)
from jackwatch.sources.bedrock_invocation.content import completion_text, guardrail_outcome, prompt_text
from jackwatch.sources.bedrock_invocation.identity import PRINCIPAL_KEY, record_principal
from jackwatch.sources.bedrock_invocation.records import SOURCE
from jackwatch.sources.bedrock_invocation.tokens import MEMO_KEY, TokenCounts, token_counts

NAME_FIELD = "bedrock.operation"

_MODEL = "bedrock.model"
_RETAINED = "retained"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _string(key: str) -> Extractor:
    return lambda event, _arg: _text(event.raw.get(key))


def _principal(event: Event) -> Principal:
    found: Principal | None = event.memo.get(PRINCIPAL_KEY)
    if found is None:
        found = event.memo[PRINCIPAL_KEY] = record_principal(event.raw)
    return found


def _model(event: Event) -> ModelId | None:
    memo = event.memo
    if _MODEL in memo:
        cached: ModelId | None = memo[_MODEL]
        return cached
    found = memo[_MODEL] = normalize_model_id(event.raw.get("modelId"))
    return found


def _tokens(event: Event) -> TokenCounts:
    found: TokenCounts | None = event.memo.get(MEMO_KEY)
    if found is None:
        found = event.memo[MEMO_KEY] = token_counts(event.raw)
    return found


def _guardrail(event: Event, _arg: str | None) -> str | None:
    memo = event.memo
    if GUARDRAIL_KEY not in memo:
        memo[GUARDRAIL_KEY] = guardrail_outcome(event.raw)
    found: str | None = memo[GUARDRAIL_KEY]
    return found


def _secret_hits(event: Event) -> tuple[SecretHit, ...] | None:
    """The secrets in the prompt and completion (``None`` when the record has neither text)."""
    memo = event.memo
    if SECRETS_KEY in memo:
        cached: tuple[SecretHit, ...] | None = memo[SECRETS_KEY]
        return cached
    found = memo[SECRETS_KEY] = secret_hits(prompt_text(event.raw), completion_text(event.raw))
    return found


def _secrets(event: Event, _arg: str | None) -> tuple[str, ...] | None:
    hits = _secret_hits(event)
    if not hits:  # no text, or nothing found: nearly every record
        return None if hits is None else ()
    return tuple(sorted({hit.kind for hit in hits}))


def _secret_evidence(event: Event, _arg: str | None) -> tuple[str, ...] | None:
    hits = _secret_hits(event)
    if hits is None:
        return None
    unique = {(hit.kind, hit.fingerprint): hit.describe() for hit in hits}
    return tuple(unique.values())


def _prompt_chars(event: Event, _arg: str | None) -> int | None:
    memo = event.memo
    if PROMPT_CHARS_KEY not in memo:
        text = prompt_text(event.raw)
        memo[PROMPT_CHARS_KEY] = None if text is None else len(text)
    found: int | None = memo[PROMPT_CHARS_KEY]
    return found


def _count(read: Callable[[TokenCounts], int | None]) -> Extractor:
    return lambda event, _arg: read(event.memo.get(MEMO_KEY) or _tokens(event))  # counts are never false


def _model_id(event: Event, _arg: str | None) -> str | None:
    model = _model(event)
    return None if model is None else model.normalized


def _account(event: Event, _arg: str | None) -> str | None:
    return _text(event.raw.get("accountId")) or _principal(event).account


_FIELDS: tuple[Field, ...] = (
    Field(
        NAME_FIELD,
        lambda event, _arg: event.name,
        "The operation logged (``operation``): ``InvokeModel``, ``InvokeModelWithResponseStream``, ``Converse``,"
        " ``ConverseStream``…",
    ),
    Field(
        "bedrock.model_id", _string("modelId"), "The model as the caller named it (``modelId``: an id, profile or ARN)."
    ),
    Field(
        "bedrock.model",
        _model_id,
        "The model as a bare foundation-model id (``us.anthropic.claude-3-haiku-20240307-v1:0`` and its ARNs →"
        " ``anthropic.claude-3-haiku-20240307-v1:0``); ARNs that hide the model are kept as they are.",
    ),
    Field(
        "bedrock.principal",
        lambda event, _arg: _principal(event).id,
        "The stable principal of ``identity.arn``: the role ARN for an assumed-role session"
        " (``arn:aws:sts::…:assumed-role/R/session`` → ``arn:aws:iam::…:role/R``), else the ARN as written;"
        " ``unknown`` without an identity.",
    ),
    Field("bedrock.account", _account, "The account the invocation was made in (``accountId``)."),
    Field("bedrock.region", _string("region"), "The region of the invocation (``region``)."),
    Field("bedrock.request_id", _string("requestId"), "The request id (``requestId``)."),
    Field(
        "bedrock.input_tokens",
        _count(attrgetter("input")),
        "Number: input tokens (``input.inputTokenCount``, else the usage object of the output);"
        " missing when unknown or not a valid count.",
    ),
    Field(
        "bedrock.output_tokens",
        _count(attrgetter("output")),
        "Number: output tokens (``output.outputTokenCount``, else the usage object).",
    ),
    Field(
        "bedrock.cache_read_tokens",
        _count(attrgetter("cache_read")),
        "Number: input tokens read from the prompt cache (``input.cacheReadInputTokenCount``, else the usage).",
    ),
    Field(
        "bedrock.cache_write_tokens",
        _count(attrgetter("cache_write")),
        "Number: input tokens written to the prompt cache (``input.cacheWriteInputTokenCount``, else the usage).",
    ),
    Field(
        "bedrock.total_tokens",
        _count(attrgetter("total")),
        "Number: the usage object's ``totalTokens``, else the sum of the input, output and cache counts known;"
        " missing when neither input nor output is known.",
    ),
    Field(
        "bedrock.error_code", _string("errorCode"), "The error of a failed invocation (``errorCode``), else missing."
    ),
    Field(
        "bedrock.error",
        lambda event, _arg: bool(event.raw.get("errorCode")),
        "Boolean: ``true`` when the invocation failed (the record has an ``errorCode``).",
    ),
    Field(
        "bedrock.guardrail",
        _guardrail,
        "``intervened`` when a guardrail blocked or masked the request or response"
        " (``amazon-bedrock-guardrailAction: INTERVENED``, ``stopReason: guardrail_intervened``…), else missing.",
    ),
    Field(
        "bedrock.secrets",
        _secrets,
        "List: the kinds of secret found in the prompt or completion text (``aws_access_key``,"
        " ``openai_api_key``, ``private_key``… see the secrets documentation); empty when none,"
        " missing when the record carries no text.",
        is_list=True,
    ),
    Field(
        "bedrock.secret_evidence",
        _secret_evidence,
        "List: one ``<kind> <redacted> sha256:<fingerprint>`` entry per secret found (with the AWS access key id"
        " or service-account e-mail that goes with it): what an output may show. Never the secret.",
        is_list=True,
    ),
    Field(
        "bedrock.prompt_chars",
        _prompt_chars,
        "Number: the length of the prompt text in characters; missing when the record has no input body.",
    ),
)


def bedrock_invocation_fields() -> SourceFields:
    """The fields of the ``aws_bedrock_invocation`` source."""
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in sorted(_FIELDS, key=lambda item: item.name)},
        name_field=NAME_FIELD,
        principal=lambda event: _principal(event).id,
        evidence=_evidence,
        retain=retain,
    )


def retain(event: Event) -> Event:
    """The compact copy of an event that stateful rules keep: identity, model, counts and outcome, without
    the bodies (their text is not kept). Token counts, the guardrail outcome and the secrets in the text (shown in
    a finding's evidence) are worked out first and travel in the memo; the prompt's length is missing unless it was
    worked out before. A compact event (the reader's) is its own copy."""
    if event.memo.get(COMPACT_KEY):
        return event
    kept = event.memo.get(_RETAINED)
    if kept is None:
        _tokens(event)
        _guardrail(event, None)
        _secret_hits(event)
        slim = without_bodies(event.raw)
        kept = Event(event.source, event.name, event.time, event.id, slim, event.origin, dict(event.memo))
        event.memo[_RETAINED] = kept
    return kept


def _evidence(event: Event) -> dict[str, str]:
    """Region and model of one event (these logs carry no source IP or user agent), and the redacted forms and
    fingerprints of the secrets in its text: a finding about several leaks names each credential to rotate."""
    found: dict[str, str] = {}
    region = _text(event.raw.get("region"))
    if region:
        found["region"] = region
    model = _model(event)
    if model is not None:
        found["model"] = model.normalized
    secrets = _secret_evidence(event, None)
    if secrets:
        found["secret"] = "; ".join(secrets)
    return found
