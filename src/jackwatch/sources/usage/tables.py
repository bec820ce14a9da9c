"""The rows of an export file, whatever holds them: CSV, Parquet or JSON Lines, streamed.

A :class:`Table` gives the file's column keys (:func:`~jackwatch.sources.usage.values.column_key`) and
then its rows, each with its line (CSV and JSON Lines: the line it starts on; Parquet: the row number),
restricted to the columns asked for. A row that cannot be read is reported through ``report`` and
left out; a file that cannot be read on raises :class:`TableBroken`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

import orjson

from jackwatch.sources.usage.values import column_key

Cells = Mapping[str, object]
Rows = Iterator[tuple[int, Cells]]
Report = Callable[[str, int, str], None]
"""``report(reason, line, message)``: a row that is left out."""

PARQUET_BATCH_ROWS = 8192
"""Rows decoded at a time from a Parquet file: memory stays bounded whatever its size."""
_FLATTEN_DEPTH = 3
_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd"


class TableBroken(Exception):
    """The file cannot be read (any further); ``reason`` is the :class:`ReadStats` counter."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _keep_open() -> None:
    """Nothing to release."""


@dataclass(frozen=True, slots=True)
class Table:
    """An open export file: ``kind`` (``CSV``…), its column keys, ``rows(wanted)`` of those columns, and
    ``release()`` to call when done, which leaves the underlying binary stream open."""

    kind: str
    keys: tuple[str, ...]
    rows: Callable[[frozenset[str]], Rows]
    release: Callable[[], object] = _keep_open


def csv_table(source: BinaryIO, report: Report) -> Table:
    """The table of a CSV stream whose first line is the header, read as UTF-8 (a byte order mark is
    skipped) with ``errors="replace"``: a row with bytes that are not UTF-8 in a column read is reported
    and left out."""
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise TableBroken("invalid_csv", f"cannot read the CSV header: {exc}") from None
    keys = tuple(column_key(name) for name in header or ())

    def rows(wanted: frozenset[str]) -> Rows:
        picks = [(index, key) for index, key in enumerate(keys) if key in wanted]
        last = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                report("invalid_csv", last + 1, f"not a CSV row: {exc}")
                last = reader.line_num
                continue
            line, last = last + 1, reader.line_num
            if not values:
                continue
            if len(values) != len(keys):
                report("invalid_csv", line, f"{len(values)} fields where the header has {len(keys)}")
                continue
            cells = {key: values[index] for index, key in picks}
            if any(_REPLACEMENT in value for value in cells.values()):
                report("invalid_utf8", line, "not UTF-8 text")
                continue
            yield line, cells

    return Table("CSV", keys, rows, text.detach)


def parquet_table(source: BinaryIO) -> Table:
    """The table of a Parquet file (``source`` must be seekable), decoded batch by batch; struct columns
    (a BigQuery extract's ``service``) are flattened like JSON objects (``service_description``)."""
    import pyarrow  # loaded only for Parquet input
    import pyarrow.parquet as parquet

    try:
        file = parquet.ParquetFile(source)
    except (pyarrow.ArrowException, OSError) as exc:
        raise TableBroken("unreadable", f"not a readable Parquet file: {exc}") from None

    def keys_of(field: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
        """The column keys of an Arrow field: its own, or its children's for a struct."""
        key = column_key(f"{prefix}.{field.name}" if prefix else field.name)
        if pyarrow.types.is_struct(field.type) and depth < _FLATTEN_DEPTH:
            for index in range(field.type.num_fields):
                yield from keys_of(field.type.field(index), key, depth + 1)
        else:
            yield key

    columns: dict[str, list[str]] = {field.name: list(keys_of(field)) for field in file.schema_arrow}
    keys = tuple(key for column_keys in columns.values() for key in column_keys)

    def rows(wanted: frozenset[str]) -> Rows:
        read = [name for name, column_keys in columns.items() if not wanted.isdisjoint(column_keys)]
        line = 0
        try:
            for batch in file.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=read):
                for cells in batch.to_pylist():
                    line += 1
                    yield line, flatten(cells)
        except (pyarrow.ArrowException, OSError) as exc:
            raise TableBroken("unreadable", f"Parquet data unreadable after row {line}: {exc}") from None

    return Table("Parquet", keys, rows)


JSON_KEY_ROWS = 1000
"""The leading objects of a JSON Lines export whose keys make its columns: a row may leave a nested object null (a
GCP tax or adjustment row has ``"project": null``), so one row does not tell them all."""


def json_lines_table(stream: BinaryIO, report: Report) -> Table:
    """The table of a JSON Lines stream of objects (nested objects flattened to ``service_description``);
    its column keys are those of its first :data:`JSON_KEY_ROWS` objects, in the order they first appear."""
    lines = enumerate(stream, start=1)
    leading: list[tuple[int, bytes]] = []  # read ahead for the keys, and read again (reported) as rows
    keys: dict[str, None] = {}
    objects = 0
    for number, line in lines:
        leading.append((number, line.removeprefix(_BOM) if number == 1 else line))
        cells = _json_object(leading[-1][1], number, _unreported)
        if cells is not None:
            keys.update(dict.fromkeys(cells))
            objects += 1
            if objects == JSON_KEY_ROWS:
                break

    def rows(_wanted: frozenset[str]) -> Rows:
        for number, line in chain(leading, lines):
            cells = _json_object(line, number, report)
            if cells is not None:
                yield number, cells

    return Table("JSON Lines", tuple(keys), rows)


def _unreported(_reason: str, _line: int, _message: str) -> None:
    """Problems of a row read ahead: it is reported when read as a row."""


def _json_object(line: bytes, number: int, report: Report) -> dict[str, object] | None:
    if not line.strip():
        return None
    try:
        value: Any = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        report("invalid_json", number, f"not JSON: {exc}")
        return None
    if not isinstance(value, dict):
        report("not_an_object", number, "not a JSON object")
        return None
    return flatten(value)


def flatten(record: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, object]:
    """Nested objects as keyed columns: ``{"usage": {"amount": 5}}`` → ``{"usage_amount": 5}`` (arrays
    and objects nested deeper than a few levels are kept as values)."""
    flat: dict[str, object] = {}
    for name, value in record.items():
        key = column_key(f"{prefix}.{name}" if prefix else str(name))
        if isinstance(value, Mapping) and depth < _FLATTEN_DEPTH:
            flat.update(flatten(value, key, depth + 1))
        else:
            flat[key] = value
    return flat
