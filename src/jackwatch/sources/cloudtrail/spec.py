"""The input specs ``read_cloudtrail`` accepts, parsed into typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jackwatch.errors import ConfigError
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec

_REGION = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

USAGE = "expected a path, -, s3://bucket/prefix, sqs://queue, or lookup://[region,…]"


@dataclass(frozen=True, slots=True)
class S3Spec:
    """``s3://bucket/prefix``."""

    bucket: str
    prefix: str


@dataclass(frozen=True, slots=True)
class SqsSpec:
    """``sqs://name``, ``sqs://https://…`` or ``sqs:https://…``: a queue name or URL."""

    queue: str


@dataclass(frozen=True, slots=True)
class LookupSpec:
    """``lookup://`` (every enabled region) or ``lookup://region,region``."""

    regions: tuple[str, ...] = ()


Spec = PathSpec | StdinSpec | S3Spec | SqsSpec | LookupSpec


def parse_spec(text: str) -> Spec:
    """The spec of one input; raises :class:`~jackwatch.errors.ConfigError` when it is malformed."""
    if text == "-":
        return StdinSpec()
    if text.startswith("s3://"):
        bucket, _, prefix = text[len("s3://") :].partition("/")
        if not bucket:
            raise ConfigError(f"{text!r}: no bucket name ({USAGE})")
        return S3Spec(bucket, prefix)
    if text.startswith("sqs:"):
        return SqsSpec(_queue(text))
    if text.startswith("lookup:"):
        return LookupSpec(_regions(text))
    if _SCHEME.match(text):
        raise ConfigError(f"{text!r}: unsupported input ({USAGE})")
    if not text:
        raise ConfigError(f"empty input ({USAGE})")
    return PathSpec(Path(text))


def _queue(text: str) -> str:
    rest = text[len("sqs:") :]
    if rest.startswith("//"):
        rest = rest[2:]
    if not rest:
        raise ConfigError(f"{text!r}: no queue name or URL ({USAGE})")
    if rest.startswith(("https://", "http://")):
        return rest
    if "/" in rest:
        return "https://" + rest
    return rest


def _regions(text: str) -> tuple[str, ...]:
    rest = text[len("lookup:") :].removeprefix("//")
    regions = tuple(part.strip() for part in rest.split(",") if part.strip())
    for region in regions:
        if not _REGION.match(region):
            raise ConfigError(f"{text!r}: {region!r} is not a region name ({USAGE})")
    return regions
