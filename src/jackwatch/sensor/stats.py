"""What a sensor run saw and what it lost, by kind of event."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KINDS = {
    "E": "execve",
    "A": "execve_args",
    "F": "clone",
    "X": "procexit",
    "O": "openat",
    "C": "connect",
    "U": "setuid",
    "D": "dns_answer",
    "W": "chdir",
}
"""Message kinds of the kernel program and the events they make."""


@dataclass(slots=True)
class SensorStats:
    """Counters of one run.

    ``seen`` counts records by event type. ``received`` counts kernel messages by kind; ``emitted`` is what the
    kernel program made (printed by bpftrace when it stops): the difference is what was lost on the way (a full
    perf buffer: ``kernel_lost`` in total, as bpftrace reports it). ``unreadable`` counts output lines that could
    not be parsed, by reason, ``problems`` keeps the first few with their line number.
    """

    mode: str
    seen: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)
    emitted: dict[str, int] | None = None
    kernel_lost: int = 0
    unreadable: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    opens_seen: int | None = None
    incomplete: Counter[str] = field(default_factory=Counter)
    missing_tracepoints: tuple[str, ...] = ()
    blind_spots: tuple[str, ...] = ()
    processes_seeded: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    MAX_PROBLEMS = 20

    def problem(self, reason: str, text: str) -> None:
        """Count an unreadable line and keep its description (the first :attr:`MAX_PROBLEMS`)."""
        self.unreadable[reason] += 1
        if len(self.problems) < self.MAX_PROBLEMS:
            self.problems.append(text)

    def dropped(self) -> dict[str, int]:
        """Events lost, by kind: per message kind when bpftrace reported what it made, else in total."""
        dropped: dict[str, int] = {}
        if self.emitted is not None:
            for kind, made in sorted(self.emitted.items()):
                missing = made - self.received.get(kind, 0)
                if missing > 0:
                    dropped[KINDS.get(kind, kind)] = missing
        elif self.kernel_lost:
            dropped["unknown_kind"] = self.kernel_lost
        for reason, count in self.unreadable.items():
            dropped[f"unreadable_{reason}"] = count
        return dropped

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``events_seen`` and ``events_dropped`` by kind, and the rest."""
        dropped = self.dropped()
        seen_total = sum(self.seen.values())
        lost_total = sum(dropped.values())
        body: dict[str, Any] = {
            "mode": self.mode,
            "seconds": round(self.seconds, 3),
            "events_seen": dict(sorted(self.seen.items())),
            "events_seen_total": seen_total,
            "events_dropped": dropped,
            "events_dropped_total": lost_total,
            "drop_ratio": round(lost_total / (seen_total + lost_total), 6) if seen_total + lost_total else 0.0,
            "kernel_lost_events": self.kernel_lost,
            "incomplete": dict(sorted(self.incomplete.items())),
            "processes_seeded": self.processes_seeded,
        }
        if self.opens_seen is not None:
            body["opens_seen_by_kernel"] = self.opens_seen
            body["opens_kept"] = self.emitted.get("O", 0) if self.emitted else self.received.get("O", 0)
        if self.missing_tracepoints:
            body["missing_tracepoints"] = list(self.missing_tracepoints)
        if self.blind_spots:
            body["blind_spots"] = list(self.blind_spots)
        if self.problems:
            body["problems"] = self.problems
        if self.errors:
            body["errors"] = self.errors
        return body
