"""What a source read and what it had to skip, with the location of every problem."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from jackwatch.errors import Location

MAX_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """One piece of input that could not be used, and why."""

    location: Location
    reason: str
    message: str


@dataclass(slots=True)
class ReadStats:
    """Counters a source updates while it streams; nothing it skips goes unreported.

    ``skipped`` counts skipped records by reason (``invalid_json``, ``not_an_object``,
    ``missing_field``, ``unreadable``, ``truncated_gzip``…); ``noted`` counts the problems that lose no
    record (``invalid_token_count``, ``ignored``…) by reason. ``problems`` keeps the first
    :data:`MAX_PROBLEMS` with their location; ``problems_dropped`` counts the rest.
    """

    events_read: int = 0
    files_read: int = 0
    files_failed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    noted: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0

    @property
    def events_skipped(self) -> int:
        """Total records skipped, whatever the reason."""
        return sum(self.skipped.values())

    def skip(self, reason: str, location: Location, message: str, records: int = 1) -> None:
        """Count ``records`` skipped records (0 for a problem that loses no record) and keep the problem."""
        if records:
            self.skipped[reason] += records
        else:
            self.noted[reason] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(location, reason, message))
        else:
            self.problems_dropped += 1

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary (used in ``{"stats": …}`` outputs)."""
        return {
            "events_read": self.events_read,
            "events_skipped": self.events_skipped,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "noted_by_reason": dict(sorted(self.noted.items())),
            "files_read": self.files_read,
            "files_failed": self.files_failed,
            "problems": [
                {"location": str(p.location), "reason": p.reason, "message": p.message} for p in self.problems
            ],
            "problems_dropped": self.problems_dropped,
        }
