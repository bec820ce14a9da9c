"""Findings, the distinct events behind them, and command runs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the findings, finding_events and runs tables with their indexes."""
    op.create_table(
        "findings",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("first_seen", _TIME, nullable=False),
        sa.Column("last_seen", _TIME, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("event_ids", _JSON, nullable=False),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("mitre", _JSON, nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_rule_id", "findings", ["rule_id"])
    op.create_index("ix_findings_subject", "findings", ["subject"])
    op.create_index("ix_findings_kind", "findings", ["kind"])
    op.create_index("ix_findings_severity_last_seen", "findings", ["severity", "last_seen"])
    op.create_index("ix_findings_last_seen", "findings", ["last_seen"])
    op.create_index("ix_findings_first_seen", "findings", ["first_seen"])
    op.create_table(
        "finding_events",
        sa.Column("finding_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name="fk_finding_events_finding_id_findings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("finding_id", "event_id", name="pk_finding_events"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("stats", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_table("runs")
    op.drop_table("finding_events")
    op.drop_table("findings")
