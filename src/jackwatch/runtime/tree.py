"""The process tree around a process or a container, rebuilt from the history.

Around a process (host, pid and a time: the process with that pid alive then, the latest one without a time):
its ancestors up to pid 1, to its container's init (pid 1 in the container's pid namespace), or to the first
ancestor known to be in another container; the process; and all its descendants, whenever they ran. Around a
container: every process of the container the history holds (those alive at the time given, with their
ancestors in the container), as a forest under its topmost processes.

A parent is found by pid and start time; when a record did not give the parent's start, by pid: the latest
process with that pid started before the child. A parent the history does not hold (it started before the
sensor, or was pruned) is shown as a node of its own, marked missing. Each process may carry its events
(opens, connects, uid changes…), at most :data:`MAX_EVENTS` of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jackwatch.errors import JackwatchError
from jackwatch.store import Store
from jackwatch.store.history import ProcessRow, RuntimeEventRow, SeenContainer

MAX_NODES = 2_000
"""Processes drawn at most; a bigger tree is cut and marked truncated."""

MAX_DEPTH = 64
"""Ancestors climbed at most."""

MAX_EVENTS = 50
"""Events shown per process."""

TREE_EVENT_TYPES = frozenset({"execve", "openat", "connect", "setuid", "setgid"})
"""The events a node lists (forks and exits are the tree itself)."""


class NotInHistory(JackwatchError):
    """The process or container asked for is not in the history."""


@dataclass(slots=True)
class TreeNode:
    """A process of the tree, its children (by start), and its events when asked for."""

    process: ProcessRow
    children: list[TreeNode] = field(default_factory=list)
    events: list[RuntimeEventRow] = field(default_factory=list)
    events_left_out: int = 0
    focus: bool = False
    missing: bool = False

    def walk(self) -> Iterator[TreeNode]:
        """This node and every node below it, depth first."""
        pending = [self]
        while pending:
            node = pending.pop()
            yield node
            pending.extend(reversed(node.children))


@dataclass(slots=True)
class ProcessTree:
    """The tree (a forest for a container), the process it was drawn around, and whether it was cut."""

    roots: list[TreeNode]
    focus: ProcessRow | None = None
    containers: list[SeenContainer] = field(default_factory=list)
    at: datetime | None = None
    truncated: bool = False

    def nodes(self) -> Iterator[TreeNode]:
        """Every node, depth first."""
        for root in self.roots:
            yield from root.walk()


def process_tree(
    store: Store,
    pid: int,
    *,
    host: str | None = None,
    at: datetime | None = None,
    events: bool = False,
    max_nodes: int = MAX_NODES,
) -> ProcessTree:
    """The tree around process ``pid`` (on ``host``, alive at ``at``); :class:`NotInHistory` when unknown."""
    candidates = store.processes(pid=pid, host=host)
    where = f" on {host}" if host else ""
    if not candidates:
        raise NotInHistory(f"no process {pid}{where} in the history")
    hosts = sorted({row.host for row in candidates})
    if len(hosts) > 1:
        raise NotInHistory(f"process {pid} ran on several hosts ({', '.join(hosts)}): give --host")
    focus = _choose(candidates, at, f"process {pid}{where}")
    chain = _ancestors(store, focus)
    builder = _Builder(max_nodes)
    top = builder.node(chain[-1][0], missing=chain[-1][1])
    node = top
    for row, missing in reversed(chain[:-1]):
        child = builder.node(row, missing=missing)
        node.children.append(child)
        node = child
    node.focus = True
    builder.descend(store, node, {row.id for row, _ in chain})
    tree = ProcessTree([top], focus, at=at, truncated=builder.truncated)
    if events:
        _attach_events(store, tree)
    return tree


def container_tree(
    store: Store,
    containers: Sequence[SeenContainer],
    *,
    at: datetime | None = None,
    events: bool = False,
    max_nodes: int = MAX_NODES,
) -> ProcessTree:
    """The processes of ``containers`` as a forest (those alive at ``at`` and their ancestors, when given)."""
    rows = store.processes(container_ids=[container.id for container in containers])
    names = ", ".join(container.name or container.id[:12] for container in containers)
    if not rows:
        raise NotInHistory(f"no process of {names or 'that container'} in the history")
    by_id = {row.id: row for row in rows}
    parent_of = {row.id: _parent_in(row, rows, by_id) for row in rows}
    kept = set(by_id)
    if at is not None:
        kept = set()
        for row in rows:
            if row.alive_at(at):
                current: ProcessRow | None = row
                while current is not None and current.id not in kept:
                    kept.add(current.id)
                    current = parent_of[current.id]
        if not kept:
            raise NotInHistory(f"no process of {names} was alive at {at.isoformat()}")
    builder = _Builder(max_nodes)
    nodes: dict[str, TreeNode] = {}
    roots: list[TreeNode] = []
    for row in sorted((by_id[key] for key in kept), key=lambda row: row.start_ns):
        if builder.full():
            break
        node = nodes[row.id] = builder.node(row)
        parent = parent_of[row.id]
        if parent is not None and parent.id in nodes:
            nodes[parent.id].children.append(node)
        else:
            roots.append(node)
    tree = ProcessTree(roots, None, list(containers), at, len(nodes) < len(kept))
    if events:
        _attach_events(store, tree)
    return tree


def _choose(candidates: Sequence[ProcessRow], at: datetime | None, what: str) -> ProcessRow:
    """The process alive at ``at`` (the latest started), else the latest started before it; the latest without."""
    ordered = sorted(candidates, key=lambda row: row.start_ns)
    if at is None:
        return ordered[-1]
    alive = [row for row in ordered if row.alive_at(at)]
    if alive:
        return alive[-1]
    raise NotInHistory(
        f"{what} was not running at {at.isoformat()}: the history has it from "
        + ", ".join(
            f"{row.first_seen.isoformat()} to {(row.exited_at or row.last_seen).isoformat()}" for row in ordered
        )
    )


def _ancestors(store: Store, focus: ProcessRow) -> list[tuple[ProcessRow, bool]]:
    """``focus`` and its ancestors, nearest first, each with whether the history lacks it."""
    chain: list[tuple[ProcessRow, bool]] = [(focus, False)]
    seen = {focus.id}
    for _ in range(MAX_DEPTH):
        current, missing = chain[-1]
        if missing or current.pid == 1 or current.vpid == 1 or current.parent_pid is None:
            break
        parent = _stored_parent(store, current)
        if parent is None:
            start = current.parent_start_ns if current.parent_start_ns is not None else 0
            placeholder = ProcessRow(current.host, current.parent_pid, start, current.first_seen, current.first_seen)
            chain.append((placeholder, True))
            break
        crosses = focus.container_id and parent.container_id and parent.container_id != focus.container_id
        if crosses or parent.id in seen:
            break
        seen.add(parent.id)
        chain.append((parent, False))
    return chain


def _stored_parent(store: Store, row: ProcessRow) -> ProcessRow | None:
    if row.parent_pid is None:
        return None
    if row.parent_id is not None:
        found = store.processes(ids=[row.parent_id])
        if found:
            return found[0]
    candidates = store.processes(host=row.host, pid=row.parent_pid)
    return _latest_before(candidates, row)


def _latest_before(candidates: Sequence[ProcessRow], child: ProcessRow) -> ProcessRow | None:
    earlier = [row for row in candidates if row.start_ns <= child.start_ns and row.id != child.id]
    return max(earlier, key=lambda row: row.start_ns) if earlier else None


def _parent_in(row: ProcessRow, rows: Sequence[ProcessRow], by_id: dict[str, ProcessRow]) -> ProcessRow | None:
    if row.parent_pid is None:
        return None
    parent_id = row.parent_id
    if parent_id is not None:
        return by_id.get(parent_id)
    return _latest_before([other for other in rows if other.pid == row.parent_pid], row)


def _is_child(child: ProcessRow, parent: ProcessRow) -> bool:
    if child.parent_start_ns is not None:
        return child.parent_start_ns == parent.start_ns
    return parent.start_ns <= child.start_ns


class _Builder:
    def __init__(self, max_nodes: int) -> None:
        self._left = max_nodes
        self.truncated = False

    def full(self) -> bool:
        return self._left <= 0

    def node(self, row: ProcessRow, *, missing: bool = False) -> TreeNode:
        self._left -= 1
        return TreeNode(row, missing=missing)

    def descend(self, store: Store, top: TreeNode, seen: set[str]) -> None:
        """Add every descendant of ``top``, level by level."""
        frontier = [top]
        for _ in range(MAX_DEPTH * 4):
            if not frontier:
                return
            by_pid: dict[int, list[TreeNode]] = {}
            for node in frontier:
                by_pid.setdefault(node.process.pid, []).append(node)
            found = store.processes(host=top.process.host, parent_pids=sorted(by_pid))
            following: list[TreeNode] = []
            for row in sorted(found, key=lambda row: row.start_ns):
                parents = [node for node in by_pid.get(row.parent_pid or -1, []) if _is_child(row, node.process)]
                if row.id in seen or not parents:
                    continue
                if self.full():
                    self.truncated = True
                    return
                seen.add(row.id)
                child = self.node(row)
                max(parents, key=lambda node: node.process.start_ns).children.append(child)
                following.append(child)
            frontier = following


def _attach_events(store: Store, tree: ProcessTree) -> None:
    nodes = {node.process.id: node for node in tree.nodes() if not node.missing}
    for event in store.runtime_events(process_ids=sorted(nodes)):
        node = nodes.get(event.process_id)
        if node is None or event.type not in TREE_EVENT_TYPES:
            continue
        if len(node.events) < MAX_EVENTS:
            node.events.append(event)
        else:
            node.events_left_out += 1
