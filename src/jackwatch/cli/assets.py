"""``jackwatch assets``: what the store knows exists — scanned images, directories and SBOMs, and their packages."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.outputs.serialize import iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.store import StoredAsset


class AssetFormat(StrEnum):
    """How assets are listed."""

    TABLE = "table"
    JSON = "json"


def assets(
    kind: str | None = typer.Option(
        None, "--kind", help="Only assets of this kind: image, filesystem, sbom or package."
    ),
    fmt: AssetFormat = typer.Option(AssetFormat.TABLE, "--format", "-f", help="table or json.", case_sensitive=False),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List the assets in the store: what each scan found (the image, directory or SBOM, and every package in it,
    AI packages marked), with when it was first and last seen."""
    with store_at(db) as store:
        listed = store.assets(kind=kind.strip().lower() if kind else None)
        everything = listed if kind is None else store.assets()
        stats = {"assets": len(listed), "store": store.url}
    names = {asset.id: asset.name for asset in everything}
    with output_stream(output) as stream:
        if fmt is AssetFormat.JSON:
            body = {"assets": [asset_to_dict(asset) for asset in listed], "stats": stats}
            stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(assets_table(listed, names, stats, color=output is None and stream.isatty()).encode())
    return 0


def asset_to_dict(asset: StoredAsset) -> dict[str, Any]:
    """A stored asset as JSON: ``parent`` is the id of the asset it belongs to."""
    return {
        "id": asset.id,
        "kind": asset.kind,
        "ref": asset.ref,
        "name": asset.name,
        "version": asset.version,
        "purl": asset.purl,
        "parent": asset.parent,
        "target": asset.target,
        "first_seen": iso(asset.first_seen),
        "last_seen": iso(asset.last_seen),
        "attrs": dict(asset.attrs),
    }


def assets_table(
    listed: Sequence[StoredAsset], names: Mapping[str, str], stats: Mapping[str, Any], *, color: bool
) -> str:
    """The assets as a rich table (the parent by name), then their count and the store."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    if listed:
        table = Table(title="Assets")
        for column in ("kind", "name", "version", "AI", "in", "last seen (UTC)", "id"):
            table.add_column(column)
        for asset in listed:
            table.add_row(
                asset.kind,
                escape(asset.name),
                escape(asset.version or ""),
                _ai(asset.attrs),
                escape(names.get(asset.parent, asset.parent) if asset.parent else ""),
                iso(asset.last_seen)[:16].replace("T", " "),
                asset.id[:12],
            )
        console.print(table)
    else:
        console.print("No assets: run jackwatch scan fs|image|sbom first.")
    console.print(f"{stats['assets']} asset(s) in {stats['store']}", highlight=False, markup=False)
    return buffer.getvalue()


def _ai(attrs: Mapping[str, Any]) -> str:
    if not attrs.get("ai"):
        return ""
    category = attrs.get("category")
    return str(category) if category else "yes"
