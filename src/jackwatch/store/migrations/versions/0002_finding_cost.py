"""The full cost figures of a finding (burn rate, 24 h projection, basis, estimated).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add ``findings.cost`` (``cost_usd`` stays, for sorting and filtering)."""
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("cost", _JSON, nullable=True))


def downgrade() -> None:
    """Drop ``findings.cost``."""
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("cost")
