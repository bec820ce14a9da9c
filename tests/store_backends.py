"""The ``db_url`` fixture: a test that takes it runs once on SQLite and once on PostgreSQL.

SQLite gets a fresh file under ``tmp_path``. PostgreSQL (``JACKWATCH_TEST_PG_URL``, by default the server at
127.0.0.1:5432, database ``test``, user ``postgres``) gets a fresh schema per test, reached through
``search_path`` and dropped afterwards, so tests run in parallel without seeing each other. When that server
cannot be reached, the PostgreSQL half is skipped, or fails when ``CI`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

PG_URL_ENV = "JACKWATCH_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> URL:
    """The SQLAlchemy URL of the test PostgreSQL database."""
    return make_url(os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL)


def postgres_connect(*, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """A direct psycopg connection to the test PostgreSQL database."""
    conninfo = postgres_url().set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=5)


@pytest.fixture(scope="session")
def postgres_available() -> None:
    """Skip (or, under CI, fail) when the test PostgreSQL server cannot be reached."""
    try:
        with postgres_connect() as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        where = postgres_url().render_as_string(hide_password=True)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"PostgreSQL is not reachable at {where} (set {PG_URL_ENV} to another server): {detail}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty store database, on each backend in turn."""
    if request.param == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "jackwatch.db")).render_as_string()
        return
    request.getfixturevalue("postgres_available")
    schema = f"jw_{uuid.uuid4().hex}"
    with postgres_connect() as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        url = postgres_url().update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_connect() as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
