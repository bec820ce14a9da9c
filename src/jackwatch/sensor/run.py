"""The sensor service: capture runtime events, write them out, run the rules on them live, report findings.

    source = open_source(SensorOptions(duration=60))          # eBPF, else /proc polling
    with stop_on_signals(60) as stop:
        run = run_sensor(detector, source, stop, sinks)

Records go, in time order, to every sink (the ``--events`` file, the store's process history) and, as events of
the ``syscall`` source, through the rules; each finding is completed with the container, process and lineage of
its latest event. Nothing here prints or exits.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO, Any, Protocol

import orjson

from jackwatch.detect.aggregate import FindingAggregator, RuleFacts
from jackwatch.detect.service import DetectionResult, Detector, correlate
from jackwatch.errors import JackwatchError
from jackwatch.model import Finding
from jackwatch.model.runtime import RuntimeRecord, to_event
from jackwatch.rules.engine import Engine
from jackwatch.sensor.capture import Bpftrace, EbpfSource, EbpfUnavailable, preflight
from jackwatch.sensor.clock import Clock
from jackwatch.sensor.containers import CgroupIds, ContainerMetadata, Containers, cgroup2_root
from jackwatch.sensor.fallback import DEFAULT_INTERVAL, ProcPoller, snapshot
from jackwatch.sensor.program import build
from jackwatch.sensor.records import RecordBuilder
from jackwatch.sensor.stats import SensorStats
from jackwatch.sensor.users import UserNames
from jackwatch.sources.stats import ReadStats

ORIGIN = "sensor"
MAX_KEPT_RECORDS = 10_000
"""Records of matched events kept to describe findings (the latest event of each finding is looked up)."""


class SensorUnavailable(JackwatchError):
    """Neither eBPF capture nor ``/proc`` polling can run here."""


class RecordSource(Protocol):
    """Where records come from: eBPF capture or ``/proc`` polling."""

    stats: SensorStats

    def records(self, stop: Callable[[], bool]) -> Iterator[RuntimeRecord]:
        """Records in time order until ``stop()`` returns true."""
        ...

    def close(self) -> None:
        """Release what the source holds (the bpftrace process), whether records were read or not."""
        ...


@dataclass(frozen=True, slots=True)
class SensorOptions:
    """How to capture: with eBPF when it can (``ebpf``), else by polling ``/proc`` every ``interval`` seconds."""

    ebpf: bool = True
    interval: float = DEFAULT_INTERVAL
    bpftrace: str | None = None
    proc: Path = Path("/proc")
    host_root: Path = Path("/")


@dataclass(slots=True)
class Opened:
    """A started source, its builder, and why eBPF was not used (when it was not)."""

    source: RecordSource
    builder: RecordBuilder
    fallback_reason: str | None = None
    prelude: list[RuntimeRecord] = field(default_factory=list)


def _builder(options: SensorOptions) -> RecordBuilder:
    containers = Containers(CgroupIds(cgroup2_root()), ContainerMetadata(options.host_root))
    users = UserNames(options.host_root, options.proc)
    return RecordBuilder(Clock.now(), containers, users, proc=options.proc, host_root=options.host_root)


def open_source(options: SensorOptions) -> Opened:
    """Start eBPF capture (probes attached when this returns), else the ``/proc`` poller; :class:`SensorUnavailable`
    when neither can run."""
    reason = "turned off with --no-ebpf"
    if options.ebpf:
        try:
            environment = preflight(options.bpftrace)
            builder = _builder(options)
            source = EbpfSource(
                Bpftrace(environment, build(environment.tracefs), os.getpid()), builder, SensorStats("ebpf")
            )
            source.start()
            return Opened(source, builder, prelude=snapshot(builder))
        except EbpfUnavailable as error:
            reason = str(error)
    if not (options.proc / "self" / "stat").exists():
        raise SensorUnavailable(f"the sensor cannot run here: no eBPF ({reason}) and no /proc at {options.proc}")
    builder = _builder(options)
    poller = ProcPoller(builder, SensorStats("proc"), options.interval)
    poller.start()
    poller.stats.errors.append(f"eBPF capture not used: {reason}; polling /proc instead")
    return Opened(poller, builder, reason)


class Stop:
    """When a run ends: at its deadline (monotonic seconds) or once :meth:`request` was called (a signal)."""

    def __init__(self, duration: float | None = None) -> None:
        self.deadline = None if duration is None else time.monotonic() + duration
        self.requested = threading.Event()

    def request(self) -> None:
        """End the run as soon as the events in flight are handled."""
        self.requested.set()

    def __call__(self) -> bool:
        return self.requested.is_set() or (self.deadline is not None and time.monotonic() >= self.deadline)


@contextmanager
def stop_on_signals(duration: float | None) -> Iterator[Stop]:
    """A :class:`Stop` for ``duration`` seconds (``None``: until a signal) that SIGINT and SIGTERM also trigger."""
    stop = Stop(duration)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.request()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class EventsFile:
    """Writes records as JSON Lines; a write that fails (a full disk) stops the writing, not the sensor."""

    def __init__(self, stream: IO[bytes], stats: SensorStats, name: str) -> None:
        self.stream = stream
        self.stats = stats
        self.name = name
        self.failed = 0

    def __call__(self, record: RuntimeRecord) -> None:
        if self.failed:
            self.failed += 1
            return
        try:
            self.stream.write(orjson.dumps(record) + b"\n")
        except OSError as error:
            self.failed = 1
            self.stats.errors.append(f"{self.name}: {error.strerror or error}; later events are not written to it")

    def close(self) -> None:
        """Flush what is buffered (a failure is reported, not raised)."""
        try:
            self.stream.flush()
        except OSError as error:
            if not self.failed:
                self.stats.errors.append(f"{self.name}: {error.strerror or error}")
        if self.failed > 1:
            self.stats.errors.append(f"{self.name}: {self.failed - 1} event(s) not written")


Sink = Callable[[RuntimeRecord], None]


@dataclass(slots=True)
class SensorRun:
    """Findings of a run (completed with the process they are about), its statistics and detection figures."""

    findings: list[Finding]
    detection: DetectionResult
    stats: SensorStats


def describe(record: RuntimeRecord) -> dict[str, Any]:
    """The container, process (with its user) and lineage of a record: what a finding shows of its event."""
    process: dict[str, Any] = dict(record["proc"])
    user = record.get("user")
    if user is not None and "name" in user:
        process["user"] = user["name"]
    return {"container": record.get("container"), "process": process, "lineage": list(record["lineage"])}


def _complete(finding: Finding, records: dict[str, RuntimeRecord]) -> Finding:
    """``finding`` with the container, process and lineage of its latest event whose record was kept."""
    latest = next((records[event] for event in reversed(finding.event_ids) if event in records), None)
    if latest is None:
        return finding
    return replace(finding, evidence={**finding.evidence, **describe(latest)})


def run_sensor(
    detector: Detector,
    source: RecordSource,
    stop: Callable[[], bool],
    sinks: list[Sink],
    prelude: list[RuntimeRecord] | None = None,
    on_finding: Callable[[str, RuntimeRecord], None] | None = None,
) -> SensorRun:
    """Feed the source's records (after ``prelude``) to the sinks and the rules until ``stop()``.

    ``on_finding(rule_id, record)`` is called on each match as it happens (to report it live).
    """
    sources = detector.registry.sources
    aggregator = FindingAggregator(
        {name: item.fields.principal for name, item in sources.items()},
        {name: item.fields.evidence for name, item in sources.items()},
    )
    engine = Engine(detector.compiled)
    read = ReadStats()
    result = DetectionResult([], read)
    facts: dict[str, RuleFacts] = {}
    kept: dict[str, RuntimeRecord] = {}
    started = time.monotonic()

    def records() -> Iterator[RuntimeRecord]:
        yield from prelude or ()
        yield from source.records(stop)

    for record in records():
        read.events_read += 1
        for sink in sinks:
            sink(record)
        event = to_event(record, ORIGIN)
        for match in engine.process(event):
            rule = match.rule
            result.matches[rule.id] += 1
            rule_facts = facts.get(rule.id) or facts.setdefault(
                rule.id, RuleFacts(rule.spec.id, rule.spec.name, rule.spec.severity, rule.spec.mitre, rule.spec.source)
            )
            output = partial(rule.render_output, match.events[-1])
            aggregator.add(rule_facts, match.events, match.key, output, match.count, match.start, match.facts)
            if len(kept) >= MAX_KEPT_RECORDS:
                kept.pop(next(iter(kept)))
            kept[event.id] = record
            if on_finding is not None:
                on_finding(rule.id, record)
    result.findings = [(_complete(finding, kept), ids) for finding, ids in aggregator.results()]
    correlate(result, detector.correlations)
    result.seconds = time.monotonic() - started
    source.stats.seconds = result.seconds
    return SensorRun([finding for finding, _ in result.findings], result, source.stats)


def sensor_stats(run: SensorRun, detector: Detector) -> dict[str, Any]:
    """JSON-ready statistics of a run: the sensor's (events seen and dropped by kind) and the rules'."""
    detection = run.detection.stats(detector)
    rules = {key: detection[key] for key in ("rules_loaded", "rules_evaluated", "rule_warnings", "matches_by_rule")}
    return {**run.stats.as_dict(), **rules, "findings": len(run.findings), "incidents": len(run.detection.incidents)}
