"""The rows of one export table to ``llm_usage`` events: format detection, column checks, counting."""

from __future__ import annotations

import zlib
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage import aws_cur, azure_costs, gcp_billing
from jackwatch.sources.usage.currency import UsdConverter
from jackwatch.sources.usage.row import to_event
from jackwatch.sources.usage.schema import RowContext, Schema
from jackwatch.sources.usage.tables import Table, TableBroken

SCHEMAS: tuple[Schema, ...] = (aws_cur.SCHEMA, gcp_billing.SCHEMA, azure_costs.SCHEMA)
"""The export formats read, tried in this order on a file's columns."""


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What one file held: its format (``None`` when not recognised), its rows, and how many were LLM
    usage (read as events, or reported when bad); the others (EC2, storage…) are passed over."""

    origin: str
    kind: str
    format: str | None
    rows: int
    llm_rows: int
    events: int


class NotAnExport(Exception):
    """The columns of a file are not those of a usage export jackwatch reads."""


def detect(keys: tuple[str, ...]) -> Schema | None:
    """The export format of a file with these column keys, if any."""
    return next((schema for schema in SCHEMAS if schema.matches(keys)), None)


def table_events(
    table: Table, origin: str, stats: ReadStats, rates: Mapping[str, Decimal]
) -> Generator[Event, None, FileSummary]:
    """The events of a table's LLM rows; returns its summary. A bad LLM row is reported and left out;
    a file of no known format, or lacking required columns, is reported and not read (it counts as failed);
    costs left in another currency than USD are reported once per currency."""
    schema = detect(table.keys)
    if schema is None:
        raise NotAnExport(f"{table.kind} with columns that are not of a usage export jackwatch reads")
    missing = schema.missing(table.keys)
    if missing:
        stats.files_failed += 1
        message = f"not read: this {schema.label} {table.kind} lacks the column(s) {', '.join(missing)}"
        stats.skip("missing_column", Location(origin, 1), message, records=0)
        return FileSummary(origin, table.kind, schema.label, 0, 0, 0)
    converter = UsdConverter(rates)
    rows = llm_rows = events = 0
    try:
        for line, cells in table.rows(schema.spellings):
            rows += 1
            context = RowContext(origin, line, converter, stats)
            try:
                row = schema.parse(schema.pick(cells), context)
            except RecordError as exc:
                llm_rows += 1
                stats.skip(exc.reason, Location(origin, line), exc.message)
                continue
            if row is not None:
                llm_rows += 1
                events += 1
                stats.events_read += 1
                yield to_event(row)
    except TableBroken as exc:
        _broken(stats, origin, exc.reason, exc.message)
    except (OSError, EOFError, zlib.error) as exc:
        _broken(stats, origin, "unreadable", f"read failed after {rows} rows: {exc}")
    else:
        stats.files_read += 1
    converter.report(stats, origin)
    return FileSummary(origin, table.kind, schema.label, rows, llm_rows, events)


def _broken(stats: ReadStats, origin: str, reason: str, message: str) -> None:
    stats.files_failed += 1
    stats.skip(reason, Location(origin), message, records=0)
