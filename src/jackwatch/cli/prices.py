"""``jackwatch prices``: the LLM price table (built-in, with override files), filtered."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from jackwatch.cli.common import EXIT_USAGE
from jackwatch.cost import Price, PriceTableError, Provider, load_price_table
from jackwatch.outputs.table import PLAIN_WIDTH


class PriceFormat(StrEnum):
    """How ``jackwatch prices`` prints the table."""

    TABLE = "table"
    JSON = "json"


_COLUMNS = ("provider", "model", "region class", "input", "output", "cache read", "cache write", "effective", "source")


def prices(
    provider: list[Provider] | None = typer.Option(
        None, "--provider", "-p", help="Only this provider (repeatable).", case_sensitive=False
    ),
    model: str | None = typer.Option(None, "--model", "-m", help="Only models whose id or an alias contains this."),
    fmt: PriceFormat = typer.Option(PriceFormat.TABLE, "--format", "-f", help="Output format.", case_sensitive=False),
    files: list[Path] | None = typer.Option(
        None, "--prices", help="A price file replacing or extending built-in entries (repeatable, applied in order)."
    ),
) -> int:
    """Show the LLM list prices jackwatch uses, in USD per million tokens."""
    try:
        table = load_price_table(files or ())
    except PriceTableError as failure:
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        for error in failure.errors:
            console.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_USAGE) from None
    wanted = set(provider or Provider)
    needle = (model or "").lower()
    shown = [
        price
        for price in table
        if price.provider in wanted and any(needle in name for name in (price.model, *price.aliases))
    ]
    if fmt is PriceFormat.JSON:
        typer.echo(json.dumps({"prices": [_as_dict(price) for price in shown]}, indent=2))
    else:
        _print_table(shown)
    return 0


def _print_table(shown: list[Price]) -> None:
    table = Table(title=f"{len(shown)} price(s), USD per million tokens")
    for column in _COLUMNS:
        numeric = column in ("input", "output", "cache read", "cache write")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for price in shown:
        cells = (
            price.provider.value,
            price.model,
            price.region_class,
            _money(price.input),
            _money(price.output),
            _money(price.cache_read),
            _money(price.cache_write),
            price.effective.isoformat(),
            price.source,
        )
        table.add_row(*(Text(cell) for cell in cells))
    Console(width=None if sys.stdout.isatty() else PLAIN_WIDTH).print(table)


def _money(amount: Decimal | None) -> str:
    """At least two decimal places, more when the price has them (``0.00875``); ``-`` when absent."""
    if amount is None:
        return "-"
    exponent = amount.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{amount:.{places}f}"


def _as_dict(price: Price) -> dict[str, Any]:
    def number(amount: Decimal | None) -> float | None:
        return None if amount is None else float(amount)

    return {
        "provider": price.provider.value,
        "model": price.model,
        "aliases": list(price.aliases),
        "region_class": price.region_class,
        "input_per_million": number(price.input),
        "output_per_million": number(price.output),
        "cache_read_per_million": number(price.cache_read),
        "cache_write_per_million": number(price.cache_write),
        "effective": price.effective.isoformat(),
        "source": price.source,
        "note": price.note,
    }
