"""The sensor without eBPF: ``/proc`` polled every ``interval`` seconds.

When eBPF cannot run (not root, no BTF, no bpftrace), the sensor still learns which processes run (a new pid is an
exec, a pid gone is an exit), which interesting files they hold open or have mapped (``/proc/PID/fd`` and
``/proc/PID/maps``: the shared objects of the Python packages in use) and which outbound TCP connections they have
(``/proc/PID/net/tcp*``, one read per network namespace). The same filter as the kernel's decides which files are
reported (:func:`jackwatch.sensor.filters.keeps_open`).

It is blind to what happens between two polls, and says so in the run's statistics (:data:`BLIND_SPOTS`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path

from jackwatch.model.runtime import FdInfo, RuntimeRecord
from jackwatch.sensor import procfs
from jackwatch.sensor.filters import keeps_open
from jackwatch.sensor.procs import Process
from jackwatch.sensor.records import RecordBuilder
from jackwatch.sensor.stats import SensorStats

BLIND_SPOTS = (
    "processes that start and exit between two polls are not seen, nor what they did",
    "files opened and closed between two polls are not seen (Python source files are read and closed on import: "
    "only extension modules stay mapped)",
    "connections opened and closed between two polls are not seen; UDP is not watched",
    "fork (clone), uid and gid changes and exit codes are not seen",
    "event times are poll times (the start time of a new process is exact to a clock tick)",
    "without root, other users' processes show no files and no connections",
)

DEFAULT_INTERVAL = 0.5
MAPS_EVERY = 10
"""Polls between two reads of a process's memory maps (they change only when a library is loaded)."""

TCP_STATES = {"01": "established", "02": "syn_sent"}
LISTEN = "0A"


def snapshot(builder: RecordBuilder) -> list[RuntimeRecord]:
    """What the running processes hold now (open files, mapped shared objects the filter keeps), as ``openat``
    records: the packages a long-running server loaded before the sensor started are in use too."""
    now = time.time_ns()
    records = []
    for process in builder.table.processes():
        held, _ = open_files(builder.proc, process.pid)
        for item in [*held, *mapped_files(builder.proc, process.pid)]:
            now += 1
            record = builder.record("openat", now, process)
            record["fd"] = {"type": "file", "name": item.path, "flags": item.flags}
            record["res"] = int(item.fd) if item.fd is not None else 0
            records.append(record)
    return records


def _flags(proc: Path, pid: int, fd: str) -> int:
    """The open flags of a descriptor (``/proc/PID/fdinfo/FD``), 0 when unknown."""
    try:
        text = (proc / str(pid) / "fdinfo" / fd).read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("flags:"):
            try:
                return int(line.split()[1], 8)
            except (IndexError, ValueError):
                return 0
    return 0


@dataclass(frozen=True, slots=True)
class OpenFile:
    """A file a process holds: its path, open flags (0 for a mapping) and descriptor (``None``: mapped)."""

    path: str
    flags: int
    fd: str | None


def open_files(proc: Path, pid: int) -> tuple[list[OpenFile], set[int]]:
    """The files ``pid`` holds open that the filter keeps, and the inodes of its sockets."""
    found: list[OpenFile] = []
    sockets: set[int] = set()
    base = proc / str(pid) / "fd"
    try:
        names = os.listdir(base)
    except OSError:
        return found, sockets
    for name in names:
        link = procfs.read_link(proc, pid, f"fd/{name}")
        if link is None:
            continue
        target = link[0]
        if target.startswith("socket:["):
            with contextlib.suppress(ValueError):
                sockets.add(int(target[8:-1]))
        elif target.startswith("/"):
            flags = _flags(proc, pid, name)
            if keeps_open(target, flags):
                found.append(OpenFile(target, flags, name))
    return found, sockets


def mapped_files(proc: Path, pid: int) -> list[OpenFile]:
    """The files ``pid`` has mapped (shared objects) that the filter keeps."""
    try:
        text = (proc / str(pid) / "maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    paths: dict[str, None] = {}
    for line in text.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/"):
            paths[parts[5].removesuffix(" (deleted)")] = None
    return [OpenFile(path, 0, None) for path in paths if keeps_open(path, 0)]


@dataclass(frozen=True, slots=True)
class Connection:
    """An outbound TCP connection of ``/proc/net/tcp*``."""

    inode: int
    family: str
    sip: str
    sport: int
    dip: str
    dport: int


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.partition(":")
    raw = bytes.fromhex(host)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))  # each 32-bit word is little-endian
    address = IPv4Address(words) if len(words) == 4 else IPv6Address(words)
    mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
    return str(mapped or address), int(port, 16)


def connections(net: Path) -> list[Connection]:
    """Established and opening TCP connections whose local port is not a listening one (outbound)."""
    rows: list[tuple[str, list[str]]] = []
    for name, family in (("tcp", "ipv4"), ("tcp6", "ipv6")):
        try:
            lines = (net / name).read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue
        rows.extend((family, line.split()) for line in lines)
    listening: set[int] = set()
    for _, parts in rows:
        if len(parts) > 3 and parts[3] == LISTEN:
            listening.add(int(parts[1].rpartition(":")[2], 16))
    found = []
    for family, parts in rows:
        if len(parts) < 10 or parts[3] not in TCP_STATES:
            continue
        try:
            sip, sport = _address(parts[1])
            dip, dport = _address(parts[2])
            inode = int(parts[9])
        except ValueError:
            continue
        if sport in listening or not inode:
            continue
        kind = "ipv4" if "." in dip else family
        found.append(Connection(inode, kind, sip, sport, dip, dport))
    return found


