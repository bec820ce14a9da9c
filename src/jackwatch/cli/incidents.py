"""``jackwatch incidents``: the findings in the store grouped into incidents, with their timeline and cost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at, use_color
from jackwatch.cli.options import parse_moment
from jackwatch.correlate.incidents import DEFAULT_WINDOW, find_incidents
from jackwatch.outputs import OutputFormat
from jackwatch.outputs.formats import IncidentFormat, render_incidents
from jackwatch.rules.stateful import format_duration, parse_duration


def incidents(
    since: str | None = typer.Option(
        None, help="Only findings last seen at or after this time (2026-11-24, ISO time, or 24h/7d)."
    ),
    until: str | None = typer.Option(None, help="Only findings first seen at or before this time."),
    window: str = typer.Option(
        format_duration(DEFAULT_WINDOW),
        help="Findings sharing a principal, key, IP or network and client at most this far apart are one incident.",
    ),
    fmt: IncidentFormat = typer.Option(
        IncidentFormat.TABLE, "--format", "-f", help="Output format.", case_sensitive=False
    ),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List incidents: findings about the same key, principal or attacker infrastructure, across providers, with
    their timeline, the providers and models touched, and what the abuse cost (spent, per hour, over 24 h)."""
    now = datetime.now(UTC)
    try:
        gap = parse_duration(window)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--window") from None
    with store_at(db) as store:
        found = find_incidents(store.findings(since=parse_moment(since, now), until=parse_moment(until, now)), gap)
        stats = {"incidents": len(found), "store": store.url}
    with output_stream(output) as stream:
        chosen = OutputFormat(fmt.value)
        render_incidents(chosen, found, stats, stream, color=use_color(chosen, output))
    return 0
