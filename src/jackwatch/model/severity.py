"""Severity levels and their mapping from Falco priorities."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is, from ``info`` to ``critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info … 4 for critical, for ordering and ``--fail-on``."""
        return _ORDER.index(self)

    @classmethod
    def from_priority(cls, priority: str) -> Severity:
        """Map a Falco priority (``WARNING``, ``critical``, ``informational``…) to a severity."""
        try:
            return _FALCO_PRIORITY[priority.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown priority {priority!r}") from None


_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)

_FALCO_PRIORITY = {
    "EMERGENCY": Severity.CRITICAL,
    "ALERT": Severity.CRITICAL,
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "NOTICE": Severity.LOW,
    "INFORMATIONAL": Severity.INFO,
    "INFO": Severity.INFO,
    "DEBUG": Severity.INFO,
}
