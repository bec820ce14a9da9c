"""The kinds of input ``detect`` reads, and how an input names its kind (``bedrock:logs/``).

An input is ``[KIND:]SPEC``: ``cloudtrail:s3://trail-bucket/AWSLogs/``, ``bedrock:invocations/``,
``usage:cur.parquet``. Without a kind it is CloudTrail. Each kind's inputs are read by that kind's reader;
the streams of several kinds are merged in time order, so every rule sees its source's events in order.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.reading.context import TimeWindow
from jackwatch.sources.stats import ReadStats


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What every reader is told: the time window, where to report progress, an AWS endpoint override, and the
    currency rates to USD (``{"EUR": Decimal("1.08")}``) for billing exports in other currencies."""

    since: datetime | None = None
    until: datetime | None = None
    progress: Callable[[str], None] | None = None
    endpoint_url: str | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)


Reader = Callable[[Sequence[str], ReadStats, ReadRequest], Iterator[Event]]
"""``read(specs, stats, request)``: the events of the inputs ``specs`` of one kind."""


@dataclass(frozen=True, slots=True)
class InputKind:
    """One kind of input: its prefix, the event source its records become, what it reads, and its reader."""

    name: str
    source: str
    description: str
    read: Reader


def _read_cloudtrail(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.cloudtrail import read_cloudtrail

    return read_cloudtrail(
        specs,
        stats,
        since=request.since,
        until=request.until,
        progress=request.progress,
        endpoint_url=request.endpoint_url,
    )


def _read_bedrock(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.bedrock_invocation import read_bedrock_invocation

    return read_bedrock_invocation(
        specs,
        stats,
        since=request.since,
        until=request.until,
        progress=request.progress,
        endpoint_url=request.endpoint_url,
    )


def _read_azure(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.azure import read_azure_openai

    return read_azure_openai(specs, stats, since=request.since, until=request.until, progress=request.progress)


def _read_gcp(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.gcp import read_gcp_audit

    return read_gcp_audit(specs, stats, since=request.since, until=request.until, progress=request.progress)


def _read_openai(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.openai import read_openai_audit

    return read_openai_audit(specs, stats, since=request.since, until=request.until, progress=request.progress)


def _read_anthropic(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.anthropic import read_anthropic_activity

    return read_anthropic_activity(specs, stats, since=request.since, until=request.until, progress=request.progress)


def _read_usage(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.usage.files import read_usage_files

    window = TimeWindow.of(request.since, request.until)
    for spec in specs:
        if request.progress is not None:
            request.progress(spec)
        for event in read_usage_files([Path(spec)], stats, rates=request.rates):
            if window.contains(event.time):
                yield event


def _read_openai_usage(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.usage.api_openai import read_openai_usage
    from jackwatch.sources.usage.api_query import check_api_specs

    check_api_specs(specs, "openai-usage")
    return read_openai_usage(stats, since=request.since, until=request.until, progress=request.progress)


def _read_anthropic_usage(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.usage.api_anthropic import read_anthropic_usage
    from jackwatch.sources.usage.api_query import check_api_specs

    check_api_specs(specs, "anthropic-usage")
    return read_anthropic_usage(stats, since=request.since, until=request.until, progress=request.progress)


def _read_cost_explorer(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    from jackwatch.sources.usage.api_cost_explorer import read_cost_explorer
    from jackwatch.sources.usage.api_query import check_api_specs

    check_api_specs(specs, "cost-explorer")
    return read_cost_explorer(
        stats, since=request.since, until=request.until, progress=request.progress, endpoint_url=request.endpoint_url
    )


INPUT_KINDS: Mapping[str, InputKind] = {
    kind.name: kind
    for kind in (
        InputKind(
            "cloudtrail",
            "aws_cloudtrail",
            "AWS CloudTrail: FILE, DIR, '-', s3://bucket/prefix, sqs://queue, lookup://[regions]",
            _read_cloudtrail,
        ),
        InputKind(
            "bedrock",
            "aws_bedrock_invocation",
            "Bedrock model invocation logs (S3 delivery, CloudWatch Logs exports, JSON Lines): FILE, DIR, '-', "
            "s3://bucket/prefix",
            _read_bedrock,
        ),
        InputKind(
            "azure",
            "azure_openai",
            "Azure OpenAI diagnostic logs (RequestResponse, Audit) and the Activity log: FILE, DIR, '-'",
            _read_azure,
        ),
        InputKind("gcp", "gcp_auditlog", "Google Cloud audit logs (LogEntry JSON): FILE, DIR, '-'", _read_gcp),
        InputKind(
            "openai",
            "openai_audit",
            "OpenAI organisation audit logs: FILE, DIR, '-', api:// (the Audit Logs API, $OPENAI_ADMIN_KEY)",
            _read_openai,
        ),
        InputKind(
            "anthropic",
            "anthropic_activity",
            "Anthropic organisation activity logs: FILE, DIR, '-', api:// ($ANTHROPIC_ADMIN_KEY)",
            _read_anthropic,
        ),
        InputKind(
            "usage",
            "llm_usage",
            "billing exports (AWS CUR 2.0 and legacy, GCP billing export, Azure cost exports; CSV, Parquet, JSON "
            "Lines) as FILE or DIR",
            _read_usage,
        ),
        InputKind(
            "openai-usage",
            "llm_usage",
            "OpenAI organisation usage and costs: api:// ($OPENAI_ADMIN_KEY; --since/--until, default the last 7 days)",
            _read_openai_usage,
        ),
        InputKind(
            "anthropic-usage",
            "llm_usage",
            "Anthropic organisation usage and costs: api:// ($ANTHROPIC_ADMIN_KEY)",
            _read_anthropic_usage,
        ),
        InputKind(
            "cost-explorer",
            "llm_usage",
            "Amazon Bedrock usage and cost from AWS Cost Explorer: api:// (ce:GetCostAndUsage)",
            _read_cost_explorer,
        ),
    )
}
"""Every kind of input, by the prefix that names it."""

DEFAULT_KIND = "cloudtrail"

INPUT_KIND_HELP = "; ".join(
    f"{kind.name}: {kind.description}" for kind in INPUT_KINDS.values() if kind.name != DEFAULT_KIND
)
"""The kinds other than the default, for ``--help``."""

_PREFIX = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*):(?!//)(?P<spec>.+)$", re.DOTALL)


def split_input(text: str) -> tuple[InputKind, str]:
    """The kind and spec of one input; a ``KIND:`` prefix jackwatch does not know is a :class:`ConfigError`."""
    found = _PREFIX.match(text)
    if found is None:
        return INPUT_KINDS[DEFAULT_KIND], text
    kind = INPUT_KINDS.get(found["kind"])
    if kind is None:
        known = ", ".join(f"{name}:" for name in INPUT_KINDS)
        raise ConfigError(f"{text}: unknown input kind {found['kind']!r} (known: {known})")
    return kind, found["spec"]


def read_inputs(inputs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    """The events of every input, each kind read by its reader, the kinds merged in time order.

    Every input is checked before anything is read (unknown kinds, and each reader's own checks).
    """
    if not inputs:
        raise ConfigError("no input given")
    grouped: dict[str, list[str]] = {}
    for text in inputs:
        kind, spec = split_input(text)
        grouped.setdefault(kind.name, []).append(spec)
    streams = [INPUT_KINDS[name].read(specs, stats, request) for name, specs in grouped.items()]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=attrgetter("time"))


def kinds_of(inputs: Sequence[str]) -> frozenset[str]:
    """The event sources the inputs will produce."""
    return frozenset(split_input(text)[0].source for text in inputs)
