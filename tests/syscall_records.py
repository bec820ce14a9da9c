"""Runtime records as the sensor writes them (model/runtime.py), for the tests of the ``syscall`` source.

A :class:`Proc` describes one process; :func:`execve`, :func:`openat`, :func:`connect`, :func:`setuid` and
:func:`clone` make the record of one event of it, with its lineage (parent first) and its container. The
defaults describe the demo's story: a FastAPI app (``uvicorn``) in a containerd container of the
``openai-app`` pod.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from jackwatch.model import Event
from jackwatch.rules.fields.syscall import to_event

NS = 1_000_000_000
T0 = int(datetime(2026, 5, 1, 10, 0, tzinfo=UTC).timestamp()) * NS
"""2026-05-01T10:00:00Z in nanoseconds."""

CONTAINER_ID = "3f2a9c1b7d4e" + "5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"
CONTAINER: dict[str, Any] = {
    "id": CONTAINER_ID,
    "runtime": "containerd",
    "name": "app",
    "image": "ghcr.io/acme/openai-app:1.4.2",
    "image_id": "sha256:" + "ab" * 32,
    "pod": "openai-app-7d9f8c6b5-x2kq4",
    "namespace": "prod",
    "pod_uid": "0d3c1f7e-7d2c-4e4b-9a51-2f6f3c9b8e10",
}
HOST = "node-1"

O_RDONLY, O_WRONLY, O_RDWR = 0, 0o1, 0o2
O_CREAT, O_EXCL, O_TRUNC, O_APPEND = 0o100, 0o200, 0o1000, 0o2000
O_DIRECTORY, O_CLOEXEC = 0o200000, 0o2000000


@dataclass(frozen=True)
class Proc:
    """One process; ``exe`` defaults to ``exepath`` (how a shell runs a command found in ``PATH``)."""

    pid: int
    name: str
    args: Sequence[str] = ()
    exepath: str = ""
    exe: str = ""
    ppid: int = 1
    uid: int = 0
    gid: int = 0
    cwd: str = "/app"
    tty: int = 0
    sid: int = 1
    vpid: int | None = None
    loginuid: int = -1
    start: int = T0 - 3600 * NS
    extra: dict[str, Any] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        """The ``proc`` object of a record."""
        found: dict[str, Any] = {
            "pid": self.pid,
            "tid": self.pid,
            "ppid": self.ppid,
            "exe": self.exe or self.exepath or self.name,
            "name": self.name[:15],
            "args": list(self.args),
            "cwd": self.cwd,
            "uid": self.uid,
            "gid": self.gid,
            "euid": self.uid,
            "loginuid": self.loginuid,
            "tty": self.tty,
            "sid": self.sid,
            "start": self.start,
        }
        if self.exepath:
            found["exepath"] = self.exepath
        if self.vpid is not None:
            found["vpid"] = self.vpid
        return found | self.extra

    def ancestor(self) -> dict[str, Any]:
        """The ``lineage`` entry of this process."""
        found: dict[str, Any] = {"pid": self.pid, "name": self.name[:15], "exe": self.exe or self.exepath or self.name}
        if self.exepath:
            found["exepath"] = self.exepath
        return found | {"args": list(self.args), "start": self.start}

    def but(self, **changes: Any) -> Proc:
        """A copy with ``changes``."""
        return replace(self, **changes)


CONTAINERD_SHIM = Proc(
    812, "containerd-shim", ["-namespace", "k8s.io", "-id", CONTAINER_ID], "/usr/bin/containerd-shim-runc-v2"
)
UVICORN = Proc(
    4100,
    "uvicorn",
    ["/usr/local/bin/uvicorn", "app.main:app", "--host", "0.0.0.0"],
    "/usr/local/bin/python3.11",
    "/usr/local/bin/python",
    ppid=812,
    uid=1000,
    vpid=1,
)
SHELL = Proc(4242, "sh", ["-c", "id"], "/bin/dash", "/bin/sh", ppid=4100, uid=1000, vpid=7)
APP_LINEAGE = (UVICORN, CONTAINERD_SHIM)
"""The app's process and the shim above it: the parents of what the app runs."""


def _users(uid: int) -> dict[str, Any]:
    names = {0: "root", 1000: "app", 33: "www-data", 65534: "nobody"}
    return {"user": {"uid": uid, "name": names.get(uid, str(uid))}, "group": {"gid": uid, "name": names.get(uid, "")}}


def record(
    kind: str,
    proc: Proc,
    parents: Sequence[Proc] = APP_LINEAGE,
    *,
    container: dict[str, Any] | None = CONTAINER,
    at: int = T0,
    res: int | None = 0,
    **extra: Any,
) -> dict[str, Any]:
    """The record of one event of ``proc`` (``parents``: its parent first); ``container=None`` for the host."""
    found: dict[str, Any] = {"type": kind, "time": at, "proc": proc.info(), "lineage": [p.ancestor() for p in parents]}
    if res is not None:
        found["res"] = res
    found |= _users(proc.uid)
    if container is not None:
        found["container"] = container
    found["host"] = HOST
    return found | extra


def execve(proc: Proc, parents: Sequence[Proc] = APP_LINEAGE, **options: Any) -> dict[str, Any]:
    """A process started (``proc`` after the exec)."""
    return record("execve", proc, parents, **options)


def openat(
    proc: Proc,
    path: str,
    flags: int = O_RDONLY,
    parents: Sequence[Proc] = APP_LINEAGE,
    *,
    res: int = 3,
    mode: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``proc`` opened ``path`` (``res``: the descriptor, or ``-errno``)."""
    fd: dict[str, Any] = {"type": "directory" if flags & O_DIRECTORY else "file", "name": path, "flags": flags}
    if mode is not None:
        fd["mode"] = mode
    return record("openat", proc, parents, res=res, fd=fd, **options)


def connect(
    proc: Proc,
    dip: str,
    dport: int,
    parents: Sequence[Proc] = APP_LINEAGE,
    *,
    dns: str | None = None,
    sip: str = "10.42.0.17",
    sport: int = 43862,
    res: int = 0,
    l4proto: str = "tcp",
    **options: Any,
) -> dict[str, Any]:
    """``proc`` connected to ``dip:dport`` (``dns``: the name it was resolved from)."""
    kind = "ipv6" if ":" in dip else "ipv4"
    fd: dict[str, Any] = {
        "type": kind,
        "name": f"{sip}:{sport}->{dip}:{dport}",
        "sip": sip,
        "sport": sport,
        "dip": dip,
        "dport": dport,
        "l4proto": l4proto,
    }
    if dns is not None:
        fd["dns"] = dns
    return record("connect", proc, parents, res=res, fd=fd, **options)


def setuid(proc: Proc, target: int, parents: Sequence[Proc] = APP_LINEAGE, **options: Any) -> dict[str, Any]:
    """``proc`` asked to become ``target``."""
    return record("setuid", proc, parents, target_uid=target, **options)


def event(raw: dict[str, Any]) -> Event:
    """The event of a record, as the source makes it."""
    return to_event(raw, "test")
