"""``jackwatch inuse [IMAGE|CONTAINER]``: which installed packages each watched image or host uses."""

from __future__ import annotations

import io
import socket
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.cli.history import parse_duration
from jackwatch.outputs.serialize import iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.runtime import NotInHistory, RootUsage, in_use_report, root_asset
from jackwatch.runtime.timeline import MIN_ID_PREFIX, match_workload
from jackwatch.store import Store
from jackwatch.store.history import SeenContainer
from jackwatch.store.usage import UsageRoot

_STATE_STYLE = {"in_use": "bold red", "unknown": "yellow", "not_seen": "green"}


class InUseFormat(StrEnum):
    """How package use is printed."""

    TABLE = "table"
    JSON = "json"


def inuse(
    target: str | None = typer.Argument(
        None, metavar="[IMAGE|CONTAINER]", help="An image (name, id or ref), a container, or a host (file://HOST/)."
    ),
    learning: str = typer.Option("24h", "--learning", help="Learning period before an unused package is not_seen."),
    ai: bool = typer.Option(False, "--ai", help="Only the AI packages."),
    fmt: InUseFormat = typer.Option(InUseFormat.TABLE, "--format", "-f", case_sensitive=False),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """Show, per watched image (or host), each installed package as in_use (a file of it was opened or run),
    not_seen (the learning period is over and it never was) or unknown (still learning)."""
    period = parse_duration(learning, "--learning")
    with store_at(db) as store:
        roots = None if target is None else _roots_of(store, target)
        report = in_use_report(store, roots=roots, learning=period, ai_only=ai)
    with output_stream(output) as stream:
        if fmt is InUseFormat.JSON:
            body = {"roots": [usage.as_dict() for usage in report]}
            stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(render_usage(report, color=output is None and stream.isatty()).encode())
    return 0


def _roots_of(store: Store, target: str) -> list[UsageRoot]:
    """The watched roots ``target`` names: a root (id prefix, ref, name, image id), else a container's image."""
    wanted = target.strip()
    roots = store.usage_roots()
    found = [root for root in roots if _names_root(root, wanted)]
    if not found:
        containers = match_workload(store.containers(), wanted)
        ids = {root_asset({"container": container_to_record(container)}, container.host).id for container in containers}
        found = [root for root in roots if root.id in ids]
    if not found:
        raise NotInHistory(f"no watched image, host or container matches {target!r}")
    return found


def _names_root(root: UsageRoot, wanted: str) -> bool:
    bare = root.ref.removeprefix("image://").removeprefix("sha256:")
    short = wanted.removeprefix("image://").removeprefix("sha256:")
    by_prefix = len(short) >= MIN_ID_PREFIX and (bare.startswith(short) or root.id.startswith(short))
    return by_prefix or wanted in (root.ref, root.name) or (root.kind == "filesystem" and wanted == _host(root))


def _host(root: UsageRoot) -> str:
    return root.ref.removeprefix("file://").rstrip("/") or socket.gethostname()


def container_to_record(container: SeenContainer) -> dict[str, Any]:
    """The ``container`` object of a record, from a container of the history."""
    values = {
        "id": container.id,
        "name": container.name,
        "image": container.image,
        "image_id": container.image_id,
        "pod": container.pod,
        "namespace": container.namespace,
    }
    return {key: value for key, value in values.items() if value is not None}


def render_usage(report: Sequence[RootUsage], *, color: bool) -> str:
    """One table per watched root: package, version, state, AI category, first and last use, an example file."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    if not report:
        console.print("No package use recorded: run jackwatch sensor run, or jackwatch history import --root/--image.")
    for usage in report:
        root = usage.root
        learning = (
            "learning over"
            if usage.learning_over
            else f"learning until {iso(usage.learning_ends)} (unused packages are unknown)"
        )
        title = (
            f"{escape(root.name)} ({root.kind}) observed {iso(root.observed_since)} → {iso(root.observed_until)}, "
            f"{learning}"
        )
        table = Table(title=title)
        for column in ("package", "version", "state", "AI", "first used", "last used", "file"):
            table.add_column(column)
        for package in usage.packages:
            use = package.use
            style = _STATE_STYLE[package.state.value]
            table.add_row(
                escape(use.name),
                escape(use.version),
                f"[{style}]{package.state.value}[/]",
                package.ai_category or "",
                "" if use.first_used is None else iso(use.first_used),
                "" if use.last_used is None else iso(use.last_used),
                escape(use.example_path or ""),
            )
        console.print(table)
        counts = usage.counts()
        console.print(
            f"{counts['in_use']} in use, {counts['not_seen']} not seen, {counts['unknown']} unknown",
            highlight=False,
            markup=False,
        )
    return buffer.getvalue()
