"""What the tests of the log sources share: log files as the providers write them, a reader that returns the
events and stats of a read, and the error of a record with a field changed."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from jackwatch.model import Event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.stats import ReadStats

RecordFactory = Callable[..., dict[str, Any]]
Reader = Callable[..., tuple[list[Event], ReadStats]]


def json_lines(records: Iterable[object]) -> bytes:
    """JSON Lines: one compact JSON document a line."""
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def gzipped_lines(records: Iterable[object]) -> bytes:
    return gzip.compress(json_lines(records))


def put(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path``, its folders made as needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def reader_of(read_source: Callable[..., Iterator[Event]]) -> Reader:
    """``read(specs, **kwargs) -> (events, stats)``: every event ``read_source`` gives for ``specs`` (paths or
    text), with the default read options unless ``options`` is given."""

    def read(specs: Sequence[str | Path], **kwargs: Any) -> tuple[list[Event], ReadStats]:
        stats = ReadStats()
        kwargs.setdefault("options", ReadOptions())
        events = list(read_source([str(spec) for spec in specs], stats, **kwargs))
        return events, stats

    return read


def rejection(
    to_event: Callable[[Any, str], Event], raw: dict[str, Any], change: Mapping[str, object], origin: str
) -> RecordError:
    """The error ``to_event`` raises for ``raw`` with ``change`` applied (a ``None`` value removes its key)."""
    for key, value in change.items():
        if value is None:
            del raw[key]
        else:
            raw[key] = value
    with pytest.raises(RecordError) as caught:
        to_event(raw, origin)
    return caught.value
