"""Accepted risks: the decision to live with a finding, with the reason, who made it, when, and until when.

A finding is accepted while one of its rows is neither revoked nor expired. Accepting a finding that is already
accepted revokes the earlier decision (the row stays, revoked by the same person at the same time) and records the
new one; revoking marks every active row. Rows are never deleted, so the table is the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, or_, select, update

from jackwatch.store.tables import acceptances, as_utc


class AcceptReason(StrEnum):
    """Why a risk is accepted (the reasons commercial posture tools offer)."""

    OWNED = "owned"
    """The team owns the risk and lives with it."""
    TRANSFERRED = "transferred"
    """Someone else carries it (a provider, an insurer)."""
    AVOIDED = "avoided"
    """The exposure is being removed another way."""
    MITIGATED = "mitigated"
    """A control elsewhere makes it harmless (a WAF, a policy)."""
    NOT_RELEVANT = "not_relevant"
    """It does not apply here (a test cluster, a false positive)."""
    CUSTOM = "custom"
    """Another reason, written in the note."""


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One decision to accept a finding's risk."""

    id: int
    finding_id: str
    reason: AcceptReason
    note: str | None
    accepted_by: str
    accepted_at: datetime
    expires_at: datetime | None = None
    revoked_by: str | None = None
    revoked_at: datetime | None = None

    def state(self, at: datetime) -> str:
        """``active``, ``expired`` or ``revoked`` at ``at``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= at:
            return "expired"
        return "active"


def _active(at: datetime) -> ColumnElement[bool]:
    """The SQL condition of a row in force at ``at``."""
    return and_(
        acceptances.c.revoked_at.is_(None),
        or_(acceptances.c.expires_at.is_(None), acceptances.c.expires_at > as_utc(at)),
    )


def insert_acceptance(
    connection: Connection,
    finding_id: str,
    reason: AcceptReason,
    *,
    note: str | None,
    by: str,
    at: datetime,
    expires: datetime | None,
) -> Acceptance:
    """Record the decision (revoking the one in force, if any), in the connection's open transaction."""
    revoke_acceptances(connection, finding_id, by=by, at=at)
    values = {
        "finding_id": finding_id,
        "reason": reason.value,
        "note": note,
        "accepted_by": by,
        "accepted_at": at,
        "expires_at": expires,
    }
    row_id = connection.execute(acceptances.insert().values(values).returning(acceptances.c.id)).scalar_one()
    return Acceptance(
        int(row_id), finding_id, reason, note, by, as_utc(at), None if expires is None else as_utc(expires)
    )


def revoke_acceptances(connection: Connection, finding_id: str, *, by: str, at: datetime) -> int:
    """Revoke every decision in force for ``finding_id``; how many were."""
    statement = (
        update(acceptances)
        .where(acceptances.c.finding_id == finding_id, _active(at))
        .values(revoked_by=by, revoked_at=at)
    )
    return int(connection.execute(statement).rowcount)


def query_acceptances(
    connection: Connection, *, at: datetime, finding_ids: Sequence[str] | None = None, everything: bool = False
) -> list[Acceptance]:
    """The decisions in force at ``at`` (every decision with ``everything``), of ``finding_ids`` when given,
    newest first."""
    query = select(acceptances)
    if not everything:
        query = query.where(_active(at))
    if finding_ids is not None:
        query = query.where(acceptances.c.finding_id.in_(list(finding_ids)))
    query = query.order_by(acceptances.c.accepted_at.desc(), acceptances.c.id.desc())
    return [_from_row(row) for row in connection.execute(query).mappings()]


def _from_row(row: RowMapping) -> Acceptance:
    return Acceptance(
        id=row["id"],
        finding_id=row["finding_id"],
        reason=AcceptReason(row["reason"]),
        note=row["note"],
        accepted_by=row["accepted_by"],
        accepted_at=row["accepted_at"],
        expires_at=row["expires_at"],
        revoked_by=row["revoked_by"],
        revoked_at=row["revoked_at"],
    )
