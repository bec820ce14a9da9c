"""Turn the kernel's clocks into times since the epoch (ns).

Event times come from ``bpf_ktime_get_ns`` (CLOCK_MONOTONIC), process start times from ``start_boottime``
(CLOCK_BOOTTIME, which also counts suspended time) and ``/proc/PID/stat`` (clock ticks since boot). The offsets
to the wall clock are measured once, when the sensor starts; a wall clock stepped during a run shifts nothing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

NS = 1_000_000_000


def _ticks_per_second() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError):  # pragma: no cover - every Linux has it
        return 100


@dataclass(frozen=True, slots=True)
class Clock:
    """Offsets from the monotonic and boot clocks to the epoch, in ns."""

    monotonic_offset: int
    boot_offset: int
    ticks_per_second: int = 100

    @classmethod
    def now(cls) -> Clock:
        """Offsets measured now (each between two readings of the wall clock, to halve the error)."""
        before = time.time_ns()
        monotonic = time.monotonic_ns()
        boot = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
        after = time.time_ns()
        wall = (before + after) // 2
        return cls(wall - monotonic, wall - boot, _ticks_per_second())

    def from_monotonic(self, ns: int) -> int:
        """Epoch ns of a CLOCK_MONOTONIC time."""
        return ns + self.monotonic_offset

    def from_boottime(self, ns: int) -> int:
        """Epoch ns of a CLOCK_BOOTTIME time."""
        return ns + self.boot_offset

    def from_ticks(self, ticks: int) -> int:
        """Epoch ns of a start time in clock ticks since boot (``/proc/PID/stat``)."""
        return ticks * NS // self.ticks_per_second + self.boot_offset

    @property
    def tick_ns(self) -> int:
        """One clock tick, in ns: the precision of start times read from ``/proc``."""
        return NS // self.ticks_per_second

    def monotonic_now(self) -> int:
        """The current CLOCK_MONOTONIC time (ns)."""
        return time.monotonic_ns()
