"""Process history in the store: processes upserted by identity and merged, runtime events inserted once, pruning.

A process is identified by (host, pid, start time), so a reused pid is another process. Records of one process
arrive in any order and in any number of batches; merging them gives the same row whatever the order
(:func:`merge_processes`): times widen, what the process runs is taken from the latest record, what only an
ancestor's entry said fills gaps, the parent is the latest-started candidate (the original parent rather than the
process that adopted it), execs are a union. Events are keyed by their id: recording the same records twice
adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, delete, func, select

from jackwatch.store.tables import as_utc, processes, runtime_events
from jackwatch.store.upsert import IN_CHUNK, chunks, insert_ignore, upsert_merged

MAX_EXECS = 16
"""Execs kept per process (the latest ones): a process that execs in a loop keeps a bounded row."""


def process_id(host: str, pid: int, start_ns: int) -> str:
    """The stable id of the process ``pid`` started at ``start_ns`` on ``host``."""
    return hashlib.sha256(f"{host}\x1f{pid}\x1f{start_ns}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Exec:
    """One exec of a process: when (ns since the epoch), the program and its arguments (secrets redacted)."""

    time_ns: int
    exe: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """One process as the history keeps it.

    ``start_known`` is false when no record gave the start time and the first record's time stands in for it.
    ``attrs_ns`` is the time of the record that gave name, exe, args, cwd, user and container (``None`` when the
    process is known only from the lineage of others: those values then only fill gaps).
    """

    host: str
    pid: int
    start_ns: int
    first_seen: datetime
    last_seen: datetime
    start_known: bool = True
    vpid: int | None = None
    parent_pid: int | None = None
    parent_start_ns: int | None = None
    name: str | None = None
    exe: str | None = None
    exepath: str | None = None
    args: tuple[str, ...] | None = None
    cwd: str | None = None
    uid: int | None = None
    user_name: str | None = None
    container_id: str | None = None
    container_name: str | None = None
    image: str | None = None
    image_id: str | None = None
    pod: str | None = None
    namespace: str | None = None
    execs: tuple[Exec, ...] = ()
    attrs_ns: int | None = None
    exited_at: datetime | None = None
    exit_code: int | None = None

    @property
    def id(self) -> str:
        """The process's stable id (:func:`process_id`)."""
        return process_id(self.host, self.pid, self.start_ns)

    @property
    def parent_id(self) -> str | None:
        """The parent's id, when its start time is known."""
        if self.parent_pid is None or self.parent_start_ns is None:
            return None
        return process_id(self.host, self.parent_pid, self.parent_start_ns)

    def alive_at(self, moment: datetime) -> bool:
        """Whether the process existed at ``moment`` (started at or before it, not exited before it)."""
        started = self.start_ns <= ns_of(moment) + 999  # a datetime has microseconds only
        return started and (self.exited_at is None or self.exited_at >= moment)


