"""How the throughput benchmarks measure: each mode in its own process, in rounds that alternate the modes, the best
round of each mode kept.

On a shared machine (a virtual machine with neighbours) a process's CPU time is stretched too (stolen cycles,
caches, clock): the same run of the same code varies by a third from one minute to the next. Rounds alternate the
modes, so that a slow spell slows all of them alike, and each mode keeps its best round, the least disturbed one, as
:mod:`timeit` does; the spread of its rounds is reported with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

Measured = dict[str, float]


def measure(script: Path, mode: str, corpus: Path) -> Measured:
    """Run one mode of ``script`` in a child process (``--child MODE --corpus DIR``); return what it printed last."""
    command = [sys.executable, str(script), "--child", mode, "--corpus", str(corpus)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def round_count(text: str) -> int:
    """``--rounds``: a whole number of at least one."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rounds (1 or more)")
    return int(text)


class Rounds:
    """The rounds of every mode, and the best of each; ``count`` is the key of the child's number of records."""

    def __init__(self, script: Path, modes: Sequence[str], corpus: Path, rounds: int, count: str) -> None:
        self.count = count
        self.rounds = rounds
        self.runs: dict[str, list[Measured]] = {mode: [] for mode in modes}
        for number in range(1, rounds + 1):
            for mode in modes:
                print(f"round {number}/{rounds}: {mode} …", file=sys.stderr)
                self.runs[mode].append(measure(script, mode, corpus))

    def best(self, mode: str) -> Measured:
        """The round of ``mode`` with the highest rate per CPU second."""
        return max(self.runs[mode], key=lambda measured: self.rates(measured)[0])

    def rates(self, measured: Measured) -> tuple[float, float]:
        """Records per CPU second and per wall-clock second."""
        return measured[self.count] / measured["cpu_seconds"], measured[self.count] / measured["seconds"]

    def micros(self, mode: str) -> float:
        """CPU microseconds per record of the best round of ``mode``."""
        best = self.best(mode)
        return 1e6 * best["cpu_seconds"] / best[self.count]

    def spread(self, mode: str) -> str:
        """The range of the rates per CPU second of the rounds of ``mode`` (empty for one round)."""
        rates = sorted(self.rates(measured)[0] for measured in self.runs[mode])
        return "" if len(rates) == 1 else f", rounds {rates[0]:,.0f}–{rates[-1]:,.0f}"

    def report(self, corpus: Path, measured: str, startup: str, baselines: Sequence[str]) -> Measured:
        """Print the best rate of each baseline and of the ``measured`` mode (``detect``, shown as ``measured``, its
        start-up spent on ``startup``), and the ratios; return the best round of ``detect``."""
        unit = self.count
        full = self.best("detect")
        full_cpu, full_wall = self.rates(full)
        print(f"corpus: {corpus} ({full[unit]:,} {unit}, {os.cpu_count()} cores available, one used)")
        print(f"best of {self.rounds} round(s) of each mode, the modes alternating")
        for mode in baselines:
            base = self.best(mode)
            cpu, wall = self.rates(base)
            print(
                f"{mode} (gunzip + JSON parse): {cpu:,.0f} {unit}/s of CPU ({wall:,.0f} wall-clock"
                f"{self.spread(mode)}), peak RSS {base['peak_rss_mb']:.0f} MB"
            )
        print(
            f"{measured}: {full_cpu:,.0f} {unit}/s of CPU ({full_wall:,.0f} wall-clock{self.spread('detect')}),"
            f" peak RSS {full['peak_rss_mb']:.0f} MB (+ {full['startup']:.1f} s start-up: {startup})"
        )
        for mode in baselines:
            cpu, wall = self.rates(self.best(mode))
            print(f"ratio detect/{mode}: {full_cpu / cpu:.1%} ({full_wall / wall:.1%} wall-clock)")
        return full
