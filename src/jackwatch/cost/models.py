"""Which price-table entry a provider's model identifier names, and which region classes apply to a call.

Each provider writes model ids its own way; :func:`normalize` reduces them to the form the price table uses:

- ``aws_bedrock``: bare ids, inference profiles (``us.anthropic…``, ``global.anthropic…``) and Bedrock ARNs, through
  :func:`jackwatch.normalize.model_id.normalize_model_id`; the profile geography is kept for the region class.
- ``gcp_vertex``: resource names (``projects/p/locations/us-east5/publishers/anthropic/models/claude…@20241022``),
  request URLs (``…/models/gemini-2.0-flash-001:generateContent``) and bare ids; the location is kept.
- ``openai``, ``azure_openai``, ``anthropic``: the id itself; dated snapshots resolve through the table's aliases.

Ids are compared case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from jackwatch.normalize.model_id import ModelRefKind, normalize_model_id


class Provider(StrEnum):
    """The platforms whose list prices the table holds."""

    AWS_BEDROCK = "aws_bedrock"
    AZURE_OPENAI = "azure_openai"
    GCP_VERTEX = "gcp_vertex"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"


STANDARD = "standard"
"""The region class of a price that does not depend on where or how the model is called."""

GLOBAL = "global"
"""Bedrock ``global.`` inference profiles and the Vertex AI ``global`` endpoint, where they are priced apart."""

REGIONAL = "regional"
"""Every other Bedrock or Vertex AI call (in-region or a geographic profile), where priced apart from ``global``."""

US_GOV = "us-gov"
"""AWS GovCloud (US): a region class an override file may price; the built-in table has none."""

_VERTEX_LOCATION = re.compile(r"(?:^|/)locations/([^/]+)")
_OPAQUE_BEDROCK_KINDS = frozenset(
    {
        ModelRefKind.APPLICATION_INFERENCE_PROFILE,
        ModelRefKind.PROVISIONED_MODEL,
        ModelRefKind.CUSTOM_MODEL,
        ModelRefKind.IMPORTED_MODEL,
        ModelRefKind.OTHER_ARN,
    }
)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model id in the table's form (``key``, lower case) and the place the call went to, when the id says it.

    ``geography`` is a Bedrock inference-profile prefix (``us``, ``global``…) or a Vertex AI location; ``priceable``
    is false for ids that never name a foundation model (Bedrock provisioned throughput, application inference
    profiles, custom and imported models).
    """

    key: str
    geography: str | None = None
    arn_region: str | None = None
    priceable: bool = True


def normalize(provider: Provider, model: str) -> ModelRef:
    """The table form of ``model`` as ``provider`` writes it."""
    if provider is Provider.AWS_BEDROCK:
        return _bedrock(model)
    if provider is Provider.GCP_VERTEX:
        return _vertex(model)
    return ModelRef(model.strip().lower())


def region_classes(provider: Provider, ref: ModelRef, region: str | None) -> tuple[str, ...]:
    """The region classes to try, most specific first; the first one the table prices wins.

    Bedrock: ``us-gov`` for a GovCloud region or ``us-gov.`` profile, then ``global`` for a ``global.`` profile or
    ``regional`` for anything else, then ``standard``. Vertex AI: ``global`` for the ``global`` location, else
    ``regional``, then ``standard``. Other providers: ``standard``.
    """
    if provider is Provider.AWS_BEDROCK:
        where = (region or ref.arn_region or "").lower()
        gov = (US_GOV,) if ref.geography == US_GOV or where.startswith("us-gov-") else ()
        return (*gov, GLOBAL if ref.geography == GLOBAL else REGIONAL, STANDARD)
    if provider is Provider.GCP_VERTEX:
        location = (region or ref.geography or "").lower()
        return (GLOBAL if location == GLOBAL else REGIONAL, STANDARD)
    return (STANDARD,)


def _bedrock(model: str) -> ModelRef:
    found = normalize_model_id(model)
    if found is None:
        return ModelRef(model.strip().lower())
    arn_region = None
    if found.raw.strip().startswith("arn:"):
        parts = found.raw.strip().split(":")
        arn_region = parts[3] if len(parts) > 3 and parts[3] else None
    priceable = found.kind not in _OPAQUE_BEDROCK_KINDS
    return ModelRef(found.normalized.lower(), found.profile_prefix, arn_region, priceable)


def _vertex(model: str) -> ModelRef:
    text = model.strip()
    location = None
    if "models/" in text:
        prefix, _, text = text.rpartition("models/")
        match = _VERTEX_LOCATION.search(prefix)
        location = match[1] if match else None
    return ModelRef(text.partition(":")[0].lower(), location)
