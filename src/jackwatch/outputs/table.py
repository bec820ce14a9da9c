"""The human-readable report: a rich table of findings and a one-paragraph summary of the run."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from jackwatch.correlate.incidents import Incident
from jackwatch.model import CostFigures, Finding, Severity
from jackwatch.outputs.serialize import utc

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

PLAIN_WIDTH = 200
"""Width of the table written to a file or a pipe."""

_SHOWN_PROBLEMS = 10
"""Problems listed in the summary; the rest are counted."""

_SHOWN_STEPS = 8
"""Timeline entries listed per incident; the rest are counted."""


def _short_time(finding: Finding) -> str:
    return _span(finding.first_seen, finding.last_seen)


def _span(start: datetime, end: datetime) -> str:
    first_seen, last_seen = utc(start), utc(end)
    first = first_seen.strftime("%Y-%m-%d %H:%M")
    last = last_seen.strftime("%H:%M" if last_seen.date() == first_seen.date() else "%Y-%m-%d %H:%M")
    return f"{first} → {last}"


def _joined(values: object, limit: int = 3) -> str:
    if not isinstance(values, list | tuple) or not values:
        return ""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" (+{len(values) - limit})" if len(values) > limit else "")


def money(usd: float) -> str:
    """Dollars as people read them: ``$0.42``, ``$1,234``, ``$45.2k``, ``$1.3M``."""
    if usd >= 1_000_000:
        return f"${usd / 1_000_000:.1f}M"
    if usd >= 100_000:
        return f"${usd / 1000:.0f}k"
    if usd >= 10_000:
        return f"${usd / 1000:.1f}k"
    return f"${usd:,.0f}" if usd >= 100 else f"${usd:,.2f}"


def cost_text(cost: CostFigures | None) -> Text:
    """Spend, burn rate and 24 h projection; ``~`` marks an estimate from invocation counts."""
    if cost is None:
        return Text("")
    mark = "~" if cost.estimated else ""
    text = Text(f"{mark}{money(cost.usd)}", style="bold")
    text.append(f"\n{mark}{money(cost.burn_rate_usd_per_hour)}/h → {money(cost.projected_24h_usd)}/24h", style="dim")
    if cost.unknown_models:
        text.append(f"\n+{len(cost.unknown_models)} unpriced model(s)", style="yellow")
    return text


def findings_table(findings: Sequence[Finding]) -> Table:
    """One row per finding, in the order given; a cost column when any finding is priced."""
    priced = any(finding.cost is not None for finding in findings)
    table = Table(title=f"{len(findings)} finding(s)", expand=True, show_lines=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("principal", overflow="fold", ratio=3)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("events", justify="right")
    table.add_column("where", overflow="fold", ratio=2)
    if priced:
        table.add_column("cost (USD)", no_wrap=True, justify="right")
    for finding in findings:
        evidence = finding.evidence
        where = "; ".join(
            part
            for part in (
                _joined(evidence.get("regions")),
                _joined(evidence.get("source_ips")),
                _joined(evidence.get("asns"), limit=2),
                _joined(evidence.get("pods"), limit=2),
                _joined(evidence.get("hosts"), limit=2),
            )
            if part
        )
        cells = [
            Text(finding.severity.value, style=_STYLE[finding.severity]),
            Text(f"{finding.rule_id}\n", style="bold").append(finding.title, style="dim"),
            Text(finding.subject + (f"\n[{finding.key}]" if finding.key else "")),
            Text(_short_time(finding)),
            Text(str(finding.count)),
            Text(where),
        ]
        if priced:
            cells.append(cost_text(finding.cost))
        table.add_row(*cells)
    return table


def incidents_table(incidents: Sequence[Incident]) -> Table:
    """One row per incident: severity, what it is about, when, which providers and models, what it cost."""
    table = Table(title=f"{len(incidents)} incident(s)", expand=True, show_lines=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("incident", overflow="fold", ratio=3)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("timeline", overflow="fold", ratio=3)
    table.add_column("cost (USD)", no_wrap=True, justify="right")
    for incident in incidents:
        what = Text(incident.title, style="bold")
        if incident.models:
            what.append(f"\nmodels: {_joined(list(incident.models))}", style="dim")
        if incident.source_ips:
            what.append(f"\nfrom: {_joined(list(incident.source_ips))}", style="dim")
        steps = "\n".join(
            f"{utc(entry.time).strftime('%H:%M')} {entry.rule_id}" for entry in incident.timeline[:_SHOWN_STEPS]
        )
        if len(incident.timeline) > _SHOWN_STEPS:
            steps += f"\n… {len(incident.timeline) - _SHOWN_STEPS} more"
        table.add_row(
            Text(incident.severity.value, style=_STYLE[incident.severity]),
            what,
            Text(_span(incident.first_seen, incident.last_seen)),
            Text(steps),
            cost_text(incident.cost),
        )
    return table


def _summary(stats: Mapping[str, Any]) -> str:
    """What was read and skipped (for runs that read input), or the other statistics given."""
    if "events_read" not in stats:
        return ", ".join(f"{key}: {value}" for key, value in stats.items())
    lines = [
        f"events read: {stats['events_read']}, skipped: {stats.get('events_skipped', 0)}, "
        f"files read: {stats.get('files_read', 0)}, files failed: {stats.get('files_failed', 0)}"
    ]
    if stats.get("unpriced_models"):
        lines.append(f"  not in the price table (their use is not in any cost): {', '.join(stats['unpriced_models'])}")
    for reason, count in dict(stats.get("skipped_by_reason") or {}).items():
        lines.append(f"  skipped {count} record(s): {reason}")
    for reason, count in dict(stats.get("noted_by_reason") or {}).items():
        lines.append(f"  {count} problem(s) that lose no record: {reason}")
    problems = list(stats.get("problems") or [])
    lines.extend(f"  {problem['location']}: {problem['message']}" for problem in problems[:_SHOWN_PROBLEMS])
    hidden = max(0, len(problems) - _SHOWN_PROBLEMS) + int(stats.get("problems_dropped", 0))
    if hidden:
        lines.append(f"  … {hidden} more problem(s)")
    return "\n".join(lines)


def render_incident_table(incidents: Sequence[Incident], stats: Mapping[str, Any], *, color: bool) -> str:
    """The incidents table followed by the summary, as text (see :func:`render_table` for ``color``)."""
    console, buffer = _console(color)
    console.print(incidents_table(incidents) if incidents else "No incidents.")
    if stats:
        console.print(_summary(stats), highlight=False, markup=False)
    return buffer.getvalue()


def _console(color: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH), buffer


def render_table(
    findings: Sequence[Finding], stats: Mapping[str, Any], *, color: bool, incidents: Sequence[Incident] = ()
) -> str:
    """The findings table, the incidents table (when there are incidents), then the run summary, as text.

    ``color`` means the text goes to a terminal: ANSI colours, at the terminal's width. Otherwise the
    text is plain and :data:`PLAIN_WIDTH` wide, so that principals and rule ids stay on one line.
    """
    console, buffer = _console(color)
    if findings:
        console.print(findings_table(findings))
    else:
        console.print("No findings.")
    if incidents:
        console.print(incidents_table(incidents))
    if stats:
        console.print(_summary(stats), highlight=False, markup=False)
    return buffer.getvalue()
