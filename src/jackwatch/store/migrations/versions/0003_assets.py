"""Assets: scanned images, directories and SBOMs, and the packages found in them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the assets table with its indexes."""
    op.create_table(
        "assets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("purl", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("attrs", _JSON, nullable=False),
        sa.Column("first_seen", _TIME, nullable=False),
        sa.Column("last_seen", _TIME, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
    )
    op.create_index("ix_assets_kind", "assets", ["kind"])
    op.create_index("ix_assets_ref", "assets", ["ref"])
    op.create_index("ix_assets_parent_id", "assets", ["parent_id"])
    op.create_index("ix_assets_last_seen", "assets", ["last_seen"])


def downgrade() -> None:
    """Drop the assets table."""
    op.drop_table("assets")
