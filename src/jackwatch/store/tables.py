"""The store's tables (SQLAlchemy Core). The schema itself is created by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC (``timestamptz`` on PostgreSQL, UTC text on SQLite).

    Naive datetimes are refused; values always come back aware, in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; :class:`ValueError` for a naive datetime, whose zone is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs timezone-aware datetimes")
    return value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(naming_convention=NAMING_CONVENTION)

findings = Table(
    "findings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("rule_id", String(255), nullable=False),
    Column("title", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("event_ids", JSONDocument, nullable=False),
    Column("evidence", JSONDocument, nullable=False),
    Column("mitre", JSONDocument, nullable=False),
    Column("cost_usd", Float, nullable=True),
    Column("cost", JSONDocument, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "rule_id"),
    Index(None, "subject"),
    Index(None, "kind"),
    Index(None, "severity", "last_seen"),
    Index(None, "last_seen"),
    Index(None, "first_seen"),
)
"""One row per finding id; ``count`` and ``event_ids`` summarise its rows in :data:`finding_events`."""

finding_events = Table(
    "finding_events",
    metadata,
    Column("finding_id", String(64), ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", Text, primary_key=True),
)
"""Every distinct event behind a finding: re-recording the same events never counts them twice."""

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("command", Text, nullable=False),
    Column("inputs", JSONDocument, nullable=False),
    Column("stats", JSONDocument, nullable=True),
    Index(None, "started_at"),
)
"""One row per command run that wrote to the store (``detect`` …), with its inputs and statistics."""

assets = Table(
    "assets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ref", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Text, nullable=True),
    Column("purl", Text, nullable=True),
    Column("parent_id", String(64), nullable=True),
    Column("target", Text, nullable=False),
    Column("attrs", JSONDocument, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "kind"),
    Index(None, "ref"),
    Index(None, "parent_id"),
    Index(None, "last_seen"),
)
"""One row per asset id (images, directories, SBOMs and the packages found in them), upserted by each scan.

``parent_id`` is the id of the asset this one belongs to (not a foreign key: a scan may store a package before
its root); ``target`` is what the scan that saw it last was given (an archive, a directory, an SBOM file).
"""
