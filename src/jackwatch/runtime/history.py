"""The process history writer: runtime records in, processes and events in the store, old history pruned.

    with HistoryWriter(store, retention=timedelta(days=7)) as history:
        history.add(records)          # any number of times; written every ``batch_size`` events
    # leaving the block flushes what is pending

Records may come in any order and more than once: rows are merged by process identity (host, pid, start time)
and events keyed by id, so the store ends the same. A record without ``proc.start`` is given to the latest
process this writer saw with that pid (started before the record), else to a process whose start is taken as
the record's time (``start_known`` false). A record that is not a runtime record is counted and reported,
never written. Every flush prunes the history older than the retention, at most once per
:data:`PRUNE_INTERVAL` of records' time (see :meth:`jackwatch.store.Store.prune_history`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self, cast

from jackwatch.errors import Location
from jackwatch.model.runtime import RuntimeRecord, event_time
from jackwatch.runtime.records import ancestors, integer, record_problem, section
from jackwatch.runtime.rows import ancestor_row, event_row, process_row, record_host
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store
from jackwatch.store.history import ProcessRow, RuntimeEventRow, merge_processes, time_of_ns

DEFAULT_RETENTION = timedelta(days=7)
"""How long the history keeps events and processes by default."""

PRUNE_INTERVAL = timedelta(minutes=10)
"""A flush prunes only when the newest record is this much later than at the last pruning."""

BATCH_SIZE = 5_000
"""Events kept in memory before they are written."""

_STATE_EVENTS = frozenset({"execve", "procexit", "clone", "setuid", "setgid"})
"""Events that may change what a process is (program, user, exit); other events only say it was alive."""

_Key = tuple[str, int, int]

MAX_STARTS = 1_000_000
"""Processes whose start time the writer remembers (for records without one); beyond, it starts over."""


class HistoryWriter:
    """Writes the process history of the records it is given to ``store``; use it as a context manager or call
    :meth:`flush` at the end. ``host`` names the machine of records that do not say (default: this one)."""

    def __init__(
        self,
        store: Store,
        retention: timedelta = DEFAULT_RETENTION,
        *,
        host: str | None = None,
        batch_size: int = BATCH_SIZE,
        stats: ReadStats | None = None,
        origin: str = "runtime records",
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError(f"the retention must be positive, not {retention}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, not {batch_size}")
        self._store = store
        self.retention = retention
        self._host = host if host is not None else socket.gethostname()
        self._batch_size = batch_size
        self.stats = stats if stats is not None else ReadStats()
        self._origin = origin
        self._processes: dict[_Key, ProcessRow] = {}
        self._spans: dict[_Key, list[int]] = {}
        self._events: list[RuntimeEventRow] = []
        self._starts: dict[tuple[str, int], int] = {}
        self._newest_ns = 0
        self._pruned_at_ns: int | None = None
        self.written = 0
        self.pruned = {"events": 0, "processes": 0}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.flush()

    def add(self, records: Iterable[RuntimeRecord]) -> None:
        """Take ``records`` into the history; write when :data:`BATCH_SIZE` events are pending."""
        for number, record in enumerate(records, start=1):
            problem = record_problem(record)
            if problem is not None:
                self.stats.skip("invalid_record", Location(self._origin, number), problem)
                continue
            self.stats.events_read += 1
            self._take(record)
            if len(self._events) >= self._batch_size:
                self.flush()

    def flush(self) -> None:
        """Write what is pending, then prune the history if it is due."""
        if self._events or self._processes:
            self._store.record_history(self._pending_rows(), self._events)
            self.written += len(self._events)
            self._processes, self._spans, self._events = {}, {}, []
        due = self._pruned_at_ns is None or self._newest_ns - self._pruned_at_ns >= _ns(PRUNE_INTERVAL)
        if self._newest_ns and due:
            pruned = self._store.prune_history(self.retention)
            self.pruned["events"] += pruned.events
            self.pruned["processes"] += pruned.processes
            self._pruned_at_ns = self._newest_ns

    def summary(self) -> dict[str, Any]:
        """What was written and pruned, with the records skipped (JSON-ready)."""
        return {
            "events_written": self.written,
            "pruned": dict(self.pruned),
            "retention_days": self.retention / timedelta(days=1),
            **self.stats.as_dict(),
        }

    def _take(self, record: RuntimeRecord) -> None:
        host = record_host(record, self._host)
        start, known = self._start(record, host)
        time = record["time"]
        key = (host, int(record["proc"]["pid"]), start)
        lineage = ancestors(record)
        pending = self._processes.get(key)
        if (
            pending is None
            or record["type"] in _STATE_EVENTS
            or (known and not pending.start_known)
            or (pending.parent_start_ns is None and lineage)
        ):
            self._merge(key, process_row(record, host, start, start_known=known))
        self._widen(key, time)
        moment: datetime | None = None
        for index, entry in enumerate(lineage):
            ancestor_start = integer(entry.get("start"))
            if ancestor_start is None:
                continue
            ancestor = (host, int(entry["pid"]), ancestor_start)
            if ancestor not in self._processes:
                moment = moment or event_time(record)
                parent = lineage[index + 1] if index + 1 < len(lineage) else None
                row = ancestor_row(entry, parent, host, moment)
                assert row is not None
                self._processes[ancestor] = row
            self._widen(ancestor, time)
        self._events.append(event_row(record, host, start))
        self._newest_ns = max(self._newest_ns, time)

    def _merge(self, key: _Key, row: ProcessRow) -> None:
        earlier = self._processes.get(key)
        self._processes[key] = row if earlier is None else merge_processes(earlier, row)

    def _widen(self, key: _Key, time: int) -> None:
        span = self._spans.get(key)
        if span is None:
            self._spans[key] = [time, time]
        elif time < span[0]:
            span[0] = time
        elif time > span[1]:
            span[1] = time

    def _pending_rows(self) -> list[ProcessRow]:
        rows = []
        for key, row in self._processes.items():
            first, last = self._spans[key]
            rows.append(replace(row, first_seen=time_of_ns(first), last_seen=time_of_ns(last)))
        return rows

    def _start(self, record: RuntimeRecord, host: str) -> tuple[int, bool]:
        """The record's process start (ns), and whether the record gave it."""
        proc = section(cast(dict[str, Any], record), "proc")
        pid = int(proc["pid"])
        given = integer(proc.get("start"))
        key = (host, pid)
        if len(self._starts) >= MAX_STARTS:
            self._starts.clear()
        if given is not None:
            if given >= self._starts.get(key, given):
                self._starts[key] = given
            return given, True
        known = self._starts.get(key)
        if known is not None and known <= record["time"]:
            return known, False
        self._starts[key] = record["time"]
        return record["time"], False


def _ns(span: timedelta) -> int:
    return int(span / timedelta(microseconds=1)) * 1_000
