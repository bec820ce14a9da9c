"""Invocation records without their bodies: what the bodies say, worked out once and kept in the event's memo.

The prompt and completion bodies are most of a record, and nothing but the token counts, the guardrail's
outcome, the secrets in the text and the prompt's length is read from them. The reader works these out as
each record is read, while its bodies are still in the CPU caches, and hands on a compact event: the reorder
buffer, the rules and their state then hold small events, and the text is dropped at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jackwatch.model import JSON_OBJECT, Event
from jackwatch.secrets import SecretHit, may_hold_secrets, scan_text
from jackwatch.sources.bedrock_invocation.content import completion_text, guardrail_outcome, prompt_text
from jackwatch.sources.bedrock_invocation.identity import PRINCIPAL_KEY, record_principal
from jackwatch.sources.bedrock_invocation.tokens import MEMO_KEY, token_counts

GUARDRAIL_KEY = "bedrock.guardrail"
SECRETS_KEY = "bedrock.secret_hits"
PROMPT_CHARS_KEY = "bedrock.prompt_chars"
COMPACT_KEY = "bedrock.compact"
"""Memo keys: the guardrail outcome, the secrets found, the prompt's length, and whether the event is compact."""

KEPT_KEYS = (
    "schemaType",
    "schemaVersion",
    "timestamp",
    "accountId",
    "identity",
    "region",
    "requestId",
    "operation",
    "modelId",
    "errorCode",
    "inferenceRegion",
)
KEPT_COUNTS = {
    "input": ("inputTokenCount", "cacheReadInputTokenCount", "cacheWriteInputTokenCount"),
    "output": ("outputTokenCount",),
}
"""What a compact record keeps: identity, model, outcome, and the counts of the ``input`` and ``output`` parts."""

_ABSENT = object()


def without_bodies(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the record with only :data:`KEPT_KEYS` and :data:`KEPT_COUNTS`."""
    slim = _picked(raw, KEPT_KEYS)
    for part, keys in KEPT_COUNTS.items():
        section = raw.get(part)
        if isinstance(section, JSON_OBJECT):
            slim[part] = _picked(section, keys)
    return slim


def _picked(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The items of ``mapping`` under ``keys``, in the order of ``keys`` (one look-up per key)."""
    return {key: value for key in keys if (value := mapping.get(key, _ABSENT)) is not _ABSENT}


def secret_hits(*texts: str | None, screened: bool = False) -> tuple[SecretHit, ...] | None:
    """The secrets in the texts there are, in order (``None`` when there is none: a record without bodies).

    Most texts hold nothing a detector could find: one quick test of all of them at once tells, before any is
    scanned on its own (unless they are ``screened``: they passed it already)."""
    present = [text for text in texts if text is not None]
    if not present:
        return None
    if not screened and not may_hold_secrets(*present):
        return ()
    return tuple(hit for text in present for hit in scan_text(text))


def compact(event: Event) -> Event:
    """The event with a record :func:`without_bodies`, and in its memo the token counts (when not there yet),
    the principal, the guardrail outcome, the secrets in the prompt and completion, and the prompt's length."""
    raw, memo = event.raw, event.memo
    if MEMO_KEY not in memo:
        memo[MEMO_KEY] = token_counts(raw)
    memo[PRINCIPAL_KEY] = record_principal(raw)
    memo[GUARDRAIL_KEY] = guardrail_outcome(raw)
    prompt = prompt_text(raw)
    memo[PROMPT_CHARS_KEY] = None if prompt is None else len(prompt)
    memo[SECRETS_KEY] = secret_hits(prompt, completion_text(raw))
    memo[COMPACT_KEY] = True
    return Event(event.source, event.name, event.time, event.id, without_bodies(raw), event.origin, memo)
