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
from importlib import import_module
from operator import attrgetter
from pathlib import Path

from jackwatch.errors import ConfigError, Location
from jackwatch.model import Event
from jackwatch.sources.reading.context import TimeWindow
from jackwatch.sources.reading.inputs import STDIN_ONCE
from jackwatch.sources.reading.readahead import read_ahead
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
    whole: bool = False
    """Its inputs are read together, in one call (an API read once per run), not each as a stream of its own."""
    ahead: bool = False
    """Its events are small once read: they are read a batch ahead of the rules (:mod:`.reading.readahead`)."""


def _log_reader(module: str, function: str, *, aws: bool = False) -> Reader:
    """A reader of log inputs that calls ``module.function(specs, stats, since=, until=, progress=[, endpoint_url=])``,
    imported on first use (boto3, httpx… load only for the kinds a run reads)."""

    def read(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
        reader = getattr(import_module(module), function)
        extra = {"endpoint_url": request.endpoint_url} if aws else {}
        events: Iterator[Event] = reader(
            specs, stats, since=request.since, until=request.until, progress=request.progress, **extra
        )
        return events

    return read


def _api_reader(kind: str, module: str, function: str, *, aws: bool = False) -> Reader:
    """A reader of a usage API, read once per run: its only input is ``KIND:api://``."""

    def read(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
        from jackwatch.sources.usage.api_query import check_api_specs

        check_api_specs(specs, kind)
        reader = getattr(import_module(module), function)
        extra = {"endpoint_url": request.endpoint_url} if aws else {}
        events: Iterator[Event] = reader(
            stats, since=request.since, until=request.until, progress=request.progress, **extra
        )
        return events

    return read


def _read_usage(specs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    """The events of billing exports, in time order: an export's rows come in any order (by usage type, by
    project), its files in any order, and a CUR's deliveries repeat the month's rows; the rows of an LLM
    service are few enough to be sorted, and sorted the copies of a row come together."""
    from jackwatch.sources.usage.files import read_usage_files

    window = TimeWindow.of(request.since, request.until)
    events: list[Event] = []
    for spec in specs:
        if request.progress is not None:
            request.progress(spec)
        events += (
            event for event in read_usage_files([Path(spec)], stats, rates=request.rates) if window.contains(event.time)
        )
    events.sort(key=attrgetter("time"))
    yield from events


INPUT_KINDS: Mapping[str, InputKind] = {
    kind.name: kind
    for kind in (
        InputKind(
            "cloudtrail",
            "aws_cloudtrail",
            "AWS CloudTrail: FILE, DIR, '-', s3://bucket/prefix, sqs://queue, lookup://[regions]",
            _log_reader("jackwatch.sources.cloudtrail", "read_cloudtrail", aws=True),
        ),
        InputKind(
            "bedrock",
            "aws_bedrock_invocation",
            "Bedrock model invocation logs (S3 delivery, CloudWatch Logs exports, JSON Lines): FILE, DIR, '-', "
            "s3://bucket/prefix",
            _log_reader("jackwatch.sources.bedrock_invocation", "read_bedrock_invocation", aws=True),
            ahead=True,
        ),
        InputKind(
            "azure",
            "azure_openai",
            "Azure OpenAI diagnostic logs (RequestResponse, Audit) and the Activity log: FILE, DIR, '-'",
            _log_reader("jackwatch.sources.azure", "read_azure_openai"),
        ),
        InputKind(
            "gcp",
            "gcp_auditlog",
            "Google Cloud audit logs (LogEntry JSON): FILE, DIR, '-'",
            _log_reader("jackwatch.sources.gcp", "read_gcp_audit"),
        ),
        InputKind(
            "openai",
            "openai_audit",
            "OpenAI organisation audit logs: FILE, DIR, '-', api:// (the Audit Logs API, $OPENAI_ADMIN_KEY)",
            _log_reader("jackwatch.sources.openai", "read_openai_audit"),
        ),
        InputKind(
            "anthropic",
            "anthropic_activity",
            "Anthropic organisation activity logs: FILE, DIR, '-', api:// ($ANTHROPIC_ADMIN_KEY)",
            _log_reader("jackwatch.sources.anthropic", "read_anthropic_activity"),
        ),
        InputKind(
            "falco",
            "falco_alert",
            "Falco's JSON alerts (json_output: true; file_output, stdout, Falcosidekick): FILE, DIR, '-'",
            _log_reader("jackwatch.sources.falco", "read_falco_alerts"),
        ),
        InputKind(
            "syscall",
            "syscall",
            "runtime records as jackwatch sensor run --events writes them (JSON Lines, plain or gzip): FILE, DIR, '-'",
            _log_reader("jackwatch.runtime.trace", "read_runtime_events"),
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
            _api_reader("openai-usage", "jackwatch.sources.usage.api_openai", "read_openai_usage"),
            whole=True,
        ),
        InputKind(
            "anthropic-usage",
            "llm_usage",
            "Anthropic organisation usage and costs: api:// ($ANTHROPIC_ADMIN_KEY)",
            _api_reader("anthropic-usage", "jackwatch.sources.usage.api_anthropic", "read_anthropic_usage"),
            whole=True,
        ),
        InputKind(
            "cost-explorer",
            "llm_usage",
            "Amazon Bedrock usage and cost from AWS Cost Explorer: api:// (ce:GetCostAndUsage)",
            _api_reader("cost-explorer", "jackwatch.sources.usage.api_cost_explorer", "read_cost_explorer", aws=True),
            whole=True,
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


MERGED_INPUTS = 16
"""The most inputs of one kind read side by side (each holds a file or object open); more, such as the files a shell
pattern names, are read one after the other, in the order given."""


def read_inputs(inputs: Sequence[str], stats: ReadStats, request: ReadRequest) -> Iterator[Event]:
    """The events of every input, each read by its kind's reader, the inputs merged in time order.

    Every input is checked before anything is read (unknown kinds, and each reader's own checks). A local path
    given again for the same kind, or inside a directory given for it, is read once (a ``duplicate_input`` problem).
    Merged, the copies of the same logs from two deliveries (a bucket and a CloudWatch Logs export) come together,
    where :mod:`jackwatch.detect.distinct` recognises them, and stateful rules see each source in time order (up to
    :data:`MERGED_INPUTS` inputs of a kind; more are read one after the other).
    """
    if not inputs:
        raise ConfigError("no input given")
    grouped: dict[str, list[str]] = {}
    for text in inputs:
        kind, spec = split_input(text)
        grouped.setdefault(kind.name, []).append(spec)
    if sum(spec == "-" for specs in grouped.values() for spec in specs) > 1:
        raise ConfigError(STDIN_ONCE)
    streams: list[Iterator[Event]] = []
    for name, specs in grouped.items():
        kind, kept = INPUT_KINDS[name], _read_once(name, specs, stats)
        together = kind.whole or len(kept) > MERGED_INPUTS
        stream = _merged(
            [kind.read(kept, stats, request)] if together else [kind.read([spec], stats, request) for spec in kept]
        )
        streams.append(read_ahead(stream) if kind.ahead else stream)
    return _merged(streams)


def _merged(streams: list[Iterator[Event]]) -> Iterator[Event]:
    """The events of ``streams`` in time order (each is in time order already; ties keep the order of ``streams``)."""
    return streams[0] if len(streams) == 1 else heapq.merge(*streams, key=attrgetter("time"))


def _read_once(kind: str, specs: Sequence[str], stats: ReadStats) -> list[str]:
    """``specs`` less the local paths given before them, and those inside a directory given among them."""
    paths = {index: Path(spec).resolve() for index, spec in enumerate(specs) if spec != "-" and "://" not in spec}
    kept: list[str] = []
    for index, spec in enumerate(specs):
        path = paths.get(index)
        within = None if path is None else _reading(path, index, paths)
        if within is None:
            kept.append(spec)
        else:
            message = f"{kind}:{spec} is read once, as part of {kind}:{specs[within]}"
            stats.skip("duplicate_input", Location(spec), message, records=0)
    return kept


def _reading(path: Path, index: int, paths: Mapping[int, Path]) -> int | None:
    """The index of another input that reads ``path``: the same path given earlier, or a directory above it."""
    for other, given in paths.items():
        if (given == path and other < index) or given in path.parents:
            return other
    return None


def kinds_of(inputs: Sequence[str]) -> frozenset[str]:
    """The event sources the inputs will produce."""
    return frozenset(split_input(text)[0].source for text in inputs)
