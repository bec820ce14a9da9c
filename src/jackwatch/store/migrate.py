"""Bring a store's schema to the newest revision with Alembic, configured in code (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from jackwatch.store.engine import WRITE

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x6A61636B77  # serialises concurrent migrations of one PostgreSQL database


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, run on ``connection`` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction; a store already at head is left untouched."""
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        command.upgrade(alembic_config(connection), "head")
