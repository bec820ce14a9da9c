"""Runtime history: processes, runtime events, and the use of installed packages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the processes, runtime_events, package_usage and usage_roots tables with their indexes."""
    op.create_table(
        "processes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("start_known", sa.Boolean(), nullable=False),
        sa.Column("vpid", sa.Integer(), nullable=True),
        sa.Column("parent_pid", sa.Integer(), nullable=True),
        sa.Column("parent_start_ns", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("exe", sa.Text(), nullable=True),
        sa.Column("exepath", sa.Text(), nullable=True),
        sa.Column("args", _JSON, nullable=True),
        sa.Column("cwd", sa.Text(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("container_id", sa.String(64), nullable=True),
        sa.Column("container_name", sa.Text(), nullable=True),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column("image_id", sa.Text(), nullable=True),
        sa.Column("pod", sa.Text(), nullable=True),
        sa.Column("namespace", sa.Text(), nullable=True),
        sa.Column("execs", _JSON, nullable=False),
        sa.Column("attrs_ns", sa.BigInteger(), nullable=True),
        sa.Column("exited_at", _TIME, nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("first_seen", _TIME, nullable=False),
        sa.Column("last_seen", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processes"),
    )
    op.create_index("ix_processes_host_pid", "processes", ["host", "pid"])
    op.create_index("ix_processes_host_parent_pid", "processes", ["host", "parent_pid"])
    op.create_index("ix_processes_container_id", "processes", ["container_id"])
    op.create_index("ix_processes_last_seen", "processes", ["last_seen"])
    op.create_table(
        "runtime_events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("time", _TIME, nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_start_ns", sa.BigInteger(), nullable=False),
        sa.Column("process_id", sa.String(64), nullable=False),
        sa.Column("container_id", sa.String(64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("record", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runtime_events"),
    )
    op.create_index("ix_runtime_events_time", "runtime_events", ["time"])
    op.create_index("ix_runtime_events_container_id_time", "runtime_events", ["container_id", "time"])
    op.create_index("ix_runtime_events_process_id", "runtime_events", ["process_id"])
    op.create_table(
        "package_usage",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("root_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("purl", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("first_seen", _TIME, nullable=False),
        sa.Column("first_used", _TIME, nullable=True),
        sa.Column("last_used", _TIME, nullable=True),
        sa.Column("example_path", sa.Text(), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_package_usage"),
    )
    op.create_index("ix_package_usage_root_id", "package_usage", ["root_id"])
    op.create_table(
        "usage_roots",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("observed_since", _TIME, nullable=False),
        sa.Column("observed_until", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_usage_roots"),
    )


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_table("usage_roots")
    op.drop_table("package_usage")
    op.drop_table("runtime_events")
    op.drop_table("processes")
