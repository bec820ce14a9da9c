"""The bpftrace program the sensor runs: ``bpf/sensor.bt`` with the open filters pasted in, without the probes of
tracepoints this kernel does not have (``open`` exists on x86-64 only, ``openat2`` since Linux 5.6)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from jackwatch.sensor import filters

_TRACEPOINT = re.compile(r"tracepoint:(\w+):(\w+)")
_BLOCK_START = re.compile(r"^(?:tracepoint:|BEGIN|END)", re.MULTILINE)

STOP_PGID = 2_147_480_000
"""The process group the sensor "signals" (with signal 0: nothing is sent, no such group exists) to stop the capture."""

REQUIRED_TRACEPOINTS = (
    "sched/sched_process_exec",
    "sched/sched_process_exit",
    "syscalls/sys_enter_openat",
    "syscalls/sys_exit_openat",
    "syscalls/sys_enter_connect",
    "syscalls/sys_exit_connect",
    "syscalls/sys_enter_kill",
)
"""Without these the sensor cannot do its job; the others are optional."""


@dataclass(frozen=True, slots=True)
class Program:
    """The program text and the tracepoints it left out because the kernel lacks them."""

    text: str
    missing: tuple[str, ...]


def source() -> str:
    """The program as shipped, with its placeholders."""
    return files("jackwatch.sensor").joinpath("bpf", "sensor.bt").read_text(encoding="utf-8")


def _indent(text: str, line: str) -> str:
    """``text`` indented like the placeholder ``line`` it replaces."""
    pad = line[: len(line) - len(line.lstrip())]
    return "\n".join(pad + part if part else part for part in text.splitlines())


def fill(text: str) -> str:
    """Paste the open filters of :mod:`jackwatch.sensor.filters` where their placeholders stand."""
    lines = []
    for line in text.splitlines():
        if line.strip() == "@PATH_RULES@":
            lines.append(_indent(filters.path_rules(), line))
            continue
        for name, make in filters.PLACEHOLDERS.items():
            if name in line:
                line = line.replace(name, make())
        line = line.replace("@STOP_PGID@", str(STOP_PGID))
        lines.append(line)
    filled = "\n".join(lines) + "\n"
    left = re.findall(r"@[A-Z_]+@", filled)
    if left:
        raise ValueError(f"unknown placeholders in the sensor program: {sorted(set(left))}")
    return filled


def _blocks(text: str) -> list[str]:
    """Top-level pieces of the program: comments and probes (each from its first line to the next one's)."""
    starts = [found.start() for found in _BLOCK_START.finditer(text)]
    if not starts:
        return [text]
    return [text[: starts[0]], *(text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True))]


def drop_missing(text: str, exists: Callable[[str], bool]) -> Program:
    """``text`` without the probes whose tracepoints do not exist (``exists("syscalls/sys_enter_open")``)."""
    kept: list[str] = []
    missing: list[str] = []
    for block in _blocks(text):
        header = block.split("{", 1)[0]
        names = [f"{group}/{name}" for group, name in _TRACEPOINT.findall(header)]
        absent = [name for name in names if not exists(name)]
        missing.extend(absent)
        if not names or len(absent) < len(names):
            kept.append(_without(block, absent) if absent else block)
    return Program("".join(kept), tuple(dict.fromkeys(missing)))


def _without(block: str, absent: list[str]) -> str:
    """A probe block attached to several tracepoints, without the ``absent`` ones."""
    header, body = block.split("{", 1)
    for name in absent:
        group, event = name.split("/")
        header = re.sub(rf"tracepoint:{group}:{event}\s*,\s*|,\s*tracepoint:{group}:{event}\b", "", header)
    return header + "{" + body


def tracefs_exists(root: Path) -> Callable[[str], bool]:
    """Whether a tracepoint (``group/name``) exists under the tracefs mounted at ``root``."""
    events = root / "events"
    return lambda name: (events / name).is_dir()


def build(tracefs: Path) -> Program:
    """The program for this kernel."""
    return drop_missing(fill(source()), tracefs_exists(tracefs))
