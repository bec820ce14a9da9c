"""Opening a store: migrations to head, re-opening, SQLite settings, PostgreSQL schemas, and failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from tests.store_backends import postgres_connect

from jackwatch.errors import StoreError
from jackwatch.model import Finding, FindingKind, Severity, finding_id
from jackwatch.store import open_store
from jackwatch.store.engine import BUSY_TIMEOUT_MS, create_store_engine
from jackwatch.store.migrate import alembic_config
from jackwatch.store.tables import metadata

TABLES = {
    "alembic_version",
    "assets",
    "findings",
    "finding_events",
    "runs",
    "processes",
    "runtime_events",
    "package_usage",
    "usage_roots",
    "acceptances",
}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
SUBJECT = "arn:aws:iam::123456789012:user/alice"
PROBE = Finding(
    id=finding_id(FindingKind.DETECTION, "aws.bedrock.invoke_probe", SUBJECT),
    kind=FindingKind.DETECTION,
    rule_id="aws.bedrock.invoke_probe",
    title="Bedrock invocation probe",
    subject=SUBJECT,
    severity=Severity.HIGH,
    first_seen=datetime(2024, 11, 3, 14, 0, tzinfo=UTC),
    last_seen=datetime(2024, 11, 3, 14, 5, tzinfo=UTC),
    count=1,
)


@contextmanager
def connect(db_url: str) -> Iterator[Connection]:
    """A connection to the store's database, outside any Store."""
    engine = create_store_engine(db_url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def versions(db_url: str) -> list[str]:
    with connect(db_url) as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_empty_database_is_migrated_to_head(db_url: str) -> None:
    open_store(db_url).close()
    with connect(db_url) as connection:
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
        assert set(inspect(connection).get_table_names()) == TABLES


def test_reopening_a_store_keeps_data_and_migrates_nothing(db_url: str) -> None:
    event_id = "3b1f4c8e-0000-4000-8000-000000000001"
    with open_store(db_url) as store:
        store.record(PROBE, [event_id])
    with open_store(db_url) as store:
        assert store.get(PROBE.id) == replace(PROBE, event_ids=(event_id,))
    assert versions(db_url) == [HEAD]


def test_migrations_create_exactly_the_declared_tables(db_url: str) -> None:
    open_store(db_url).close()
    with connect(db_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_downgrade_to_base_then_upgrade_again(db_url: str) -> None:
    open_store(db_url).close()
    with connect(db_url) as connection, connection.begin():
        command.downgrade(alembic_config(connection), "base")
    with connect(db_url) as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    with open_store(db_url) as store:
        store.record(PROBE)
        assert store.findings() == [PROBE]


def test_schema_from_a_newer_jackwatch_is_reported(db_url: str) -> None:
    open_store(db_url).close()
    with connect(db_url) as connection, connection.begin():
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match=r"cannot open the store.*9999_future"):
        open_store(db_url)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_tables_land_in_the_url_schema(db_url: str) -> None:
    schema = str(make_url(db_url).query["options"]).removeprefix("-csearch_path=")
    open_store(db_url).close()
    with postgres_connect() as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        ).fetchall()
    assert {table for (table,) in rows} == TABLES


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_uses_wal_a_busy_timeout_and_foreign_keys(db_url: str) -> None:
    open_store(db_url).close()
    with connect(db_url) as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "jackwatch" / "jackwatch.db"
    open_store(f"sqlite:///{path}").close()
    assert path.is_file()


def test_sqlite_under_a_file_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the store directory"):
        open_store(f"sqlite:///{blocker}/jackwatch.db")


def test_sqlite_path_that_is_a_directory_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot open the store at sqlite:///.*: unable to open"):
        open_store(f"sqlite:///{tmp_path}")


def test_unreachable_postgres_is_a_store_error_without_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://jackwatch:s3cret-pw@127.0.0.1:{port}/jackwatch"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert message.startswith(f"cannot open the store at postgresql+psycopg://jackwatch:***@127.0.0.1:{port}")
    assert "s3cret-pw" not in message


@pytest.mark.parametrize("url", ["mysql://root:s3cret-pw@localhost/jackwatch", "not a url", "postgresql://u@h:port/db"])
def test_unsupported_urls_are_store_errors(url: str) -> None:
    with pytest.raises(StoreError, match="URL") as caught:
        open_store(url)
    assert "s3cret-pw" not in str(caught.value)
