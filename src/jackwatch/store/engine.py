"""SQLAlchemy engines for the store: SQLite in WAL mode with real transactions, or PostgreSQL via psycopg."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from jackwatch.errors import StoreError
from jackwatch.store.url import POSTGRESQL_DRIVER, redact_url

BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
WRITE = "jackwatch_write"
"""Execution option: on SQLite, a transaction begun with it takes the write lock at once
(``BEGIN IMMEDIATE``), so a read-then-write never fails on a lock another writer took meanwhile;
it waits up to the busy timeout instead."""


def create_store_engine(url: str) -> Engine:
    """An engine for a ``sqlite:///…`` or ``postgresql+psycopg://…`` URL; :class:`StoreError` otherwise."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"invalid database URL {redact_url(url)!r}") from None
    json_options: dict[str, Any] = {"json_serializer": _dump_json, "json_deserializer": orjson.loads}
    if parsed.drivername == "sqlite":
        _create_parent_directory(parsed)
        engine = create_engine(parsed, **json_options)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    if parsed.drivername == POSTGRESQL_DRIVER:
        return create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}, **json_options
        )
    raise StoreError(
        f"unsupported database URL {redact_url(url)!r}: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )


def _dump_json(value: object) -> str:
    return orjson.dumps(value).decode()


def _create_parent_directory(url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    parent = Path(database).expanduser().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store directory {parent}: {exc.strerror or exc}") from exc


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _begin_sqlite_transaction
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
