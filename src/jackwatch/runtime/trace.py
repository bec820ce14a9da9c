"""Recorded runtime traces (``jackwatch sensor run --events FILE.jsonl``) as events of the ``syscall`` source:
files (JSON Lines, plain or gzip), directories of them, and standard input.

:func:`read_runtime_events` is what ``jackwatch detect syscall:TRACE`` and ``jackwatch history import`` read with.
A line that is not JSON or not a runtime record (:func:`~jackwatch.runtime.records.record_problem`) is counted with
its file and line number and skipped; the rest is read, in file order (the detector puts events back in time
order; the history does not need it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from jackwatch.model import Event
from jackwatch.model.runtime import RuntimeRecord, to_event
from jackwatch.runtime.records import record_problem
from jackwatch.sources.reading.inputs import local_log_reader
from jackwatch.sources.reading.layout import AwsLogsLayout
from jackwatch.sources.reading.records import RecordError, RecordFormat
from jackwatch.sources.stats import ReadStats

LABEL = "runtime records"


def make_event(raw: Any, origin: str) -> Event:
    """The event of one runtime record; :class:`RecordError` (``invalid_record``) when it is not one."""
    problem = record_problem(raw)
    if problem is not None:
        raise RecordError("invalid_record", problem)
    return to_event(cast(RuntimeRecord, raw), origin)


FORMAT = RecordFormat(LABEL, make_event, AwsLogsLayout(LABEL, frozenset()))
"""Runtime records: JSON Lines (one record per line), a JSON array of records, or a single record."""


read_runtime_events = local_log_reader(FORMAT, "runtime trace")
"""Events of recorded traces: files, directories of trace files, and ``-``; see
:func:`~jackwatch.sources.reading.inputs.local_log_reader`."""


def read_trace(source: str, stats: ReadStats) -> Iterator[RuntimeRecord]:
    """The records of the trace at ``source`` (a file, a directory, or ``-``), in file order."""
    for event in read_runtime_events([source], stats):
        yield cast(RuntimeRecord, event.raw)
