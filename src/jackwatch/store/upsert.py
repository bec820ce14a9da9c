"""Write a batch of findings in one transaction: upsert by id, link distinct events, recount.

Safe with concurrent writers: rows are inserted and locked in id order (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite write transactions are serialised by ``BEGIN IMMEDIATE``), so the merge that follows
never loses another writer's update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, RowMapping, Table, Text, bindparam, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from jackwatch.errors import StoreError
from jackwatch.model import Finding
from jackwatch.store.merge import as_json, first_event_ids, merge_findings
from jackwatch.store.rows import finding_from_row, finding_values
from jackwatch.store.tables import as_utc, finding_events, findings

T = TypeVar("T")
Pending = Mapping[str, tuple[Finding, set[str]]]
"""Findings to write by id, each with every event id to link to it."""

IN_CHUNK = 500
"""Rows per statement (and ids per ``IN`` list) of an upsert."""
_LINK_CHUNK = 50_000


def prepare(batch: Iterable[tuple[Finding, Iterable[str]]]) -> dict[str, tuple[Finding, set[str]]]:
    """The batch ready to write: UTC times, JSON evidence, all event ids, records of one id merged.

    Naive datetimes raise :class:`ValueError`; evidence that is not JSON data raises :class:`StoreError`.
    """
    pending: dict[str, tuple[Finding, set[str]]] = {}
    for finding, event_ids in batch:
        try:
            evidence = as_json(finding.evidence)
        except TypeError as exc:
            raise StoreError(f"finding {finding.id}: evidence is not JSON data: {exc}") from exc
        links = {*finding.event_ids, *event_ids}
        ready = replace(
            finding,
            first_seen=as_utc(finding.first_seen),
            last_seen=as_utc(finding.last_seen),
            evidence=evidence,
            event_ids=first_event_ids(links),
        )
        if finding.id in pending:
            earlier, earlier_links = pending[finding.id]
            ready, links = merge_findings(earlier, ready), earlier_links | links
        pending[finding.id] = (ready, links)
    return pending


def write(connection: Connection, pending: Pending, now: datetime) -> None:
    """Upsert every pending finding and its event links, in the connection's open transaction."""
    ids = sorted(pending)
    new_rows = [finding_values(pending[finding_id][0], now) for finding_id in ids]
    for chunk in chunks(new_rows, IN_CHUNK):
        connection.execute(insert_ignore(connection, findings), chunk)
    stored = _lock(connection, ids)
    links = ((finding_id, event_id) for finding_id in ids for event_id in sorted(pending[finding_id][1]))
    for link_chunk in chunks(links, _LINK_CHUNK):
        _insert_links(connection, link_chunk)
    linked = _linked_counts(connection, ids)
    changes = []
    for finding_id in ids:
        merged = merge_findings(stored[finding_id], pending[finding_id][0])
        merged = replace(merged, count=max(merged.count, linked.get(finding_id, 0)))
        changes.append({"b_id": finding_id, **finding_values(merged, now, insert=False)})
    statement = update(findings).where(findings.c.id == bindparam("b_id"))
    for change_chunk in chunks(changes, IN_CHUNK):
        connection.execute(statement, change_chunk)


def upsert_merged(
    connection: Connection,
    table: Table,
    pending: Mapping[str, T],
    *,
    values: Callable[[T, bool], dict[str, Any]],
    from_row: Callable[[RowMapping], T],
    merge: Callable[[T, T], T],
) -> None:
    """Upsert rows keyed by ``id``: insert the new ones, lock every one in id order, write ``merge(stored, new)``.

    ``values(item, insert)`` gives the column values (with ``id`` when inserting); ``merge`` must be idempotent,
    since a row inserted by this very call is merged with itself.
    """
    ids = sorted(pending)
    for chunk in chunks((values(pending[key], True) for key in ids), IN_CHUNK):
        connection.execute(insert_ignore(connection, table), chunk)
    stored: dict[str, T] = {}
    for id_chunk in chunks(ids, IN_CHUNK):
        query = select(table).where(table.c.id.in_(id_chunk)).order_by(table.c.id).with_for_update()
        stored.update((row["id"], from_row(row)) for row in connection.execute(query).mappings())
    changes = [{"b_id": key, **values(merge(stored[key], pending[key]), False)} for key in ids]
    statement = update(table).where(table.c.id == bindparam("b_id"))
    for change_chunk in chunks(changes, IN_CHUNK):
        connection.execute(statement, change_chunk)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _lock(connection: Connection, ids: Sequence[str]) -> dict[str, Finding]:
    stored: dict[str, Finding] = {}
    for chunk in chunks(ids, IN_CHUNK):
        query = select(findings).where(findings.c.id.in_(chunk)).order_by(findings.c.id).with_for_update()
        stored.update((row["id"], finding_from_row(row)) for row in connection.execute(query).mappings())
    return stored


def _linked_counts(connection: Connection, ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in chunks(ids, IN_CHUNK):
        query = (
            select(finding_events.c.finding_id, func.count())
            .where(finding_events.c.finding_id.in_(chunk))
            .group_by(finding_events.c.finding_id)
        )
        counts.update((finding_id, int(count)) for finding_id, count in connection.execute(query))
    return counts


def insert_ignore(connection: Connection, table: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` in the connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _insert_links(connection: Connection, links: list[tuple[str, str]]) -> None:
    """Link findings to events, ignoring links already stored, in one statement for all ``links``."""
    if connection.dialect.name == "postgresql":
        finding_ids, event_ids = zip(*links, strict=True)
        connection.execute(_PG_LINKS, {"finding_ids": list(finding_ids), "event_ids": list(event_ids)})
    else:
        connection.execute(_SQLITE_LINKS, {"links": orjson.dumps(links).decode()})


def _links_statements() -> tuple[Insert, Insert]:
    """``INSERT … SELECT … ON CONFLICT DO NOTHING`` from two arrays (PostgreSQL) or a JSON array (SQLite)."""
    columns = ["finding_id", "event_id"]
    text_array = postgresql.ARRAY(Text)
    arrays = (
        func.unnest(bindparam("finding_ids", type_=text_array), bindparam("event_ids", type_=text_array))
        .table_valued(*columns)
        .render_derived()
    )
    pg_source = select(arrays.c.finding_id, arrays.c.event_id)
    pairs = func.json_each(bindparam("links", type_=Text)).table_valued("value")
    pair = (func.json_extract(pairs.c.value, "$[0]"), func.json_extract(pairs.c.value, "$[1]"))
    sqlite_source = select(*pair).where(true())  # SQLite wants a WHERE before ON CONFLICT here
    return (
        postgresql.insert(finding_events).from_select(columns, pg_source).on_conflict_do_nothing(),
        sqlite.insert(finding_events).from_select(columns, sqlite_source).on_conflict_do_nothing(),
    )


_PG_LINKS, _SQLITE_LINKS = _links_statements()
