"""Severity of an advisory: the CVSS v4 or v3 base score of its vector, else its database's rating, else unknown."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]


class VulnSeverity(StrEnum):
    """How bad a vulnerability is, ``unknown`` when no source says."""

    UNKNOWN = "unknown"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for unknown … 4 for critical."""
        return _RANKS[self]


_RANKS = {severity: rank for rank, severity in enumerate(VulnSeverity)}


_DATABASE_LEVELS = {
    "LOW": VulnSeverity.LOW,
    "MODERATE": VulnSeverity.MEDIUM,
    "MEDIUM": VulnSeverity.MEDIUM,
    "HIGH": VulnSeverity.HIGH,
    "CRITICAL": VulnSeverity.CRITICAL,
}
"""Ratings databases write in ``database_specific.severity`` (GitHub: LOW, MODERATE, HIGH, CRITICAL)."""

_CVSS_LEVELS = {
    "none": VulnSeverity.LOW,
    "low": VulnSeverity.LOW,
    "medium": VulnSeverity.MEDIUM,
    "high": VulnSeverity.HIGH,
    "critical": VulnSeverity.CRITICAL,
}
"""CVSS qualitative ratings; ``None`` (a 0.0 score) is reported as low."""

CVSS_TYPES = ("CVSS_V4", "CVSS_V3")
"""The OSV severity types scored, most preferred first (``CVSS_V2`` and others are not)."""


@dataclass(frozen=True, slots=True)
class Rating:
    """A severity and, when it comes from a CVSS vector, the base score and the vector."""

    severity: VulnSeverity
    score: float | None = None
    vector: str | None = None

    @property
    def key(self) -> tuple[int, float]:
        """Orders ratings from least to most severe."""
        return (self.severity.rank, self.score if self.score is not None else -1.0)


UNKNOWN = Rating(VulnSeverity.UNKNOWN)


def score_vector(kind: str, vector: str) -> Rating:
    """Score a ``CVSS_V3`` or ``CVSS_V4`` vector; raises :class:`ValueError` when it is malformed."""
    try:
        if kind == "CVSS_V4":
            scored = CVSS4(vector)
            score, label = scored.base_score, scored.severity
        else:
            scored = CVSS3(vector)
            score, label = scored.base_score, scored.severities()[0]
    except CVSSError as error:
        raise ValueError(f"invalid {kind} vector {vector!r}: {error}") from None
    return Rating(_CVSS_LEVELS[str(label).lower()], float(score), vector)


def database_rating(text: object) -> Rating | None:
    """The rating a database wrote (``HIGH``, ``MODERATE``…), or ``None`` when absent or not understood."""
    level = _DATABASE_LEVELS.get(text.strip().upper()) if isinstance(text, str) else None
    return Rating(level) if level else None
