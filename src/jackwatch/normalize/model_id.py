"""Bedrock model identifiers: bare ids, inference profiles and ARNs, reduced to the model they name.

``anthropic.claude-3-sonnet-20240229-v1:0``, ``us.anthropic.claude-3-sonnet-20240229-v1:0``,
``arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0`` and
``arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-sonnet-20240229-v1:0``
all normalise to ``anthropic.claude-3-sonnet-20240229-v1:0``. ARNs that do not reveal the model
(application inference profiles, provisioned throughput, imported models) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from jackwatch.model import JSON_OBJECT

PROFILE_PREFIXES = frozenset({"us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"})
"""Geography prefixes of cross-region (system-defined) inference profiles."""

REQUEST_KEYS = ("modelId", "modelIdentifier", "modelArn")
"""Where a CloudTrail ``requestParameters`` object names the model, in order of preference."""


class ModelRefKind(StrEnum):
    """What a model identifier refers to."""

    FOUNDATION_MODEL = "foundation_model"
    INFERENCE_PROFILE = "inference_profile"
    APPLICATION_INFERENCE_PROFILE = "application_inference_profile"
    PROVISIONED_MODEL = "provisioned_model"
    CUSTOM_MODEL = "custom_model"
    IMPORTED_MODEL = "imported_model"
    OTHER_ARN = "other_arn"


@dataclass(frozen=True, slots=True)
class ModelId:
    """A normalised model id.

    ``normalized`` is the bare foundation-model id when the input reveals it, else the input (trimmed);
    ``vendor`` its provider (``anthropic``); ``profile_prefix`` the inference-profile geography
    (``us``, ``eu``…) if any; ``kind`` what the input referred to.
    """

    normalized: str
    vendor: str | None
    raw: str
    profile_prefix: str | None
    kind: ModelRefKind


_OPAQUE_ARN_KINDS = {
    "application-inference-profile": ModelRefKind.APPLICATION_INFERENCE_PROFILE,
    "provisioned-model": ModelRefKind.PROVISIONED_MODEL,
    "imported-model": ModelRefKind.IMPORTED_MODEL,
}


def model_id_from_record(record: Mapping[str, Any]) -> ModelId | None:
    """The model a CloudTrail record's ``requestParameters`` names, or ``None``."""
    request = record.get("requestParameters")
    if not isinstance(request, JSON_OBJECT):
        return None
    for key in REQUEST_KEYS:
        model = normalize_model_id(request.get(key))
        if model is not None:
            return model
    return None


def normalize_model_id(value: object) -> ModelId | None:
    """Normalise a model id, inference-profile id or Bedrock ARN; ``None`` for a non-string or blank."""
    if not isinstance(value, str):
        return None
    return _normalize(value)


@lru_cache(maxsize=4096)
def _normalize(raw: str) -> ModelId | None:
    text = raw.strip()
    if "%" in text:
        text = unquote(text).strip()
    if not text:
        return None
    if not text.startswith("arn:"):
        return _bare(text, raw, ModelRefKind.FOUNDATION_MODEL)
    parts = text.split(":", 5)
    if len(parts) < 6:
        return ModelId(text, None, raw, None, ModelRefKind.OTHER_ARN)
    resource_type, _, resource = parts[5].partition("/")
    if parts[2] != "bedrock" or not resource:
        return ModelId(text, None, raw, None, ModelRefKind.OTHER_ARN)
    if resource_type == "foundation-model":
        return _bare(resource, raw, ModelRefKind.FOUNDATION_MODEL)
    if resource_type == "inference-profile":
        return _bare(resource, raw, ModelRefKind.INFERENCE_PROFILE)
    if resource_type == "custom-model":
        base = resource.partition("/")[0]
        return ModelId(text, _vendor(base), raw, None, ModelRefKind.CUSTOM_MODEL)
    return ModelId(text, None, raw, None, _OPAQUE_ARN_KINDS.get(resource_type, ModelRefKind.OTHER_ARN))


def _bare(model: str, raw: str, kind: ModelRefKind) -> ModelId:
    prefix, dot, rest = model.partition(".")
    if dot and prefix in PROFILE_PREFIXES and "." in rest:
        return ModelId(rest, _vendor(rest), raw, prefix, ModelRefKind.INFERENCE_PROFILE)
    return ModelId(model, _vendor(model), raw, None, kind)


def _vendor(model: str) -> str | None:
    vendor, dot, rest = model.partition(".")
    return vendor if dot and vendor and rest else None
