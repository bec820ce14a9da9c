"""Runtime records as the sensor writes them (model/runtime.py), for the history and package use tests.

:class:`Trace` keeps a little process table so that each record carries its process's start time, parent and
lineage, as the sensor's does: ``spawn`` forks and execs a child, ``open``/``connect`` add events, ``exit``
ends a process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
T0_NS = int(T0.timestamp()) * 1_000_000_000
SECOND = 1_000_000_000
HOST = "node-1"
CONTAINER_ID = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
CONTAINER = {
    "id": CONTAINER_ID,
    "runtime": "containerd",
    "name": "openai-app",
    "image": "registry.example.com/openai-app:1.4.2",
    "image_id": "sha256:2fc197a91070bfb3562459d18d8a190568f512d5bdbd8ff8ffd5d933dd71d88c",
    "pod": "openai-app-7d9f8c-x2x7q",
    "namespace": "prod",
}


@dataclass
class Proc:
    """One process of the trace."""

    pid: int
    ppid: int
    start: int
    exe: str
    args: list[str]
    name: str
    uid: int = 0
    cwd: str = "/app"
    vpid: int | None = None
    container: dict[str, Any] | None = None
    user: str | None = "root"

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "pid": self.pid,
            "ppid": self.ppid,
            "exe": self.exe,
            "exepath": self.exe,
            "name": self.name,
            "args": list(self.args),
            "cwd": self.cwd,
            "uid": self.uid,
            "gid": self.uid,
            "start": self.start,
        }
        if self.vpid is not None:
            info["vpid"] = self.vpid
        return info


@dataclass
class Trace:
    """A process table and the records made from it."""

    host: str | None = HOST
    procs: dict[int, Proc] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, proc: Proc) -> Proc:
        self.procs[proc.pid] = proc
        return proc

    def record(self, kind: str, proc: Proc, time: int, **extra: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"type": kind, "time": time, "proc": proc.info(), "lineage": self.lineage(proc)}
        if self.host is not None:
            record["host"] = self.host
        if proc.container is not None:
            record["container"] = dict(proc.container)
        if proc.user is not None:
            record["user"] = {"uid": proc.uid, "name": proc.user}
        record.update(extra)
        self.records.append(record)
        return record

    def lineage(self, proc: Proc) -> list[dict[str, Any]]:
        chain = []
        parent = self.procs.get(proc.ppid)
        while parent is not None and len(chain) < 16:
            chain.append(
                {
                    "pid": parent.pid,
                    "name": parent.name,
                    "exe": parent.exe,
                    "args": list(parent.args),
                    "start": parent.start,
                }
            )
            parent = self.procs.get(parent.ppid) if parent.ppid != parent.pid else None
        return chain

    def spawn(self, parent: Proc, pid: int, time: int, exe: str, args: list[str], **attrs: Any) -> Proc:
        """``parent`` forks ``pid`` at ``time``, which execs ``exe`` one microsecond later."""
        self.record("clone", parent, time, child_pid=pid, res=pid)
        child = self.add(
            Proc(
                pid,
                parent.pid,
                time,
                exe,
                args,
                exe.rpartition("/")[2][:15],
                uid=attrs.pop("uid", parent.uid),
                cwd=attrs.pop("cwd", parent.cwd),
                container=attrs.pop("container", parent.container),
                user=attrs.pop("user", parent.user),
                **attrs,
            )
        )
        self.record("execve", child, time + 1_000, res=0)
        return child

    def open(self, proc: Proc, time: int, path: str, flags: int = 0, res: int = 3) -> dict[str, Any]:
        return self.record("openat", proc, time, res=res, fd={"type": "file", "name": path, "flags": flags})

    def connect(self, proc: Proc, time: int, ip: str, port: int, dns: str | None = None) -> dict[str, Any]:
        fd: dict[str, Any] = {"type": "ipv4", "sip": "10.0.0.5", "sport": 40000, "dip": ip, "dport": port}
        fd["name"] = f"10.0.0.5:40000->{ip}:{port}"
        fd["l4proto"] = "tcp"
        if dns:
            fd["dns"] = dns
        return self.record("connect", proc, time, res=0, fd=fd)

    def exit(self, proc: Proc, time: int, code: int = 0) -> dict[str, Any]:
        return self.record("procexit", proc, time, exit_code=code)


def intrusion(trace: Trace | None = None) -> tuple[Trace, dict[str, Proc]]:
    """The demo story in a container: uvicorn serving, a shell spawned from it, ``useradd -d /dev/shm/zeus
    nairobi``, a credentials read and a call to the metadata service."""
    trace = trace or Trace()
    shim = trace.add(
        Proc(900, 1, T0_NS - 3600 * SECOND, "/usr/bin/containerd-shim-runc-v2", ["-id", "x"], "containerd-shim")
    )
    app = trace.add(
        Proc(
            1000,
            900,
            T0_NS - 600 * SECOND,
            "/usr/local/bin/python3.11",
            ["-m", "uvicorn", "app:api", "--host", "0.0.0.0"],
            "python3.11",
            vpid=1,
            container=CONTAINER,
        )
    )
    trace.record("openat", app, T0_NS, res=5, fd={"type": "file", "name": "/app/app.py", "flags": 0})
    shell = trace.spawn(app, 1100, T0_NS + 10 * SECOND, "/bin/sh", ["-c", "useradd -d /dev/shm/zeus nairobi"])
    useradd = trace.spawn(shell, 1101, T0_NS + 11 * SECOND, "/usr/sbin/useradd", ["-d", "/dev/shm/zeus", "nairobi"])
    trace.open(useradd, T0_NS + 11 * SECOND + 5_000, "/etc/passwd", flags=0o2 | 0o2000)
    trace.open(useradd, T0_NS + 11 * SECOND + 6_000, "/etc/shadow", flags=0o2)
    trace.exit(useradd, T0_NS + 12 * SECOND)
    curl = trace.spawn(
        shell,
        1102,
        T0_NS + 20 * SECOND,
        "/usr/bin/curl",
        ["-H", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "http://169.254.169.254/latest/meta-data/"],
    )
    trace.connect(curl, T0_NS + 20 * SECOND + 5_000, "169.254.169.254", 80)
    trace.exit(curl, T0_NS + 21 * SECOND, 0)
    trace.exit(shell, T0_NS + 22 * SECOND, 0)
    return trace, {"shim": shim, "app": app, "shell": shell, "useradd": useradd, "curl": curl}
