"""What the abuse behind a finding or an incident costs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class CostBasis(StrEnum):
    """Where a cost figure comes from, most precise first."""

    TOKENS = "tokens"
    """Token counts (invocation logs, usage APIs) priced with the price table."""
    BILLING = "billing"
    """The provider's own charges (billing exports, cost APIs)."""
    INVOCATIONS = "invocations"
    """Invocation counts times an assumed number of tokens per call: an estimate."""


def most_precise(bases: Iterable[CostBasis]) -> CostBasis:
    """The most precise of ``bases`` (figures made of several parts are as precise as their best part)."""
    return min(bases, key=list(CostBasis).index)


@dataclass(frozen=True, slots=True)
class CostFigures:
    """The spend observed in a time window, and where it leads.

    ``usd`` is what was spent in the window; ``burn_rate_usd_per_hour`` that spend per hour of the window
    (a window shorter than an hour counts as one hour); ``projected_24h_usd`` the burn rate over a day.
    ``estimated`` is true when any part comes from invocation counts rather than tokens or charges, or from calls
    whose input or output count was not logged (taken as 0: a lower bound);
    ``unknown_models`` are models the price table does not know (their use is not in ``usd``, never priced as 0).
    """

    usd: float
    burn_rate_usd_per_hour: float
    projected_24h_usd: float
    basis: CostBasis
    estimated: bool
    unknown_models: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``cost`` member of outputs and of the store)."""
        return {
            "cost_usd": self.usd,
            "burn_rate_usd_per_hour": self.burn_rate_usd_per_hour,
            "projected_24h_usd": self.projected_24h_usd,
            "basis": self.basis.value,
            "estimated": self.estimated,
            "unknown_models": list(self.unknown_models),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CostFigures:
        """The figures :meth:`as_dict` wrote."""
        return cls(
            usd=float(data["cost_usd"]),
            burn_rate_usd_per_hour=float(data["burn_rate_usd_per_hour"]),
            projected_24h_usd=float(data["projected_24h_usd"]),
            basis=CostBasis(data["basis"]),
            estimated=bool(data["estimated"]),
            unknown_models=tuple(data.get("unknown_models") or ()),
        )
