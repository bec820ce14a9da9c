"""The process table: every process the sensor knows, its parent chain, and what each event needs to know of it.

Seeded from ``/proc`` when the sensor starts, then kept by the exec, fork and exit events. A process is known by
(pid, start time): a pid the kernel reuses is a new process, and the events of the old one, still in flight, keep
their own. A process that exited stays in the table (up to :data:`MAX_EXITED`, oldest first out), so that the
lineage of its children still shows it after it is gone; a parent is remembered as it was at fork time (the
kernel re-parents orphans to init, the table does not).

Events can come out of order (each CPU has its own buffer): a fork can arrive after the child's exec, or an exit
before the exec. Entries are matched by (pid, start), so the order in which they are updated does not matter,
and a field is only ever filled in, or replaced by a later event's value.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from jackwatch.model.runtime import Ancestor, ContainerInfo, ProcessInfo

MAX_EXITED = 50_000
"""Exited processes kept for the lineage of their descendants."""

MAX_DEPTH = 64
"""Ancestors listed at most (a loop in forged data ends there too)."""


@dataclass(slots=True)
class Process:
    """One process. ``info`` is never changed in place (records share it): it is replaced by a new dict."""

    pid: int
    start: int
    info: ProcessInfo
    parent: tuple[int, int] | None = None
    """(pid, start) of the parent at fork time, when known."""
    cgroup: int | None = None
    container: ContainerInfo | None = None
    container_known: bool = False
    exited: int | None = None
    lossy: bool = False
    ancestors: tuple[int, list[Ancestor]] | None = field(default=None, repr=False)
    """The lineage, and the generation of the table it was computed at."""

    def update(self, **values: object) -> bool:
        """Replace some fields of ``info`` (a new dict: records made before keep the old values); whether any
        changed."""
        changed = {key: value for key, value in values.items() if value is not None and self.info.get(key) != value}
        if changed:
            self.info = {**self.info, **changed}  # type: ignore[typeddict-item]
        return bool(changed)


class ProcessTable:
    """Processes by (pid, start time), the current one of each pid, and the exited ones still remembered.

    ``tolerance`` (ns) is how far two start times of one process may differ: ``/proc`` gives them in clock ticks,
    the kernel events in ns.
    """

    def __init__(self, tolerance: int = 10_000_000) -> None:
        self.tolerance = tolerance
        self.generation = 0
        """Counts the changes that can change a lineage (lineages are cached until the next one)."""
        self._current: dict[int, Process] = {}
        self._exited: OrderedDict[tuple[int, int], Process] = OrderedDict()
        self._exited_by_pid: dict[int, list[Process]] = {}

    def __len__(self) -> int:
        return len(self._current)

    def _same(self, process: Process, start: int | None) -> bool:
        return start is None or abs(process.start - start) <= self.tolerance

    def get(self, pid: int, start: int | None = None) -> Process | None:
        """The process ``pid`` that started at ``start`` (any start when ``None``), running or exited."""
        process = self._current.get(pid)
        if process is not None and self._same(process, start):
            return process
        if start is None:
            return None
        exact = self._exited.get((pid, start))
        if exact is not None:
            return exact
        for old in reversed(self._exited_by_pid.get(pid, ())):  # start times from /proc are one tick precise
            if abs(old.start - start) <= self.tolerance:
                return old
        return None

    def add(self, process: Process) -> Process:
        """Make ``process`` the current one of its pid (a previous process with that pid is kept as exited)."""
        previous = self._current.get(process.pid)
        if previous is not None and previous is not process:
            if self._same(previous, process.start):
                return previous
            self._retire(previous)
        self._current[process.pid] = process
        self.generation += 1
        return process

    def _retire(self, process: Process) -> None:
        if process.exited is None:
            process.exited = process.start  # it ended before its pid was reused, when exactly is not known
        key = (process.pid, process.start)
        if key not in self._exited:
            self._exited_by_pid.setdefault(process.pid, []).append(process)
        self._exited[key] = process
        while len(self._exited) > MAX_EXITED:
            (pid, _), oldest = self._exited.popitem(last=False)
            same = self._exited_by_pid[pid]
            same.remove(oldest)
            if not same:
                del self._exited_by_pid[pid]

    def exit(self, process: Process, time: int) -> None:
        """``process`` exited at ``time``: it leaves the current ones, its entry stays for lineages."""
        process.exited = time
        if self._current.get(process.pid) is process:
            del self._current[process.pid]
            self.generation += 1
        self._retire(process)

    def parent_of(self, process: Process) -> Process | None:
        """The parent of ``process``: the one it was forked from, else the current holder of its ppid."""
        if process.parent is not None:
            found = self.get(*process.parent)
            if found is not None:
                return found
        ppid = process.info.get("ppid")
        if not ppid:
            return None
        parent = self._current.get(ppid)
        if parent is None or parent.start > process.start:  # a later process with a reused pid is no parent
            return None
        return parent

    def set_parent(self, process: Process, parent: Process) -> None:
        """``parent`` forked ``process``."""
        process.parent = (parent.pid, parent.start)
        self.generation += 1

    def changed(self) -> None:
        """A process changed what its lineage entry shows (an exec, a new name): cached lineages are stale."""
        self.generation += 1

    def lineage(self, process: Process) -> list[Ancestor]:
        """The parent chain of ``process``, parent first (as deep as known). The list is shared by the records
        made until the table changes: it is never modified."""
        cached = process.ancestors
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        chain: list[Ancestor] = []
        seen = {(process.pid, process.start)}
        current = self.parent_of(process)
        while current is not None and len(chain) < MAX_DEPTH:
            key = (current.pid, current.start)
            if key in seen:
                break
            seen.add(key)
            chain.append(ancestor(current))
            current = self.parent_of(current)
        process.ancestors = (self.generation, chain)
        return chain

    def processes(self) -> list[Process]:
        """The processes running now (as far as the table knows)."""
        return list(self._current.values())


def ancestor(process: Process) -> Ancestor:
    """The lineage entry of ``process``."""
    info = process.info
    entry: Ancestor = {"pid": process.pid, "name": info["name"], "exe": info["exe"], "args": info["args"]}
    if "exepath" in info:
        entry["exepath"] = info["exepath"]
    entry["start"] = process.start
    return entry