@dataclass(slots=True)
class _Seen:
    files: set[tuple[str | None, str]] = field(default_factory=set)
    sockets: set[int] = field(default_factory=set)
    polls: int = 0


class ProcPoller:
    """Runtime records from polling ``/proc``; the first poll reports only what running processes hold."""

    def __init__(self, builder: RecordBuilder, stats: SensorStats, interval: float = DEFAULT_INTERVAL) -> None:
        self.builder = builder
        self.stats = stats
        self.interval = interval
        self.proc = builder.proc
        self._seen: dict[tuple[int, int], _Seen] = {}
        self._reported: set[int] = set()
        self._last = 0
        self.stats.blind_spots = BLIND_SPOTS

    def start(self) -> None:
        """Load the running processes."""
        self.stats.processes_seeded = self.builder.seed()

    def close(self) -> None:
        """Nothing to release."""

    def _now(self) -> int:
        return time.time_ns()

    def _files(self, process: Process, seen: _Seen, now: int) -> Iterator[RuntimeRecord]:
        held, sockets = open_files(self.proc, process.pid)
        if seen.polls % MAPS_EVERY == 0:
            held.extend(mapped_files(self.proc, process.pid))
        seen.polls += 1
        seen.sockets = sockets
        for item in held:
            key = (item.fd, item.path)
            if key in seen.files:
                continue
            seen.files.add(key)
            record = self.builder.record("openat", now, process)
            fd: FdInfo = {"type": "file", "name": item.path, "flags": item.flags}
            record["fd"] = fd
            record["res"] = int(item.fd) if item.fd is not None else 0
            yield record

    def _connections(self, now: int) -> Iterator[RuntimeRecord]:
        namespaces: dict[str, int] = {}
        for process in self.builder.table.processes():
            link = procfs.read_link(self.proc, process.pid, "ns/net")
            if link is not None:
                namespaces.setdefault(link[0], process.pid)
        owners = {inode: key for key, seen in self._seen.items() for inode in seen.sockets}
        reported = self._reported & owners.keys()  # sockets closed since are forgotten
        for pid in namespaces.values():
            for connection in connections(self.proc / str(pid) / "net"):
                key = owners.get(connection.inode)
                if key is None or connection.inode in reported:
                    continue
                owner = self.builder.table.get(*key)
                if owner is None:
                    continue
                reported.add(connection.inode)
                record = self.builder.record("connect", now, owner)
                name = f"{connection.sip}:{connection.sport}->{connection.dip}:{connection.dport}"
                record["fd"] = {
                    "type": connection.family,  # type: ignore[typeddict-item]
                    "name": name,
                    "sip": connection.sip,
                    "sport": connection.sport,
                    "dip": connection.dip,
                    "dport": connection.dport,
                    "l4proto": "tcp",
                }
                record["res"] = 0
                yield record
        self._reported = reported

    def poll(self, first: bool = False) -> list[RuntimeRecord]:
        """One look at ``/proc``: new and gone processes, new files and connections (in time order)."""
        now = self._now()
        table = self.builder.table
        records: list[RuntimeRecord] = []
        alive: set[tuple[int, int]] = set()
        for pid in procfs.pids(self.proc):
            stat = procfs.read_stat(self.proc, pid, self.builder.clock)
            if stat is None:
                continue
            process = table.get(pid, stat.start)
            if process is None:
                full = procfs.read_process(self.proc, pid, self.builder.clock)
                if full is None:
                    continue
                process = table.add(self.builder.process_from_stat(full))
                parent = table.get(process.info["ppid"])
                if parent is not None and parent.start <= process.start:
                    table.set_parent(process, parent)
                if not first:
                    records.append(self.builder.record("execve", max(process.start, self._last + 1), process))
                    records[-1]["res"] = 0
            key = (process.pid, process.start)
            alive.add(key)
            seen = self._seen.setdefault(key, _Seen())
            records.extend(self._files(process, seen, now))
        for key in list(self._seen):
            if key not in alive:
                del self._seen[key]
                process = table.get(*key)
                if process is not None:
                    records.append(self.builder.record("procexit", now, process))
                    table.exit(process, now)
        records.extend(self._connections(now))
        records.sort(key=lambda record: record["time"])
        for record in records:  # strictly increasing times: two events of a process never share an id
            record["time"] = self._last = max(record["time"], self._last + 1)
            self.stats.seen[record["type"]] += 1
        return records

    def records(self, stop: Callable[[], bool]) -> Iterator[RuntimeRecord]:
        """Records until ``stop()``, one poll every :attr:`interval` seconds."""
        yield from self.poll(first=True)
        while not stop():
            deadline = time.monotonic() + self.interval
            while not stop() and time.monotonic() < deadline:
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            yield from self.poll()
        self.stats.incomplete.update(self.builder.stats)
