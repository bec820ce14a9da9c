"""The record of one runtime event (source ``syscall``), as the sensor writes it and the rules read it.

The sensor (eBPF or ``/proc`` polling) turns what the kernel reports into these records; ``--events FILE.jsonl``
writes them one per line, the ``syscall`` fields (``proc.name``, ``fd.name``, ``evt.type``…, Falco's names and
meanings) read them, and the process history is rebuilt from them. A record is plain JSON: the hot path reads
the dictionaries as they are. Keys that are unknown are left out, never filled with placeholders.

Times are integers in nanoseconds since the epoch (``time``, ``proc.start``); the :class:`~jackwatch.model.Event`
carries the same instant as a datetime. Paths and arguments that are not valid UTF-8 are decoded with
``surrogateescape`` replaced by ``\\ufffd`` and the record gets ``"lossy": true``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal, NotRequired, TypedDict

from jackwatch.model.event import Event

SOURCE = "syscall"
"""The source name of runtime events (Falco's)."""

EventType = Literal["execve", "clone", "procexit", "openat", "connect", "setuid", "setgid"]
"""``evt.type``: process exec, fork (clone/fork/vfork all report ``clone``), exit, file open, outbound
connection, uid change, gid change."""


class ProcessInfo(TypedDict):
    """The process an event belongs to (after an exec: the new image)."""

    pid: int  # host pid (thread group id)
    tid: NotRequired[int]
    ppid: int
    vpid: NotRequired[int]  # pid inside the process's pid namespace
    exe: str  # first argument as given (Falco's proc.exe), e.g. "bash" or "/usr/bin/python3"
    exepath: NotRequired[str]  # resolved path of the executable file
    name: str  # comm, at most 15 characters (Falco's proc.name)
    args: list[str]  # argv without argv[0]
    cwd: NotRequired[str]
    uid: int
    gid: int
    euid: NotRequired[int]
    loginuid: NotRequired[int]  # -1 when unset
    tty: NotRequired[int]  # 0 when none
    sid: NotRequired[int]
    start: NotRequired[int]  # start time, ns since the epoch
    exe_upper_layer: NotRequired[bool]  # the executable is in the container's overlay upper layer (not the image)


class Ancestor(TypedDict):
    """One process up the parent chain: ``lineage[0]`` is the parent, ``lineage[1]`` its parent…"""

    pid: int
    name: str
    exe: NotRequired[str]
    exepath: NotRequired[str]
    args: NotRequired[list[str]]
    start: NotRequired[int]


class FdInfo(TypedDict, total=False):
    """The file or socket an ``openat`` or ``connect`` concerns."""

    type: Literal["file", "directory", "ipv4", "ipv6", "unix"]
    name: str  # file path (absolute, resolved against cwd), or "sip:sport->dip:dport" for sockets
    flags: int  # open flags (O_RDONLY=0, O_WRONLY=1, O_RDWR=2, O_CREAT=0o100, O_TRUNC=0o1000…)
    mode: int
    sip: str
    sport: int
    dip: str
    dport: int
    l4proto: Literal["tcp", "udp"]
    dns: str  # the name the destination address was resolved from, when the sensor saw the answer
    nameraw: str  # the path as the process gave it (relative, with ".."), before resolution


class UserInfo(TypedDict, total=False):
    """A user or group id and its name, resolved in the container's own /etc/passwd (/etc/group)."""

    uid: int
    gid: int
    name: str


class ContainerInfo(TypedDict, total=False):
    """The container of the process; absent for host processes."""

    id: str  # 64 hex characters (Falco's container.id is its first 12)
    runtime: Literal["docker", "containerd", "cri-o", "podman"]
    name: str
    image: str  # repository:tag
    image_id: str
    pod: str
    namespace: str
    pod_uid: str


class RuntimeRecord(TypedDict):
    """One runtime event."""

    type: EventType
    time: int  # ns since the epoch
    res: NotRequired[int]  # syscall result: fd or 0 on success, -errno on failure
    proc: ProcessInfo
    lineage: list[Ancestor]  # parent first; as deep as known
    fd: NotRequired[FdInfo]
    user: NotRequired[UserInfo]
    group: NotRequired[UserInfo]
    container: NotRequired[ContainerInfo]
    target_uid: NotRequired[int]  # setuid/setgid: the id asked for
    child_pid: NotRequired[int]  # clone: the new process
    exit_code: NotRequired[int]  # procexit
    host: NotRequired[str]  # hostname of the machine the sensor ran on
    lossy: NotRequired[bool]


def event_id(record: RuntimeRecord) -> str:
    """The stable id of a runtime event: a hash of (host, pid, process start, type, time).

    The same kernel event always gets the same id, so writing it twice (events file and store, or a replay)
    never makes two events; two events of one process differ at least in their type or nanosecond time.
    """
    proc = record["proc"]
    parts = (record.get("host", ""), str(proc["pid"]), str(proc.get("start", "")), record["type"], str(record["time"]))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def event_time(record: RuntimeRecord) -> datetime:
    """The record's time (ns since the epoch) as an aware UTC datetime (microsecond precision)."""
    seconds, nanoseconds = divmod(record["time"], 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanoseconds // 1000)


def to_event(record: RuntimeRecord, origin: str = "") -> Event:
    """The :class:`Event` of a runtime record: source ``syscall``, named by ``evt.type``, the record as raw."""
    return Event(SOURCE, record["type"], event_time(record), event_id(record), record, origin)
