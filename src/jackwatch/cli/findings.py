"""``jackwatch findings``: what the store holds, filtered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from jackwatch.cli.common import DbOption, FormatOption, OutputOption, store_at, write_report
from jackwatch.cli.options import parse_moment, parse_severity
from jackwatch.outputs import OutputFormat


def findings(
    rule: str | None = typer.Option(None, "--rule", help="Only this rule id (e.g. aws.bedrock.invoke_probe)."),
    principal: str | None = typer.Option(None, "--principal", help="Only findings about this principal."),
    severity: str | None = typer.Option(None, "--severity", help="Only findings at least this severe."),
    since: str | None = typer.Option(
        None, help="Only findings last seen at or after this time (2026-11-24, ISO time, or 24h/7d)."
    ),
    until: str | None = typer.Option(
        None, help="Only findings first seen at or before this time: with --since, those active in between."
    ),
    limit: int | None = typer.Option(None, min=1, help="At most this many findings."),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List the findings in the store, most severe and most recent first."""
    now = datetime.now(UTC)
    min_severity = parse_severity(severity)
    window = (parse_moment(since, now), parse_moment(until, now))
    with store_at(db) as store:
        found = store.findings(
            rule_id=rule,
            subject=principal,
            min_severity=min_severity,
            since=window[0],
            until=window[1],
            limit=limit,
        )
        write_report(fmt, found, {"findings": len(found), "store": store.url}, output)
    return 0
