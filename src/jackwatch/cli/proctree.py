"""``jackwatch proctree CONTAINER|PID``: the process tree around a process or a container, from the history."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.cli.options import parse_moment
from jackwatch.outputs.serialize import iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.runtime import container_tree, process_tree
from jackwatch.runtime.redaction import joined, printable
from jackwatch.runtime.timeline import match_workload
from jackwatch.runtime.tree import NotInHistory, ProcessTree, TreeNode
from jackwatch.store.history import ProcessRow, RuntimeEventRow, SeenContainer, time_of_ns


class TreeFormat(StrEnum):
    """How the tree is printed."""

    TABLE = "table"
    JSON = "json"


def proctree(
    target: str = typer.Argument(
        ..., metavar="CONTAINER|PID", help="A pid, or a container id (prefix), container name, image or pod."
    ),
    at: str | None = typer.Option(
        None, "--at", help="The time to look at (ISO time or look-back such as 2h): the process alive then."
    ),
    host: str | None = typer.Option(None, "--host", help="The host of the pid, when several hosts reported it."),
    events: bool = typer.Option(False, "--events", help="Show each process's execs, opens, connects, uid changes."),
    fmt: TreeFormat = typer.Option(TreeFormat.TABLE, "--format", "-f", help="table or json.", case_sensitive=False),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """Draw the process tree around a process (its ancestors up to its container's init or pid 1, and all its
    descendants) or a container (all its processes), with user, command line (secrets redacted), start and
    exit of each."""
    moment = parse_moment(at, datetime.now(UTC))
    with store_at(db) as store:
        if target.strip().isdigit():
            tree = process_tree(store, int(target), host=host, at=moment, events=events)
        else:
            containers = match_workload(store.containers(), target)
            if not containers:
                raise NotInHistory(f"no process {target!r} and no container matching it in the history")
            tree = container_tree(store, containers, at=moment, events=events)
    with output_stream(output) as stream:
        if fmt is TreeFormat.JSON:
            stream.write(orjson.dumps(tree_to_dict(tree), option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(render_tree(tree, color=output is None and stream.isatty()).encode())
    return 0


def render_tree(tree: ProcessTree, *, color: bool) -> str:
    """The tree drawn with rich: one line per process, its events below it."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    title = "Processes"
    if tree.containers:
        title += " of " + ", ".join(container_label(container) for container in tree.containers)
    if tree.at is not None:
        title += f" alive at {iso(tree.at)}"
    top = Tree(escape(title), guide_style="dim")
    pending: list[tuple[Tree, TreeNode]] = [(top, root) for root in reversed(tree.roots)]
    while pending:
        parent, node = pending.pop()
        branch = parent.add(process_label(node))
        for event in node.events:
            branch.add(f"[dim]{iso(event.time)}[/] {escape(event.summary)}")
        if node.events_left_out:
            branch.add(f"[dim]… {node.events_left_out} more events[/]")
        pending.extend((branch, child) for child in reversed(node.children))
    console.print(top)
    if tree.truncated:
        console.print("The tree was cut: it has more processes than are drawn.")
    return buffer.getvalue()


def process_label(node: TreeNode) -> str:
    """``1234 root /usr/sbin/useradd -d /dev/shm/zeus nairobi  10:00:01 → 10:00:02 exit 0``, marked when it is
    the process asked for or missing from the history."""
    row = node.process
    if node.missing:
        return f"[dim]{row.pid} (not in the history)[/]"
    user = row.user_name or ("" if row.uid is None else str(row.uid))
    program = row.exepath or row.exe or row.name or "?"
    command = escape(f"{printable(program)} {joined(row.args or ())}".rstrip())
    times = f"{_short(row.start_ns, row.start_known)} → " + ("running" if row.exited_at is None else iso(row.exited_at))
    if row.exit_code is not None:
        times += f" exit {row.exit_code}"
    label = f"[bold]{row.pid}[/] {escape(user)} {command}  [dim]{times}[/]"
    return f"{label} [bold red]◀[/]" if node.focus else label


def container_label(container: SeenContainer) -> str:
    """``openai-app (3f2a…) image app:1.4 pod prod/openai-app-7d9``."""
    text = f"{container.name or container.id[:12]} ({container.id[:12]})"
    if container.image:
        text += f" image {container.image}"
    if container.workload:
        text += f" pod {container.workload}"
    return text


def tree_to_dict(tree: ProcessTree) -> dict[str, Any]:
    """The tree as JSON: nested nodes, each with its process, children and events."""
    return {
        "at": None if tree.at is None else iso(tree.at),
        "focus": None if tree.focus is None else process_to_dict(tree.focus),
        "containers": [container_to_dict(container) for container in tree.containers],
        "tree": [_node_to_dict(root) for root in tree.roots],
        "truncated": tree.truncated,
    }


def _node_to_dict(node: TreeNode) -> dict[str, Any]:
    return {
        "process": process_to_dict(node.process),
        "focus": node.focus,
        "missing": node.missing,
        "events": [event_to_dict(event) for event in node.events],
        "events_left_out": node.events_left_out,
        "children": [_node_to_dict(child) for child in node.children],
    }


def process_to_dict(row: ProcessRow) -> dict[str, Any]:
    """A process of the history as JSON (times in UTC ISO-8601)."""
    return {
        "id": row.id,
        "host": row.host,
        "pid": row.pid,
        "vpid": row.vpid,
        "start": iso(time_of_ns(row.start_ns)),
        "start_known": row.start_known,
        "parent_pid": row.parent_pid,
        "parent_start": None if row.parent_start_ns is None else iso(time_of_ns(row.parent_start_ns)),
        "name": row.name,
        "exe": row.exe,
        "exepath": row.exepath,
        "args": None if row.args is None else list(row.args),
        "cwd": row.cwd,
        "uid": row.uid,
        "user": row.user_name,
        "container": None
        if row.container_id is None
        else {
            "id": row.container_id,
            "name": row.container_name,
            "image": row.image,
            "image_id": row.image_id,
            "pod": row.pod,
            "namespace": row.namespace,
        },
        "execs": [
            {"time": iso(time_of_ns(item.time_ns)), "exe": item.exe, "args": list(item.args)} for item in row.execs
        ],
        "exited_at": None if row.exited_at is None else iso(row.exited_at),
        "exit_code": row.exit_code,
        "first_seen": iso(row.first_seen),
        "last_seen": iso(row.last_seen),
    }


def event_to_dict(event: RuntimeEventRow) -> dict[str, Any]:
    """A runtime event of the history as JSON: its summary and its (redacted) record."""
    return {
        "id": event.id,
        "time": iso(event.time),
        "type": event.type,
        "host": event.host,
        "pid": event.pid,
        "process_id": event.process_id,
        "container_id": event.container_id,
        "summary": event.summary,
        "record": dict(event.record),
    }


def container_to_dict(container: SeenContainer) -> dict[str, Any]:
    """A container of the history as JSON."""
    return {
        "id": container.id,
        "host": container.host,
        "name": container.name,
        "image": container.image,
        "image_id": container.image_id,
        "pod": container.pod,
        "namespace": container.namespace,
    }


def _short(ns: int, known: bool) -> str:
    text = iso(time_of_ns(ns))
    return text if known else f"≈{text}"
