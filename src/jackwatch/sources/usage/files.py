"""Billing export files and directories to ``llm_usage`` events, the format sniffed from the content.

Parquet is known by its magic bytes; gzip is decompressed on the fly (whatever the name); then a
first ``{`` means JSON Lines, anything else CSV; the columns tell which export it is.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, cast

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.convert import FileSummary, NotAnExport, table_events
from jackwatch.sources.usage.currency import checked_rates
from jackwatch.sources.usage.tables import Table, TableBroken, csv_table, json_lines_table, parquet_table

EXPORT_SUFFIXES = (".csv", ".parquet", ".json", ".jsonl", ".ndjson", ".gz")
"""Files a directory walk reads; name any other file explicitly to read it."""

OnFile = Callable[[FileSummary], None]

_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 512
_NOT_AN_EXPORT = "not_an_export"
_SHOWN_NAMES = 5


def read_usage_files(
    paths: Sequence[Path],
    stats: ReadStats,
    *,
    rates: Mapping[str, Decimal] | None = None,
    on_file: OnFile | None = None,
) -> Iterator[Event]:
    """The ``llm_usage`` events of billing export files, and of the export files under directories.

    Directories are walked recursively in name order (symbolic links to directories are not followed);
    there, only files named like exports (:data:`EXPORT_SUFFIXES`) are read, and those whose content is
    not a usage export (CUR manifests…) are reported once per directory. ``rates`` converts other
    currencies to USD (``{"EUR": Decimal("1.08")}``: 1 EUR = 1.08 USD; a bad rate raises
    :class:`~jackwatch.errors.ConfigError`). ``on_file`` receives each file's :class:`FileSummary`.
    """
    checked = checked_rates(rates or {})
    for path in paths:
        if path.is_dir():
            yield from _read_directory(path, stats, checked, on_file)
        else:
            yield from _read_path(path, stats, checked, on_file, named=True)


def read_usage_stream(
    stream: BinaryIO,
    origin: str,
    stats: ReadStats,
    *,
    rates: Mapping[str, Decimal] | None = None,
) -> Generator[Event, None, FileSummary]:
    """The events of one export read from a binary ``stream`` (``origin`` names it in messages); returns
    the file's summary. A stream that can neither peek nor seek is read into memory first. Raises
    :class:`NotAnExport` when the content is not an export jackwatch reads (nothing is counted then)."""
    checked = checked_rates(rates or {})
    try:
        source = _peekable(stream)
        if _head(source, 2) == _GZIP_MAGIC:
            source = cast(BinaryIO, gzip.GzipFile(fileobj=source, mode="rb"))
        table = _open_table(source, origin, stats)
    except TableBroken as exc:
        return _unreadable(stats, origin, exc.reason, exc.message)
    except (OSError, EOFError, zlib.error) as exc:
        return _unreadable(stats, origin, "unreadable", f"cannot read: {exc}")
    try:
        return (yield from table_events(table, origin, stats, checked))
    finally:
        table.release()


def _unreadable(stats: ReadStats, origin: str, reason: str, message: str) -> FileSummary:
    stats.files_failed += 1
    stats.skip(reason, Location(origin), message, records=0)
    return FileSummary(origin, "unknown", None, 0, 0, 0)


def _read_directory(
    root: Path, stats: ReadStats, rates: Mapping[str, Decimal], on_file: OnFile | None
) -> Iterator[Event]:
    left_out: list[str] = []
    for path in _walk(root, stats):
        named_like_export = path.name.lower().endswith(EXPORT_SUFFIXES)
        if not named_like_export or not (yield from _read_path(path, stats, rates, on_file, named=False)):
            left_out.append(path.name)
    if left_out:
        shown = ", ".join(left_out[:_SHOWN_NAMES]) + (", …" if len(left_out) > _SHOWN_NAMES else "")
        message = f"{len(left_out)} file(s) left out, not usage exports by name or content: {shown}"
        stats.skip("ignored", Location(str(root)), message, records=0)


def _read_path(
    path: Path, stats: ReadStats, rates: Mapping[str, Decimal], on_file: OnFile | None, *, named: bool
) -> Generator[Event, None, bool]:
    """The events of one file; returns ``False`` when it is not a usage export (reported if ``named``)."""
    origin = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, around a generator
    except OSError as exc:
        stats.files_failed += 1
        stats.skip("unreadable", Location(origin), f"cannot open: {exc.strerror or exc}", records=0)
        return True
    with handle:
        try:
            summary = yield from read_usage_stream(handle, origin, stats, rates=rates)
        except NotAnExport as exc:
            if named:
                stats.files_failed += 1
                stats.skip(_NOT_AN_EXPORT, Location(origin), f"not read: {exc}", records=0)
            return False
    if on_file is not None:
        on_file(summary)
    return True


def _walk(directory: Path, stats: ReadStats) -> Iterator[Path]:
    """The regular files under ``directory``, depth first in name order."""
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        stats.skip("unreadable", Location(str(directory)), f"cannot list the directory: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), stats)
        elif entry.is_file():
            yield Path(entry.path)
        elif entry.is_symlink() and entry.is_dir():
            stats.skip("ignored", Location(entry.path), "symbolic link to a directory, not followed", records=0)
        else:
            stats.skip("unreadable", Location(entry.path), "not a regular file", records=0)


def _open_table(source: BinaryIO, origin: str, stats: ReadStats) -> Table:
    def report(reason: str, line: int, message: str) -> None:
        stats.skip(reason, Location(origin, line), message)

    if _head(source, 4) == _PARQUET_MAGIC:
        return parquet_table(source if source.seekable() else io.BytesIO(source.read()))
    text = _head(source, _SNIFF_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return json_lines_table(source, report)
    if text.startswith(b"["):
        raise NotAnExport("a JSON array: export the billing data as newline-delimited JSON (JSON Lines)")
    return csv_table(source, report)


def _peekable(stream: BinaryIO) -> BinaryIO:
    if hasattr(stream, "peek") or stream.seekable():
        return stream
    return io.BytesIO(stream.read())


def _head(stream: BinaryIO, size: int) -> bytes:
    """The first ``size`` bytes (fewer at the end), without consuming them."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        data: bytes = peek(size)
        return data[:size]
    position = stream.tell()
    data = stream.read(size)
    stream.seek(position)
    return data
