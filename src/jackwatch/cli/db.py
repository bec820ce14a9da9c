"""``jackwatch db``: the vulnerability advisory database — its status, and updates from osv.dev or local exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.http import RetryPolicy
from jackwatch.sources.stats import Problem
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.dbfile import DbInfo, user_path
from jackwatch.vulns.kev import KevCatalog
from jackwatch.vulns.update import MAX_DOWNLOAD_BYTES, OSV_BASE_URL, update_database

app = typer.Typer(help="The vulnerability advisory database: status and updates.", no_args_is_help=True)

STALE_DAYS = 30
"""Advisory data older than this is reported as stale."""

SHOWN_PROBLEMS = 20


class StatusFormat(StrEnum):
    """How ``jackwatch db status`` prints."""

    TABLE = "table"
    JSON = "json"


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def status(
    fmt: StatusFormat = typer.Option(StatusFormat.TABLE, "--format", "-f", help="Output format.", case_sensitive=False),
) -> int:
    """Show which advisory database is used, where its data comes from, how much it holds and how old it is."""
    db = AdvisoryDb.load()
    kev = db.kev if db.kev is not None else KevCatalog.load()
    info = db.info
    age = (datetime.now(UTC) - info.updated).days if info.updated else None
    stale = age is None or age > STALE_DAYS
    if fmt is StatusFormat.JSON:
        typer.echo(json.dumps(_status_dict(info, kev, age, stale), indent=2))
    else:
        _print_status(info, kev, age)
    if stale:
        when = f"{age} days old" if age is not None else "of unknown age"
        _stderr().print(
            f"[yellow]warning:[/] the advisory data is {when} (more than {STALE_DAYS} days): run `jackwatch db update`"
        )
    return 0


def _status_dict(info: DbInfo, kev: KevCatalog, age: int | None, stale: bool) -> dict[str, Any]:
    return {
        "database": {
            "path": info.origin,
            "bundled": info.bundled,
            "updated": info.updated.isoformat() if info.updated else None,
            "age_days": age,
            "stale": stale,
            "sources": list(info.sources),
            "ecosystems": {
                name: {"advisories": advisories, "packages": packages}
                for name, (advisories, packages) in info.counts.items()
            },
            "import": info.imported,
        },
        "kev": {"path": kev.origin, "catalog_version": kev.version, "released": kev.released, "cves": len(kev)},
    }


def _print_status(info: DbInfo, kev: KevCatalog, age: int | None) -> None:
    kind = "bundled with jackwatch" if info.bundled else "written by `jackwatch db update`"
    updated = f"{info.updated:%Y-%m-%d %H:%M} UTC ({age} days ago)" if info.updated else "unknown"
    rows = [("database", f"{info.origin} ({kind})"), ("data as of", updated)]
    rows += [("source", f"{source['origin']} — {source['license']}") for source in info.sources]
    for ecosystem in Ecosystem:
        advisories, packages = info.counts.get(ecosystem.value, (0, 0))
        rows.append((ecosystem.value, f"{advisories} advisories, {packages} packages"))
    imported = info.imported
    if imported:
        skipped = _counts(imported.get("skipped_by_reason", {}))
        ignored = _counts(imported.get("ignored", {}))
        rows.append(
            ("import", f"{imported.get('events_read', 0)} records read; skipped: {skipped}; ignored: {ignored}")
        )
    rows.append(("KEV catalog", f"{kev.version or 'unknown version'}, {len(kev)} CVEs ({kev.origin})"))
    console = Console(highlight=False, soft_wrap=True)
    for label, value in rows:
        console.print(f"{label:<12} {escape(value)}")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items())) or "none"


@app.command()
def update(
    ecosystems: list[Ecosystem] | None = typer.Option(
        None, "--ecosystem", "-e", help="Only this ecosystem (repeatable; default: PyPI and npm).", case_sensitive=False
    ),
    url: str = typer.Option(OSV_BASE_URL, "--url", help="Base URL of the OSV exports (`<URL>/<ecosystem>/all.zip`)."),
    sources: list[Path] | None = typer.Option(
        None,
        "--from",
        help="Import this local OSV export instead of downloading: a zip, a directory or a record file (repeatable).",
    ),
    max_bytes: int = typer.Option(MAX_DOWNLOAD_BYTES, "--max-bytes", min=1, help="Largest archive downloaded."),
    retries: int = typer.Option(
        RetryPolicy().attempts - 1,
        "--retries",
        min=0,
        help="Retries of a download that fails in a way that may pass (connection, timeout, HTTP 429 or 5xx).",
    ),
) -> int:
    """Download osv.dev's advisories (or import local exports) and replace the user's advisory database."""
    wanted = list(dict.fromkeys(ecosystems or Ecosystem))
    console = _stderr()
    result = update_database(
        user_path(),
        wanted,
        base_url=url,
        local=sources or (),
        max_bytes=max_bytes,
        retry=RetryPolicy(attempts=retries + 1),
        notify=lambda message: console.print(f"[yellow]retrying[/] {escape(message)}"),
    )
    read = result.stats.read
    _print_problems(console, read.problems, read.problems_dropped)
    imported = ", ".join(f"{count} {name}" for name, count in sorted(result.stats.imported.items()))
    console.print(
        f"{escape(str(result.path))}: {result.advisories} advisories ({imported}) from {read.events_read} records; "
        f"{read.events_skipped} skipped, ignored: {_counts(dict(result.stats.ignored))}"
    )
    for source in result.sources:
        digest = f" sha256 {source['sha256']}" if source["sha256"] else ""
        console.print(f"  from {escape(source['origin'])}{digest}")
    return 0


def _print_problems(console: Console, problems: list[Problem], dropped: int) -> None:
    for problem in problems[:SHOWN_PROBLEMS]:
        console.print(
            f"[yellow]skipped[/] {escape(str(problem.location))}: {problem.reason}: {escape(problem.message)}"
        )
    hidden = len(problems) - SHOWN_PROBLEMS + dropped
    if hidden > 0:
        console.print(f"… and {hidden} more problem(s)")