def time_of_ns(ns: int) -> datetime:
    """``ns`` nanoseconds since the epoch as an aware UTC datetime (microsecond precision)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1_000)


def ns_of(moment: datetime) -> int:
    """``moment`` (timezone-aware) in nanoseconds since the epoch."""
    utc = as_utc(moment)
    return (int(utc.timestamp()) * 1_000_000 + utc.microsecond) * 1_000


_ATTRIBUTES = (
    "vpid",
    "name",
    "exe",
    "exepath",
    "args",
    "cwd",
    "uid",
    "user_name",
    "container_id",
    "container_name",
    "image",
    "image_id",
    "pod",
    "namespace",
)


def merge_processes(old: ProcessRow, new: ProcessRow) -> ProcessRow:
    """One row from two rows of the same process, whatever the order they came in.

    The attributes of the row with the later ``attrs_ns`` win, the other's fill what it lacks; the parent is the
    one known with a start time, the later-started of two (an adopting reaper started before the real parent).
    """
    newer, older = (new, old) if _attrs_rank(new) >= _attrs_rank(old) else (old, new)
    values: dict[str, Any] = {
        name: getattr(newer, name) if getattr(newer, name) is not None else getattr(older, name) for name in _ATTRIBUTES
    }
    parent = max((old, new), key=_parent_rank)
    exits = sorted((row.exited_at, row.exit_code is None, row.exit_code) for row in (old, new) if row.exited_at)
    exited_at, _, exit_code = exits[0] if exits else (None, True, None)
    return replace(
        newer,
        **values,
        first_seen=min(old.first_seen, new.first_seen),
        last_seen=max(old.last_seen, new.last_seen),
        start_known=old.start_known or new.start_known,
        parent_pid=parent.parent_pid,
        parent_start_ns=parent.parent_start_ns,
        execs=merge_execs(old.execs, new.execs),
        attrs_ns=newer.attrs_ns,
        exited_at=exited_at,
        exit_code=exit_code,
    )


def _attrs_rank(row: ProcessRow) -> tuple[bool, int]:
    return (row.attrs_ns is not None, row.attrs_ns or 0)


def _parent_rank(row: ProcessRow) -> tuple[bool, int, bool]:
    return (row.parent_start_ns is not None, row.parent_start_ns or 0, row.parent_pid is not None)


def merge_execs(*groups: Iterable[Exec]) -> tuple[Exec, ...]:
    """Every distinct exec of ``groups`` by time, the latest :data:`MAX_EXECS`."""
    by_time = {item.time_ns: item for group in groups for item in group}
    return tuple(by_time[time] for time in sorted(by_time))[-MAX_EXECS:]


@dataclass(frozen=True, slots=True)
class RuntimeEventRow:
    """One runtime event as the history keeps it: when, what, which process, a one-line summary, the record."""

    id: str
    time: datetime
    time_ns: int
    type: str
    host: str
    pid: int
    process_start_ns: int
    container_id: str | None
    summary: str
    record: Mapping[str, Any]

    @property
    def process_id(self) -> str:
        """The id of the process the event belongs to."""
        return process_id(self.host, self.pid, self.process_start_ns)


@dataclass(frozen=True, slots=True)
class SeenContainer:
    """A container the process history knows: its id, host, and what its processes said of it."""

    id: str
    host: str
    name: str | None = None
    image: str | None = None
    image_id: str | None = None
    pod: str | None = None
    namespace: str | None = None

    def completed(self, other: SeenContainer) -> SeenContainer:
        """This container with what ``other`` (another sighting of it) knows and this one does not."""
        values = {name.name: getattr(self, name.name) or getattr(other, name.name) for name in fields(self)}
        return SeenContainer(**values)

    @property
    def workload(self) -> str | None:
        """``namespace/pod`` when both are known."""
        return f"{self.namespace}/{self.pod}" if self.namespace and self.pod else None


def write_history(
    connection: Connection, pending: Mapping[str, ProcessRow], events: Sequence[RuntimeEventRow], now: datetime
) -> None:
    """Upsert ``pending`` processes (merged with the stored rows) and insert new ``events``, in the connection's
    open transaction. Rows are inserted and locked in id order, as findings are."""
    upsert_merged(
        connection,
        processes,
        pending,
        values=lambda row, insert: process_values(row, now, insert=insert),
        from_row=process_from_row,
        merge=merge_processes,
    )
    for event_chunk in chunks((event_values(event) for event in events), IN_CHUNK):
        connection.execute(insert_ignore(connection, runtime_events), event_chunk)


def prune_history(connection: Connection, cutoff: datetime) -> tuple[int, int]:
    """Delete the events before ``cutoff`` and the processes last seen before it; (events, processes) deleted."""
    moment = as_utc(cutoff)
    events = connection.execute(delete(runtime_events).where(runtime_events.c.time < moment)).rowcount
    gone = connection.execute(delete(processes).where(processes.c.last_seen < moment)).rowcount
    return int(events), int(gone)


def newest_event_time(connection: Connection) -> datetime | None:
    """The time of the newest stored runtime event."""
    found: datetime | None = connection.execute(select(func.max(runtime_events.c.time))).scalar()
    return found


def process_values(row: ProcessRow, now: datetime, *, insert: bool = True) -> dict[str, Any]:
    """The process's column values, stamped ``now``; without ``id`` for an update."""
    values: dict[str, Any] = {name.name: getattr(row, name.name) for name in fields(ProcessRow)}
    values["args"] = None if row.args is None else list(row.args)
    values["execs"] = [{"time": item.time_ns, "exe": item.exe, "args": list(item.args)} for item in row.execs]
    values["updated_at"] = now
    if insert:
        values["id"] = row.id
    return values


def process_from_row(row: RowMapping) -> ProcessRow:
    """The process a ``processes`` row holds."""
    values = {name.name: row[name.name] for name in fields(ProcessRow)}
    values["args"] = None if row["args"] is None else tuple(row["args"])
    values["execs"] = tuple(Exec(int(item["time"]), str(item["exe"]), tuple(item["args"])) for item in row["execs"])
    return ProcessRow(**values)


def event_values(event: RuntimeEventRow) -> dict[str, Any]:
    """The event's column values."""
    values = {name.name: getattr(event, name.name) for name in fields(RuntimeEventRow)}
    values["process_id"] = event.process_id
    values["record"] = dict(event.record)
    return values


def event_from_row(row: RowMapping) -> RuntimeEventRow:
    """The event a ``runtime_events`` row holds."""
    return RuntimeEventRow(**{name.name: row[name.name] for name in fields(RuntimeEventRow)})


def process_query(
    *,
    host: str | None = None,
    pid: int | None = None,
    ids: Sequence[str] | None = None,
    container_ids: Sequence[str] | None = None,
    parent_pids: Sequence[int] | None = None,
) -> Select[Any]:
    """Processes matching every filter given, by host, pid and start."""
    query = select(processes)
    if host is not None:
        query = query.where(processes.c.host == host)
    if pid is not None:
        query = query.where(processes.c.pid == pid)
    if ids is not None:
        query = query.where(processes.c.id.in_(list(ids)))
    if container_ids is not None:
        query = query.where(processes.c.container_id.in_(list(container_ids)))
    if parent_pids is not None:
        query = query.where(processes.c.parent_pid.in_(list(parent_pids)))
    return query.order_by(processes.c.host, processes.c.pid, processes.c.start_ns)


def event_query(
    *,
    container_ids: Sequence[str] | None = None,
    process_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    host: str | None = None,
    host_processes: bool = False,
) -> Select[Any]:
    """Runtime events matching every filter given (``host_processes``: only those outside containers), in time
    order."""
    query = select(runtime_events)
    if host is not None:
        query = query.where(runtime_events.c.host == host)
    if host_processes:
        query = query.where(runtime_events.c.container_id.is_(None))
    if container_ids is not None:
        query = query.where(runtime_events.c.container_id.in_(list(container_ids)))
    if process_ids is not None:
        query = query.where(runtime_events.c.process_id.in_(list(process_ids)))
    if since is not None:
        query = query.where(runtime_events.c.time >= as_utc(since))
    if until is not None:
        query = query.where(runtime_events.c.time <= as_utc(until))
    return query.order_by(runtime_events.c.time_ns, runtime_events.c.id)
