"""Reading a recorded trace: runtime records as JSON Lines (``jackwatch sensor run --events FILE.jsonl``), plain
or gzip-compressed, from a file or standard input.

A line that is not JSON, not a runtime record, or longer than :data:`MAX_LINE` is reported with its line number
and skipped; blank lines are ignored; the rest is read.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

import orjson

from jackwatch.errors import Location, SourceError
from jackwatch.model.runtime import RuntimeRecord
from jackwatch.runtime.records import record_problem
from jackwatch.sources.stats import ReadStats

MAX_LINE = 4 * 1024 * 1024
"""The longest line read (bytes)."""

STDIN = "-"


def read_trace(source: str, stats: ReadStats) -> Iterator[RuntimeRecord]:
    """The records of the trace at ``source`` (a path, or ``-`` for standard input), in file order."""
    if source == STDIN:
        yield from _records(sys.stdin.buffer, "<stdin>", stats)
        return
    path = Path(source)
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            handle: IO[bytes] = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if compressed else raw
            stats.files_read += 1
            yield from _records(handle, source, stats)
    except (OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
            raise SourceError(f"{source}: cannot read the trace: {error.strerror}") from None
        stats.files_failed += 1
        stats.skip("unreadable", Location(source), f"reading stopped: {error}", 0)


def _records(handle: IO[bytes], name: str, stats: ReadStats) -> Iterator[RuntimeRecord]:
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := handle.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            stats.skip("line_too_long", Location(name, number), f"longer than {MAX_LINE} bytes")
            continue
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            stats.skip("invalid_json", Location(name, number, error.colno), f"not JSON: {error.msg}")
            continue
        problem = record_problem(value)
        if problem is not None:
            stats.skip("invalid_record", Location(name, number), problem)
            continue
        stats.events_read += 1
        yield cast(RuntimeRecord, value)
