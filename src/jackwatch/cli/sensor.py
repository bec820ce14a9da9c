"""``jackwatch sensor run``: watch processes, file opens and connections, run the rules live, report findings."""

from __future__ import annotations

import io
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from jackwatch.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    DbOption,
    OutputOption,
    ordered,
    output_stream,
    store_url,
    use_color,
)
from jackwatch.detect.service import RuleSelection, build_detector, store_result
from jackwatch.errors import ConfigError, JackwatchError
from jackwatch.model import Finding
from jackwatch.model.runtime import RuntimeRecord
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat
from jackwatch.outputs.serialize import finding_to_dict, incident_to_dict
from jackwatch.outputs.table import PLAIN_WIDTH, findings_table
from jackwatch.sensor.run import (
    EventsFile,
    SensorOptions,
    SensorRun,
    Sink,
    open_source,
    run_sensor,
    sensor_stats,
    stop_on_signals,
)
from jackwatch.sensor.stats import SensorStats
from jackwatch.store import open_store

app = typer.Typer(no_args_is_help=True, help="The runtime sensor (eBPF, or /proc polling without it).")

RECORDER_BATCH = 1000


class _Recorder:
    """Hands records to the store's process history in batches; a store failure stops the recording only."""

    def __init__(self, recorder: Any, stats: SensorStats) -> None:
        self.recorder = recorder
        self.stats = stats
        self.batch: list[RuntimeRecord] = []
        self.failed = False

    def __call__(self, record: RuntimeRecord) -> None:
        if self.failed:
            return
        self.batch.append(record)
        if len(self.batch) >= RECORDER_BATCH:
            self.flush()

    def flush(self, *, final: bool = False) -> None:
        """Hand the batch over (and, at the end, have everything written)."""
        if self.failed:
            return
        try:
            if self.batch:
                self.recorder.add(self.batch)
            if final:
                self.recorder.flush()
        except (JackwatchError, OSError) as error:
            self.failed = True
            self.stats.errors.append(f"the store's process history stopped: {error}")
        self.batch = []


def _lineage_text(evidence: dict[str, Any]) -> str:
    process = evidence.get("process") or {}
    chain = [f"{item.get('name', '?')}[{item.get('pid', '?')}]" for item in reversed(evidence.get("lineage") or [])]
    chain.append(f"{process.get('name', '?')}[{process.get('pid', '?')}]")
    return " > ".join(chain)


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as JSON, with its container, process and lineage as members of their own."""
    body = finding_to_dict(finding)
    evidence = finding.evidence
    body["container"] = evidence.get("container")
    body["process"] = evidence.get("process")
    body["lineage"] = evidence.get("lineage") or []
    return body


def render_table(findings: list[Finding], stats: dict[str, Any], color: bool) -> str:
    """The findings table, the process lineage of each finding, then what the sensor saw and dropped."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    console.print(findings_table(findings) if findings else "No findings.")
    for finding in findings:
        evidence = dict(finding.evidence)
        if evidence.get("process"):
            container = evidence.get("container") or {}
            where = f" in container {str(container.get('id', ''))[:12]}" if container else " on the host"
            console.print(f"{escape(finding.rule_id)}{where}: {escape(_lineage_text(evidence))}", highlight=False)
    seen = ", ".join(f"{kind} {count}" for kind, count in stats["events_seen"].items()) or "none"
    dropped = ", ".join(f"{kind} {count}" for kind, count in stats["events_dropped"].items()) or "none"
    lines = [
        f"sensor: {stats['mode']}, {stats['seconds']} s; events seen: {seen}; dropped: {dropped}",
        f"rules evaluated: {stats['rules_evaluated']}, findings: {stats['findings']}",
    ]
    lines += [f"  {error}" for error in stats.get("errors", [])]
    console.print("\n".join(lines), highlight=False, markup=False)
    return buffer.getvalue()


def _write(fmt: OutputFormat, run: SensorRun, stats: dict[str, Any], stream: IO[bytes], color: bool) -> None:
    findings = ordered(run.findings)
    if fmt is OutputFormat.JSON:
        body = {
            "findings": [finding_json(finding) for finding in findings],
            "incidents": [incident_to_dict(incident) for incident in run.detection.incidents],
            "stats": stats,
        }
        stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")
    elif fmt is OutputFormat.JSONL:
        stream.writelines(orjson.dumps(finding_json(finding)) + b"\n" for finding in findings)
    elif fmt is OutputFormat.TABLE:
        stream.write(render_table(findings, stats, color).encode())
    else:
        raise ConfigError(f"the sensor writes table, json or jsonl, not {fmt.value}")


def _started(fallback: str | None, stats: SensorStats) -> str:
    """The line that tells the sensor is watching (printed once its probes are attached)."""
    how = "eBPF" if fallback is None else f"/proc polling (no eBPF: {fallback})"
    return f"jackwatch sensor: watching with {how}; {stats.processes_seeded} processes known"


def _live(rule_id: str, record: RuntimeRecord) -> None:
    proc = record["proc"]
    container = record.get("container")
    where = f"container {container.get('id', '')[:12]}" if container else "host"
    sys.stderr.write(f"match: {rule_id} ({where}, {proc['name']}[{proc['pid']}])\n")


@app.command("run")
def run(
    duration: float | None = typer.Option(
        None, "--duration", "-d", min=0.0, help="Stop after this many seconds (default: run until SIGINT/SIGTERM)."
    ),
    events: Path | None = typer.Option(
        None, "--events", "-e", metavar="FILE.jsonl", help="Write every runtime event to this file (JSON Lines)."
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.TABLE, "--format", "-f", help="Report format: table, json or jsonl.", case_sensitive=False
    ),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
    store: bool = typer.Option(
        True, "--store/--no-store", help="Record findings and the process history in the store."
    ),
    rules: list[Path] = typer.Option(
        [], "--rules", "-r", help="Extra rule file, loaded after the built-in pack (may override its lists and rules)."
    ),
    builtin: bool = typer.Option(True, "--builtin-rules/--no-builtin-rules", help="Load the built-in rule pack."),
    config: Path | None = typer.Option(None, "--config", "-c", help="Rule settings (YAML)."),
    ebpf: bool = typer.Option(True, "--ebpf/--no-ebpf", help="Capture with eBPF (else poll /proc)."),
    interval: float = typer.Option(
        0.5, "--interval", min=0.05, help="Seconds between two looks at /proc when polling (without eBPF)."
    ),
    bpftrace: str | None = typer.Option(None, "--bpftrace", help="The bpftrace executable (default: from PATH)."),
    live: bool = typer.Option(False, "--live", help="Print each rule match to stderr as it happens."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No message when the sensor starts watching."),
    proc: Path = typer.Option(
        Path("/proc"), "--proc", help="The host's procfs (/host/proc when the sensor runs in a container)."
    ),
    host_root: Path = typer.Option(
        Path("/"), "--host-root", help="The host's root directory (for its users and the runtimes' state files)."
    ),
) -> int:
    """Watch process execs, forks and exits, file opens, outbound connections and uid changes (eBPF through
    bpftrace; /proc polling when eBPF cannot run), run the rules on them as they happen, and print the findings
    with the container, process and lineage of each, and what the sensor saw and dropped.

    Exit codes: 0 done; 2 the sensor cannot run here (neither eBPF nor /proc), bad usage, or a store error.
    """
    if fmt is OutputFormat.OCSF:
        raise typer.BadParameter("the sensor writes table, json or jsonl", param_hint="--format")
    detector = build_detector(RuleSelection(tuple(rules), builtin, config), AsnDb.load())
    url = store_url(db) if store else None
    with ExitStack() as stack:
        stream = None
        if events is not None:
            try:
                events.parent.mkdir(parents=True, exist_ok=True)
                stream = stack.enter_context(events.open("wb"))
            except OSError as error:
                raise ConfigError(f"cannot write events to {events}: {error.strerror or error}") from None
        opened_store = stack.enter_context(open_store(url)) if url is not None else None
        opened = open_source(SensorOptions(ebpf, interval, bpftrace, proc, host_root))
        stack.callback(opened.source.close)
        stats = opened.source.stats
        if not quiet:
            sys.stderr.write(_started(opened.fallback_reason, stats) + "\n")
            sys.stderr.flush()
        sinks: list[Sink] = []
        if stream is not None:
            writer = EventsFile(stream, stats, str(events))
            stack.callback(writer.close)
            sinks.append(writer)
        recorder = None
        if opened_store is not None:
            from jackwatch.runtime import RuntimeRecorder

            recorder = _Recorder(RuntimeRecorder(opened_store, host=opened.builder.host, origin="sensor"), stats)
            sinks.append(recorder)
        with stop_on_signals(duration) as stop:
            result = run_sensor(detector, opened.source, stop, sinks, opened.prelude, _live if live else None)
        if recorder is not None:
            recorder.flush(final=True)
        failed = False
        if opened_store is not None:
            try:
                store_result(opened_store, result.detection, "sensor run", [stats.mode], sensor_stats(result, detector))
            except (JackwatchError, OSError) as error:
                stats.errors.append(f"findings not stored: {error}")
                failed = True
        report = sensor_stats(result, detector)
    with output_stream(output) as out:
        _write(fmt, result, report, out, use_color(fmt, output))
    return EXIT_USAGE if failed or (recorder is not None and recorder.failed) else EXIT_OK
