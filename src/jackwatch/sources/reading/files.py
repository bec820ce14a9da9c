"""Records from local files, directory trees and standard input."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.reading.blob import EventStream, read_events
from jackwatch.sources.reading.chunks import StreamBroken, stream_chunks
from jackwatch.sources.reading.context import ReadContext
from jackwatch.sources.reading.layout import Tally, Verdict, folder
from jackwatch.sources.reading.records import Converter

STDIN = "<stdin>"


def check_path(path: Path) -> None:
    """Raise :class:`~jackwatch.errors.SourceError` when an input path is missing or not readable (before reading)."""
    try:
        is_dir = stat.S_ISDIR(path.stat().st_mode)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    if not os.access(path, os.R_OK | (os.X_OK if is_dir else 0)):
        raise SourceError(f"{path}: permission denied")


def read_path(path: Path, context: ReadContext) -> Iterator[Event]:
    """Events of one file (any name, any kind: a FIFO is read too), or of the log files under a directory.

    A directory is walked recursively; in the ``AWSLogs`` layout, folders of other services and dated
    folders outside the time window are not entered (the format's layout decides). Files that are not
    logs by name, digests and non-regular files are left out and reported once. The files are read in
    the format's order (delivery order across regions and accounts:
    :func:`~jackwatch.sources.reading.layout.delivery_order`).
    """
    if path.is_dir():
        tally = Tally(str(path), context.format.label)
        for file in context.format.order(_walk(str(path), context, tally)):
            yield from read_file(file, context)
        tally.report(context.stats)
    else:
        yield from read_file(str(path), context)


def read_file(path: str, context: ReadContext) -> EventStream:
    """Events of one file, gzipped or not."""
    context.progress(path)
    converter = Converter(path, context)
    return (yield from read_events(_file_chunks(path), converter, context.options.stream_threshold))


def read_stdin(context: ReadContext) -> EventStream:
    """Events of the binary standard input (or ``options.stdin``), gzipped or not."""
    stream = context.options.stdin if context.options.stdin is not None else sys.stdin.buffer
    context.progress(STDIN)
    converter = Converter(STDIN, context)
    return (yield from read_events(stream_chunks(stream), converter, context.options.stream_threshold))


def _file_chunks(path: str) -> Iterator[bytes]:
    """The bytes of a file; failing to open or read it raises :class:`StreamBroken`. The file is read without a
    buffer: reads are of a whole chunk anyway, and a buffered reader costs more to make than a small log to read."""
    try:
        with open(path, "rb", buffering=0) as handle:
            yield from stream_chunks(handle)
    except OSError as exc:
        raise StreamBroken("unreadable", f"cannot open: {exc.strerror or exc}") from None


def _walk(directory: str, context: ReadContext, tally: Tally) -> Iterator[str]:
    """The log files under ``directory``, depth first in name order."""
    stats = context.stats
    layout = context.format.layout
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        stats.skip("unreadable", Location(directory), f"cannot list the directory: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            place = folder(entry.path + "/")
            verdict = Verdict.READ if place is None else layout.folder_verdict(place, context.window)
            if verdict is Verdict.READ:
                yield from _walk(entry.path, context, tally)
            else:
                tally.note(verdict, entry.name)
            continue
        if entry.is_symlink() and entry.is_dir():
            stats.skip("ignored", Location(entry.path), "symbolic link to a directory, not followed", records=0)
            continue
        verdict = layout.file_verdict(entry.path, context.window)
        tally.note(verdict, entry.name)
        if verdict is not Verdict.READ:
            continue
        if not entry.is_file():
            stats.files_failed += 1
            stats.skip("unreadable", Location(entry.path), "not a regular file (FIFO, socket, device or broken link)")
            continue
        yield entry.path
