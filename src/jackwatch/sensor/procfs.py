"""Read what ``/proc`` tells about a process: identity, command line, credentials, cgroup.

Used to seed the process table when the sensor starts, to complete what a kernel event could not carry (a long
command line, the working directory), and by the ``/proc`` polling fallback. A process can exit at any moment:
every reader returns ``None`` (or leaves the value out) instead of raising.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jackwatch.sensor.clock import Clock

MAX_CMDLINE = 128 * 1024


def decode(raw: bytes) -> tuple[str, bool]:
    """Text of ``raw`` and whether it was not valid UTF-8 (undecodable bytes become U+FFFD)."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


def split_args(raw: bytes) -> tuple[list[str], bool]:
    """The NUL-separated arguments of a command line (the last NUL is optional), decoded."""
    if not raw:
        return [], False
    parts = raw.removesuffix(b"\0").split(b"\0")
    lossy = False
    texts = []
    for part in parts:
        text, bad = decode(part)
        texts.append(text)
        lossy |= bad
    return texts, lossy


@dataclass(slots=True)
class ProcStat:
    """One process as ``/proc`` shows it; ``start`` is in epoch ns, at clock-tick precision."""

    pid: int
    ppid: int
    start: int
    comm: str
    tty: int
    sid: int
    uid: int = 0
    gid: int = 0
    euid: int = 0
    vpid: int | None = None
    loginuid: int | None = None
    argv: list[str] = field(default_factory=list)
    exepath: str | None = None
    cwd: str | None = None
    cgroup_lines: list[str] = field(default_factory=list)
    lossy: bool = False


def _read(path: Path, limit: int = 1 << 16) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _link(path: Path) -> tuple[str, bool] | None:
    try:
        raw = os.readlink(os.fsencode(path))
    except OSError:
        return None
    return decode(raw.removesuffix(b" (deleted)"))


def _stat_fields(raw: bytes) -> tuple[str, list[bytes]] | None:
    """comm and the fields after it (the comm may hold spaces and parentheses: it ends at the last ')')."""
    open_at, close_at = raw.find(b"("), raw.rfind(b")")
    if open_at < 0 or close_at < open_at:
        return None
    return decode(raw[open_at + 1 : close_at])[0], raw[close_at + 2 :].split()


def read_stat(proc: Path, pid: int, clock: Clock) -> ProcStat | None:
    """pid, parent, start, comm, terminal and session from ``/proc/PID/stat`` (``None`` if it is gone)."""
    raw = _read(proc / str(pid) / "stat")
    parsed = _stat_fields(raw) if raw else None
    if parsed is None:
        return None
    comm, rest = parsed
    try:  # after comm: state ppid pgrp session tty_nr … starttime is the 20th
        return ProcStat(
            pid=pid,
            ppid=int(rest[1]),
            sid=int(rest[3]),
            tty=int(rest[4]),
            start=clock.from_ticks(int(rest[19])),
            comm=comm,
        )
    except (IndexError, ValueError):
        return None


def read_process(proc: Path, pid: int, clock: Clock) -> ProcStat | None:
    """Everything the sensor uses about ``pid`` (what cannot be read is left at its default)."""
    found = read_stat(proc, pid, clock)
    if found is None:
        return None
    base = proc / str(pid)
    status = _read(base / "status")
    if status:
        for line in status.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            values = value.split()
            if key == "Uid" and len(values) >= 2:
                found.uid, found.euid = int(values[0]), int(values[1])
            elif key == "Gid" and values:
                found.gid = int(values[0])
            elif key == "NSpid" and values:
                found.vpid = int(values[-1])
    login = _read(base / "loginuid")
    if login and login.strip().isdigit():
        number = int(login)
        found.loginuid = -1 if number == 0xFFFFFFFF else number
    cmdline = _read(base / "cmdline", MAX_CMDLINE)
    if cmdline:
        found.argv, lossy = split_args(cmdline)
        found.lossy |= lossy
    for name in ("exe", "cwd"):
        link = _link(base / name)
        if link is not None:
            setattr(found, "exepath" if name == "exe" else "cwd", link[0])
            found.lossy |= link[1]
    cgroup = _read(base / "cgroup")
    if cgroup:
        found.cgroup_lines = cgroup.decode("utf-8", "replace").splitlines()
    return found


def pids(proc: Path) -> Iterator[int]:
    """The process ids listed in ``proc`` (thread groups only)."""
    try:
        names = os.listdir(proc)
    except OSError:
        return
    for name in names:
        if name.isdigit():
            yield int(name)


def read_cmdline(proc: Path, pid: int) -> tuple[list[str], bool] | None:
    """The full argument list of ``pid``, if it still runs."""
    raw = _read(proc / str(pid) / "cmdline", MAX_CMDLINE)
    return None if raw is None else split_args(raw)


def read_link(proc: Path, pid: int, name: str) -> tuple[str, bool] | None:
    """A link of ``/proc/PID`` (``cwd``, ``exe``, ``fd/3``), decoded."""
    try:
        raw = os.readlink(f"{proc}/{pid}/{name}".encode())
    except OSError:
        return None
    return decode(raw.removesuffix(b" (deleted)"))


def read_cgroup(proc: Path, pid: int) -> list[str]:
    """The lines of ``/proc/PID/cgroup`` (none if the process is gone)."""
    try:
        with open(f"{proc}/{pid}/cgroup", "rb") as handle:
            raw = handle.read(1 << 16)
    except OSError:
        return []
    return raw.decode("utf-8", "replace").splitlines()
