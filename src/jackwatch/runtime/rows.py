"""A runtime record as rows of the history: the process it belongs to, the ancestors its lineage names, the event.

The record's process gets what the record says of it (at the record's time: the latest record wins, see
:func:`~jackwatch.store.history.merge_processes`); an exec adds to its execs, an exit sets its exit time and code.
Each lineage entry with a start time gives an ancestor row that only fills gaps (what a child saw of its parent
may be stale), with its own parent when the next entry is known. A clone is recorded on the process that forked
(the child's own records carry its start time and name its parent). Arguments are redacted before anything is
kept (:mod:`jackwatch.runtime.redaction`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jackwatch.model.runtime import RuntimeRecord, event_id, event_time
from jackwatch.runtime.records import ancestors, integer, section, strings, text
from jackwatch.runtime.redaction import redact_args, redact_record, storable
from jackwatch.runtime.summary import summarize
from jackwatch.store.history import Exec, ProcessRow, RuntimeEventRow

MAX_CONTAINER_ID = 64


def process_row(record: RuntimeRecord, host: str, start_ns: int, *, start_known: bool = True) -> ProcessRow:
    """The row of the record's own process, started at ``start_ns`` on ``host``."""
    proc = section(record, "proc")
    time_ns = record["time"]
    moment = event_time(record)
    args = _args(proc.get("args"))
    program = _text(proc.get("exepath")) or _text(proc.get("exe")) or _text(proc.get("name")) or "?"
    lineage = ancestors(record)
    parent_pid = integer(proc.get("ppid"))
    parent_start = None
    if lineage and integer(lineage[0].get("pid")) == parent_pid:
        parent_start = integer(lineage[0].get("start"))
    container = section(record, "container")
    user = section(record, "user")
    kind = record["type"]
    exited = kind == "procexit"
    return ProcessRow(
        host=host,
        pid=int(proc["pid"]),
        start_ns=start_ns,
        start_known=start_known,
        first_seen=moment,
        last_seen=moment,
        vpid=integer(proc.get("vpid")),
        parent_pid=parent_pid,
        parent_start_ns=parent_start,
        name=_text(proc.get("name")),
        exe=_text(proc.get("exe")),
        exepath=_text(proc.get("exepath")),
        args=args,
        cwd=_text(proc.get("cwd")),
        uid=integer(proc.get("uid")) if integer(proc.get("uid")) is not None else integer(user.get("uid")),
        user_name=_text(user.get("name")),
        container_id=_container_id(container.get("id")),
        container_name=_text(container.get("name")),
        image=_text(container.get("image")),
        image_id=_text(container.get("image_id")),
        pod=_text(container.get("pod")),
        namespace=_text(container.get("namespace")),
        execs=(Exec(time_ns, program, args or ()),) if kind == "execve" else (),
        attrs_ns=time_ns,
        exited_at=moment if exited else None,
        exit_code=integer(record.get("exit_code")) if exited else None,
    )


def ancestor_rows(record: RuntimeRecord, host: str) -> list[ProcessRow]:
    """The rows of the lineage entries that have a start time (ancestors alive at the record's time)."""
    moment = event_time(record)
    lineage = ancestors(record)
    rows = []
    for index, entry in enumerate(lineage):
        row = ancestor_row(entry, lineage[index + 1] if index + 1 < len(lineage) else None, host, moment)
        if row is not None:
            rows.append(row)
    return rows


def ancestor_row(
    entry: Mapping[str, Any], parent: Mapping[str, Any] | None, host: str, moment: datetime
) -> ProcessRow | None:
    """The row of one lineage entry seen at ``moment`` (``parent`` is the next entry), if it has a start time."""
    start = integer(entry.get("start"))
    if start is None:
        return None
    return ProcessRow(
        host=host,
        pid=int(entry["pid"]),
        start_ns=start,
        first_seen=moment,
        last_seen=moment,
        parent_pid=None if parent is None else integer(parent.get("pid")),
        parent_start_ns=None if parent is None else integer(parent.get("start")),
        name=_text(entry.get("name")),
        exe=_text(entry.get("exe")),
        exepath=_text(entry.get("exepath")),
        args=_args(entry.get("args")),
        attrs_ns=None,
    )


def event_row(record: RuntimeRecord, host: str, start_ns: int) -> RuntimeEventRow:
    """The event row of the record (its id is :func:`jackwatch.model.runtime.event_id`), the record redacted."""
    stored = redact_record(record)
    container = section(record, "container")
    return RuntimeEventRow(
        id=event_id(record),
        time=event_time(record),
        time_ns=record["time"],
        type=record["type"],
        host=host,
        pid=int(record["proc"]["pid"]),
        process_start_ns=start_ns,
        container_id=_container_id(container.get("id")),
        summary=summarize(stored),
        record=stored,
    )


def record_host(record: Mapping[str, Any], default: str) -> str:
    """The host the record names, else ``default``."""
    return _text(record.get("host")) or default


def _text(value: object) -> str | None:
    found = text(value)
    return None if found is None else storable(found)


def _args(value: object) -> tuple[str, ...] | None:
    found = strings(value)
    return None if found is None else redact_args(found)


def _container_id(value: object) -> str | None:
    found = _text(value)
    return None if found is None else found[:MAX_CONTAINER_ID]
