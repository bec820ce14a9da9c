"""The store's tables (SQLAlchemy Core). The schema itself is created by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

processes = Table(
    "processes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("start_known", Boolean, nullable=False),
    Column("vpid", Integer, nullable=True),
    Column("parent_pid", Integer, nullable=True),
    Column("parent_start_ns", BigInteger, nullable=True),
    Column("name", Text, nullable=True),
    Column("exe", Text, nullable=True),
    Column("exepath", Text, nullable=True),
    Column("args", JSONDocument, nullable=True),
    Column("cwd", Text, nullable=True),
    Column("uid", BigInteger, nullable=True),
    Column("user_name", Text, nullable=True),
    Column("container_id", String(64), nullable=True),
    Column("container_name", Text, nullable=True),
    Column("image", Text, nullable=True),
    Column("image_id", Text, nullable=True),
    Column("pod", Text, nullable=True),
    Column("namespace", Text, nullable=True),
    Column("execs", JSONDocument, nullable=False),
    Column("attrs_ns", BigInteger, nullable=True),
    Column("exited_at", UTCDateTime, nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "host", "pid"),
    Index(None, "host", "parent_pid"),
    Index(None, "container_id"),
    Index(None, "last_seen"),
)
"""One row per process (host, pid, start time): what it ran, its parent, user and container, its execs and exit.

``id`` is a hash of (host, pid, start); a pid reused by a later process is another row. ``attrs_ns`` is the time
of the record its name, exe and args come from (``None``: known only as an ancestor of another process).
"""

runtime_events = Table(
    "runtime_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Column("time_ns", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("process_start_ns", BigInteger, nullable=False),
    Column("process_id", String(64), nullable=False),
    Column("container_id", String(64), nullable=True),
    Column("summary", Text, nullable=False),
    Column("record", JSONDocument, nullable=False),
    Index(None, "time"),
    Index(None, "container_id", "time"),
    Index(None, "process_id"),
)
"""One row per runtime event (exec, fork, exit, open, connect, uid change), its record with secrets redacted."""

package_usage = Table(
    "package_usage",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("root_id", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("purl", Text, nullable=False),
    Column("location", Text, nullable=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("first_used", UTCDateTime, nullable=True),
    Column("last_used", UTCDateTime, nullable=True),
    Column("example_path", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "root_id"),
)
"""One row per installed package of a watched root (an image, or a host's filesystem), ``id`` the package asset's
id: whether, when and through which file it was used."""

usage_roots = Table(
    "usage_roots",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ref", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("observed_since", UTCDateTime, nullable=False),
    Column("observed_until", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
"""One row per root whose package use is watched (``id`` the root asset's id): the span of runtime events seen
for it, which decides whether its learning period is over."""

acceptances = Table(
    "acceptances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", String(64), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=True),
    Column("accepted_by", Text, nullable=False),
    Column("accepted_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_by", Text, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index(None, "finding_id"),
)
"""One row per decision to accept the risk of a finding: why, who, when, until when, and whether it was revoked.

A finding is accepted while one of its rows is neither revoked nor expired; accepting it again revokes the earlier
row, so the table keeps every decision for auditors."""
