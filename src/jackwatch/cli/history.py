"""``jackwatch history``: load a recorded runtime trace into the store, prune the history past its retention."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer

from jackwatch.cli.common import EXIT_OK, EXIT_USAGE, DbOption, store_at
from jackwatch.errors import ConfigError
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.image import open_image
from jackwatch.inventory.scan import image_asset, path_asset
from jackwatch.runtime import FixedRoot, RuntimeRecorder
from jackwatch.runtime.packages import DirectoryIndex, RootIndex
from jackwatch.runtime.trace import read_trace
from jackwatch.sources.stats import ReadStats

app = typer.Typer(
    help="The process history: load a recorded runtime trace, prune what is older than the retention.",
    no_args_is_help=True,
)

_DURATION = re.compile(r"\s*(\d+)\s*([smhdw])\s*")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
RETENTION_HELP = "How long the history is kept: 7d, 36h, 2w (counted back from its newest event)."


class SummaryFormat(StrEnum):
    """How a command's summary is printed."""

    TABLE = "table"
    JSON = "json"


def parse_duration(text: str, option: str) -> timedelta:
    """``30m``, ``24h``, ``7d``, ``2w`` as a positive duration; :class:`typer.BadParameter` otherwise."""
    found = _DURATION.fullmatch(text)
    if found is None or int(found[1]) == 0:
        raise typer.BadParameter(f"{option} {text!r} is not a positive duration such as 30m, 24h, 7d or 2w")
    return timedelta(**{_UNITS[found[2]]: int(found[1])})


@app.command("import")
def import_trace(
    trace: str = typer.Argument(
        ...,
        metavar="TRACE",
        help="Runtime records as JSON Lines (plain or gzip): a file, a directory of them, or - for stdin.",
    ),
    root: Path | None = typer.Option(
        None, "--root", help="The directory the trace's processes ran from: their package use is recorded."
    ),
    image: Path | None = typer.Option(
        None, "--image", help="The image archive the trace's processes ran from: their package use is recorded."
    ),
    host: str | None = typer.Option(None, "--host", help="Host name of records that do not say (default: this one)."),
    retention: str = typer.Option("7d", "--retention", help=RETENTION_HELP),
    fmt: SummaryFormat = typer.Option(SummaryFormat.TABLE, "--format", "-f", case_sensitive=False),
    db: str | None = DbOption,
) -> int:
    """Load a recorded trace (``jackwatch sensor run --events FILE``) into the process history; with --root or
    --image, also which installed packages its processes used."""
    keep = parse_duration(retention, "--retention")
    if root is not None and image is not None:
        raise ConfigError("give --root or --image, not both")
    stats = ReadStats()
    fixed = _fixed_root(root, image)
    with store_at(db) as store:
        run = store.start_run("history import", [trace])
        recorder = RuntimeRecorder(store, retention=keep, roots=fixed, host=host, origin=trace)
        recorder.add_all(read_trace(trace, stats))
        written = {key: value for key, value in recorder.summary().items() if key not in stats.as_dict()}
        summary = {"trace": trace, "root": None if fixed is None else fixed.asset.ref, **written, **stats.as_dict()}
        store.finish_run(run, summary)
        summary["store"] = store.url
    _print_summary(summary, fmt)
    return EXIT_USAGE if stats.files_failed else EXIT_OK


@app.command("prune")
def prune(
    retention: str = typer.Option("7d", "--retention", help=RETENTION_HELP),
    fmt: SummaryFormat = typer.Option(SummaryFormat.TABLE, "--format", "-f", case_sensitive=False),
    db: str | None = DbOption,
) -> int:
    """Delete the runtime events older than the retention and the processes not seen within it."""
    keep = parse_duration(retention, "--retention")
    with store_at(db) as store:
        pruned = store.prune_history(keep)
        summary = {
            "retention_days": keep / timedelta(days=1),
            "cutoff": None if pruned.cutoff is None else pruned.cutoff.isoformat().replace("+00:00", "Z"),
            "events_deleted": pruned.events,
            "processes_deleted": pruned.processes,
            "store": store.url,
        }
    _print_summary(summary, fmt)
    return EXIT_OK


def _fixed_root(root: Path | None, image: Path | None) -> FixedRoot | None:
    if root is not None:
        DirectoryRoot(root)  # checks that it is a directory
        asset = path_asset("filesystem", root)
        return FixedRoot(asset, DirectoryIndex(str(root.resolve()), ReadStats(), asset.name))
    if image is not None:
        with open_image(image) as opened:
            return FixedRoot(image_asset(opened), RootIndex(opened, ReadStats()))
    return None


def _print_summary(summary: dict[str, Any], fmt: SummaryFormat) -> None:
    if fmt is SummaryFormat.JSON:
        typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        return
    for key, value in summary.items():
        if key in ("problems", "skipped_by_reason", "noted_by_reason") and not value:
            continue
        if key == "problems":
            for problem in value:
                typer.echo(f"  {problem['location']}: {problem['reason']}: {problem['message']}")
            continue
        typer.echo(f"{key}: {value}")
