"""``jackwatch timeline WORKLOAD``: a workload's runtime events and findings, in time order."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.cli.options import parse_moment
from jackwatch.cli.proctree import container_label, container_to_dict, event_to_dict
from jackwatch.outputs.serialize import finding_to_dict, iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.runtime.records import section, text
from jackwatch.runtime.timeline import MAX_ENTRIES, Timeline, TimelineEntry
from jackwatch.runtime.timeline import timeline as build_timeline


class TimelineFormat(StrEnum):
    """How the timeline is printed."""

    TABLE = "table"
    JSON = "json"


def timeline(
    workload: str = typer.Argument(
        ..., metavar="WORKLOAD", help="A container id (prefix), name, image, pod (namespace/name), or host:NAME."
    ),
    since: str = typer.Option("7d", "--since", help="From this time (2026-11-24, ISO time, or a look-back: 7d, 24h)."),
    until: str | None = typer.Option(None, "--until", help="Up to this time (default: now)."),
    limit: int = typer.Option(MAX_ENTRIES, "--limit", min=1, help="At most this many events (the oldest)."),
    fmt: TimelineFormat = typer.Option(TimelineFormat.TABLE, "--format", "-f", case_sensitive=False),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List a workload's runtime events (execs, opens, connects, exits…) and its findings in time order; each
    event names the findings it led to."""
    now = datetime.now(UTC)
    window = (parse_moment(since, now), parse_moment(until, now))
    with store_at(db) as store:
        found = build_timeline(store, workload, since=window[0], until=window[1], limit=limit)
    with output_stream(output) as stream:
        if fmt is TimelineFormat.JSON:
            stream.write(orjson.dumps(timeline_to_dict(workload, found), option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(render_timeline(workload, found, color=output is None and stream.isatty()).encode())
    return 0


def render_timeline(workload: str, found: Timeline, *, color: bool) -> str:
    """The timeline as a table, then its counts."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    title = "Timeline of " + (", ".join(container_label(container) for container in found.containers) or workload)
    if found.entries:
        table = Table(title=escape(title))
        for column in ("time (UTC)", "container", "pid", "process", "what", "findings"):
            table.add_column(column)
        for entry in found.entries:
            table.add_row(*_row(entry))
        console.print(table)
    else:
        console.print(escape(title) + ": nothing in the window (try an earlier --since).")
    window = f"since {iso(found.since)}" if found.since else "from the start"
    more = " (more events than listed: narrow the window or raise --limit)" if found.truncated else ""
    console.print(f"{found.events} event(s), {found.findings} finding(s) {window}{more}", highlight=False, markup=False)
    return buffer.getvalue()


def _row(entry: TimelineEntry) -> tuple[str, ...]:
    when = iso(entry.time).replace("T", " ")
    if entry.finding is not None:
        finding = entry.finding
        what = f"[bold]{finding.severity.value}[/] {escape(finding.rule_id)}: {escape(finding.title)}"
        if finding.count > 1:
            what += f" ({finding.count} events, last {iso(finding.last_seen)})"
        return (when, "", "", "", what, "finding")
    event = entry.event
    assert event is not None
    name = text(section(event.record, "proc").get("name")) or ""
    return (
        when,
        (event.container_id or "")[:12],
        str(event.pid),
        escape(name),
        escape(event.summary),
        escape(", ".join(entry.linked)),
    )


def timeline_to_dict(workload: str, found: Timeline) -> dict[str, Any]:
    """The timeline as JSON: ``{"workload", "containers", "entries", "stats"}``."""
    entries = []
    for entry in found.entries:
        if entry.finding is not None:
            entries.append({"time": iso(entry.time), "kind": "finding", "finding": finding_to_dict(entry.finding)})
        elif entry.event is not None:
            entries.append(
                {"time": iso(entry.time), "kind": "event", **event_to_dict(entry.event), "findings": list(entry.linked)}
            )
    return {
        "workload": workload,
        "containers": [container_to_dict(container) for container in found.containers],
        "entries": entries,
        "stats": {
            "events": found.events,
            "findings": found.findings,
            "truncated": found.truncated,
            "since": None if found.since is None else iso(found.since),
            "until": None if found.until is None else iso(found.until),
        },
    }
