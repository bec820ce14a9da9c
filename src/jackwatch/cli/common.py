"""Pieces shared by the commands: option declarations, output writing, store opening, exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import typer

from jackwatch.correlate.incidents import Incident
from jackwatch.errors import ConfigError
from jackwatch.model import Finding, Severity
from jackwatch.outputs import OutputFormat, render
from jackwatch.store import Store, open_store, resolve_db_url

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

DbOption = typer.Option(
    None,
    "--db",
    help="Store URL or SQLite path (default: $JACKWATCH_DB, else a SQLite file in the user data dir).",
)
FormatOption = typer.Option(OutputFormat.TABLE, "--format", "-f", help="Output format.", case_sensitive=False)
OutputOption = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout.")


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then most recent."""
    return sorted(findings, key=lambda f: (-f.severity.rank, -f.last_seen.timestamp(), f.rule_id, f.subject))


@contextmanager
def output_stream(path: Path | None) -> Iterator[IO[bytes]]:
    """The file at ``path`` (created, with its folders), or stdout; a file that cannot be created is a
    :class:`ConfigError`."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("wb")
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {path}: {exc.strerror or exc}") from None
    with stream:
        yield stream


def write_report(
    fmt: OutputFormat,
    findings: Sequence[Finding],
    stats: Mapping[str, Any],
    output: Path | None,
    incidents: Sequence[Incident] = (),
) -> None:
    """Render the report in ``fmt`` to ``output`` (or stdout, in colour on a terminal)."""
    with output_stream(output) as stream:
        render(fmt, ordered(findings), stats, stream, color=use_color(fmt, output), incidents=incidents)


def use_color(fmt: OutputFormat, output: Path | None) -> bool:
    """Whether a report is written in colour: a table going to a terminal."""
    return output is None and fmt is OutputFormat.TABLE and sys.stdout.isatty()


def store_url(db: str | None) -> str:
    """The URL of the store named by ``--db`` / ``$JACKWATCH_DB`` / the default location (checked, not opened)."""
    return resolve_db_url(db, os.environ)


def store_at(db: str | None) -> Store:
    """Open the store named by ``--db`` / ``$JACKWATCH_DB`` / the default location."""
    return open_store(store_url(db))


def exit_code(findings: Sequence[Finding], fail_on: Severity | None, input_failed: bool) -> int:
    """2 if some input could not be read, else 1 if a finding reached ``fail_on``, else 0."""
    if input_failed:
        return EXIT_USAGE
    if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK
