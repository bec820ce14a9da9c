"""Amazon Bedrock usage types: which model and which kind of tokens a CUR line item bills.

Bedrock bills each token kind on its own line item, named ``<region>-<model>-<kind>[-<tier>]``:

* ``USE1-Claude3.5Sonnet-input-tokens``, ``USE1-Claude3.5Sonnet-output-tokens``;
* ``USE1-Claude3.7Sonnet-cache-read-input-token-count``, ``…-cache-write-input-token-count``;
* batch and service-tier variants (``USW2-Claude3Haiku-batch-input-tokens``,
  ``USE1-NovaPro-input-tokens-flex``, ``…-input-tokens-cross-region-global``), and the
  ``*-mantle-input-tokens-*`` types of the ``bedrock-mantle`` endpoints;
* models sold through AWS Marketplace: ``USE1-MP:USE1_InputTokenCount-Units`` (also ``OutputTokenCount``,
  ``CacheReadInputTokenCount``, ``CacheWriteInputTokenCount``), the model named by the product instead.

Other usage types (provisioned throughput model units, images, guardrail text units, knowledge bases…)
bill no tokens: they keep their cost, without a token count or a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jackwatch.sources.usage.row import TokenKind

_REGION_PREFIX = re.compile(r"(?:[A-Z]{3}\d|EU)-")
_MARKER = re.compile(
    r"(?:^|[-_:])(?P<cache>cache-?(?P<mode>read|write)-?)?(?P<direction>input|output)-?tokens?(?:-?count)?(?=$|[-_])",
    re.IGNORECASE,
)
_QUALIFIERS = frozenset({"batch", "mantle", "flex", "priority", "standard"})
_MARKETPLACE = "MP:"
_EDITION = re.compile(r"\s*\((?:Amazon )?Bedrock Edition\)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BedrockUsage:
    """What a usage type bills: the model as the usage type writes it (``None`` when it does not say, as
    for Marketplace types), the token kind (``None`` when it bills no tokens), and whether the model is
    sold through AWS Marketplace."""

    model: str | None
    kind: TokenKind | None
    marketplace: bool = False


def parse_usage_type(usage_type: str) -> BedrockUsage:
    """The model and token kind of a Bedrock usage type (see the module documentation)."""
    rest = usage_type.strip()
    prefix = _REGION_PREFIX.match(rest)
    if prefix is not None:
        rest = rest[prefix.end() :]
    marketplace = rest.startswith(_MARKETPLACE)
    found = _MARKER.search(rest)
    if found is None:
        return BedrockUsage(None, None, marketplace)
    kind = _kind(found["mode"], found["direction"])
    if marketplace:
        return BedrockUsage(None, kind, marketplace=True)
    words = rest[: found.start()].split("-")
    while words and words[-1].lower() in _QUALIFIERS:
        words.pop()
    return BedrockUsage("-".join(words) or None, kind)


def _kind(mode: str | None, direction: str) -> TokenKind:
    if mode is not None:
        return TokenKind.CACHE_READ if mode.lower() == "read" else TokenKind.CACHE_WRITE
    return TokenKind.INPUT if direction.lower() == "input" else TokenKind.OUTPUT


def marketplace_model(product_name: str | None) -> str | None:
    """The model a Marketplace product sells: ``Claude 3 Haiku (Amazon Bedrock Edition)`` → ``Claude 3 Haiku``."""
    if not product_name:
        return None
    model = _EDITION.sub("", product_name).strip()
    return model if model and model != product_name.strip() else None
