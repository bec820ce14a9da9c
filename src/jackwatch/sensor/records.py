"""Turn kernel messages into runtime records: the process, its lineage, its container and its users.

:class:`RecordBuilder` keeps the process table up to date with the exec, fork and exit messages and completes each
event with what the kernel could not carry: the full command line and working directory (from ``/proc`` while the
process runs), the parent chain (from the table, also after the parents exited), the container (from the cgroup)
and the user and group names (from the container's own files). A process that exited before the sensor could read
``/proc`` keeps what the kernel event said (its comm, ids and cgroup).
"""

from __future__ import annotations

import posixpath
import socket
from collections import Counter
from pathlib import Path

from jackwatch.model.runtime import ContainerInfo, FdInfo, ProcessInfo, RuntimeRecord
from jackwatch.sensor import procfs
from jackwatch.sensor.clock import Clock
from jackwatch.sensor.containers import Containers, UpperLayers
from jackwatch.sensor.dns import DnsCache, parse_answer
from jackwatch.sensor.messages import (
    AT_FDCWD,
    Chdir,
    Connect,
    DnsAnswer,
    EventMessage,
    Exec,
    Exit,
    Fork,
    Header,
    Open,
    SetId,
)
from jackwatch.sensor.procfs import ProcStat, decode, split_args
from jackwatch.sensor.procs import Process, ProcessTable
from jackwatch.sensor.redact import redact_args
from jackwatch.sensor.users import UserNames

O_DIRECTORY = 0o200000
O_TMPFILE = 0o20000000 | O_DIRECTORY
MODE_FLAGS = 0o100 | O_TMPFILE  # O_CREAT, O_TMPFILE: the open carries a mode
ARGV_BYTES = 200
"""Bytes of the argument area the kernel program hands over (bpftrace's longest string)."""


def normalize(path: str) -> str:
    """``path`` with ``.``, ``..`` and repeated slashes resolved as text (as Falco shows ``fd.name``)."""
    if not path:
        return path
    normal = posixpath.normpath(path)
    return normal[1:] if normal.startswith("//") else normal


class RecordBuilder:
    """Makes :class:`RuntimeRecord` dicts from messages; ``stats`` counts what it could not complete."""

    def __init__(
        self,
        clock: Clock,
        containers: Containers,
        users: UserNames,
        proc: Path = Path("/proc"),
        host: str | None = None,
        table: ProcessTable | None = None,
        dns: DnsCache | None = None,
        host_root: Path = Path("/"),
    ) -> None:
        self.clock = clock
        self.containers = containers
        self.users = users
        self.proc = proc
        self.host = host if host is not None else socket.gethostname()
        self.table = table if table is not None else ProcessTable(tolerance=2 * clock.tick_ns)
        self.dns = dns if dns is not None else DnsCache()
        self.upper_layers = UpperLayers(proc, host_root)
        self.stats: Counter[str] = Counter()

    # ------------------------------------------------------------------------------------------ processes

    def seed(self) -> int:
        """Load every running process from ``/proc``; their parents are linked once all are read."""
        found = [stat for pid in procfs.pids(self.proc) if (stat := procfs.read_process(self.proc, pid, self.clock))]
        for stat in found:
            self.table.add(self.process_from_stat(stat))
        for process in self.table.processes():
            parent = self.table.get(process.info["ppid"])
            if parent is not None and parent.start <= process.start:
                self.table.set_parent(process, parent)
        return len(found)

    def process_from_stat(self, stat: ProcStat) -> Process:
        """A table entry for a process read from ``/proc`` (its arguments' secrets redacted)."""
        argv = redact_args(stat.argv)
        info: ProcessInfo = {
            "pid": stat.pid,
            "ppid": stat.ppid,
            "exe": argv[0] if argv else stat.comm,
            "name": stat.comm,
            "args": argv[1:],
            "uid": stat.uid,
            "gid": stat.gid,
            "euid": stat.euid,
            "tty": stat.tty,
            "sid": stat.sid,
            "start": stat.start,
        }
        if stat.vpid is not None:
            info["vpid"] = stat.vpid
        if stat.loginuid is not None:
            info["loginuid"] = stat.loginuid
        if stat.exepath:
            info["exepath"] = stat.exepath
        if stat.cwd:
            info["cwd"] = stat.cwd
        process = Process(stat.pid, stat.start, info, lossy=stat.lossy)
        process.container = self.containers.of_lines(stat.cgroup_lines)
        process.container_known = bool(stat.cgroup_lines)
        return process

    def _alive(self, pid: int, start: int) -> ProcStat | None:
        """``/proc`` on ``pid`` if it is still the process that started at ``start``."""
        found = procfs.read_process(self.proc, pid, self.clock)
        if found is None or abs(found.start - start) > self.table.tolerance:
            return None
        return found

    def _process(self, header: Header) -> Process:
        """The process of a message: from the table, else from ``/proc``, else from the message alone."""
        start = self.clock.from_boottime(header.start)
        process = self.table.get(header.pid, start)
        if process is None:
            stat = self._alive(header.pid, start)
            if stat is not None:
                process = self.process_from_stat(stat)
                process.start = start
                process.info = {**process.info, "start": start}
            else:
                self.stats["process_unknown"] += 1
                comm, lossy = decode(header.comm)
                info: ProcessInfo = {
                    "pid": header.pid,
                    "ppid": 0,
                    "exe": comm,
                    "name": comm,
                    "args": [],
                    "uid": header.uid,
                    "gid": header.gid,
                    "start": start,
                }
                process = Process(header.pid, start, info, lossy=lossy)
            process = self.table.add(process)
        comm, lossy = decode(header.comm)
        process.lossy |= lossy
        if process.update(uid=header.uid, gid=header.gid, name=comm):
            self.table.changed()
        if not process.container_known or process.cgroup != header.cgroup:
            process.container, process.container_known = self._container(header.pid, header.cgroup)
            process.cgroup = header.cgroup
        return process

    def _container(self, pid: int, cgroup: int) -> tuple[ContainerInfo | None, bool]:
        """The container of a process in cgroup ``cgroup``, and whether that is sure (else it is looked up again
        at the process's next event)."""
        found = self.containers.of_cgroup(cgroup)
        if found is not None:
            return found, True
        lines = procfs.read_cgroup(self.proc, pid)  # cgroup v1 only runtimes on hybrid hosts, or a new cgroup
        if lines:
            return self.containers.of_lines(lines), True
        return None, self.containers.knows(cgroup)

    # -------------------------------------------------------------------------------------------- records

    def _record(self, kind: str, header: Header, process: Process) -> RuntimeRecord:
        return self.record(kind, self.clock.from_monotonic(header.time), process)

    def record(self, kind: str, time: int, process: Process) -> RuntimeRecord:
        """A record of ``kind`` at ``time`` (epoch ns) for ``process``: its lineage, container and users."""
        info = process.info
        record: RuntimeRecord = {
            "type": kind,  # type: ignore[typeddict-item]
            "time": time,
            "proc": info,
            "lineage": self.table.lineage(process),
            "host": self.host,
        }
        container = process.container
        container_id = container.get("id") if container else None
        if container:
            record["container"] = container
        uid = info.get("euid", info["uid"])
        user = self.users.user(container_id, process.pid, uid)
        record["user"] = {"uid": uid, "name": user} if user is not None else {"uid": uid}
        group = self.users.group(container_id, process.pid, info["gid"])
        record["group"] = {"gid": info["gid"], "name": group} if group is not None else {"gid": info["gid"]}
        if process.lossy:
            record["lossy"] = True
        return record

    def build(self, message: EventMessage) -> RuntimeRecord | None:
        """The record of ``message`` (``None`` for a DNS answer: it only teaches names)."""
        if isinstance(message, Exec):
            return self._exec(message)
        if isinstance(message, Fork):
            return self._fork(message)
        if isinstance(message, Exit):
            return self._exit(message)
        if isinstance(message, Open):
            return self._open(message)
        if isinstance(message, Connect):
            return self._connect(message)
        if isinstance(message, SetId):
            return self._setid(message)
        if isinstance(message, Chdir):
            self._chdir(message)
            return None
        if isinstance(message, DnsAnswer):
            answer = parse_answer(message.payload)
            if answer is not None:
                self.dns.learn(answer)
                self.stats["dns_answers"] += 1
            return None
        return None

    def _exec(self, message: Exec) -> RuntimeRecord:
        header = message.header
        process = self._process(header)
        filename, lossy = decode(message.filename)
        args = message.argv
        argv: list[str] = []
        if args is not None:
            argv, bad = split_args(args.argv[: args.length])
            argv = redact_args(argv)
            lossy |= bad
            if args.length > ARGV_BYTES:
                full = self._alive(header.pid, process.start)
                if full is not None and full.argv:
                    argv, bad = redact_args(full.argv), full.lossy
                    lossy |= bad
                else:
                    self.stats["argv_truncated"] += 1
        else:
            self.stats["argv_missing"] += 1
        cwd = process.info.get("cwd")
        link = procfs.read_link(self.proc, header.pid, "cwd")
        if link is not None:
            cwd = link[0]
        exepath = normalize(filename if filename.startswith("/") or not cwd else posixpath.join(cwd, filename))
        process.lossy = lossy
        process.update(
            exe=argv[0] if argv else filename,
            exepath=exepath,
            args=argv[1:],
            ppid=message.ppid,
            euid=message.euid,
            loginuid=message.loginuid,
            cwd=cwd,
        )
        if args is not None:
            process.update(tty=args.tty, sid=args.sid, vpid=args.vpid)
        if not argv:
            process.update(args=[])
        if process.container is not None:
            upper = self.upper_layers.contains(process.container.get("id", ""), header.pid, exepath)
            process.update(exe_upper_layer=upper)
        self.table.changed()
        record = self._record("execve", header, process)
        record["res"] = 0
        return record

    def _fork(self, message: Fork) -> RuntimeRecord:
        header = message.header
        start = self.clock.from_boottime(header.start)
        parent = self.table.get(message.ppid)
        if parent is not None and parent.start > start:
            parent = None
        child = self.table.get(header.pid, start)
        if child is None:
            comm, lossy = decode(header.comm)
            base = parent.info if parent is not None else {"exe": comm, "args": []}
            info: ProcessInfo = {
                **base,  # type: ignore[typeddict-item]
                "pid": header.pid,
                "ppid": message.ppid,
                "name": comm,
                "uid": header.uid,
                "gid": header.gid,
                "euid": message.euid,
                "loginuid": message.loginuid,
                "start": start,
            }
            info.pop("vpid", None)
            child = self.table.add(Process(header.pid, start, info, lossy=lossy))
            if parent is not None:
                child.container, child.cgroup = parent.container, parent.cgroup
                child.container_known = parent.container_known and parent.cgroup == header.cgroup
        if child.parent is None and parent is not None:
            self.table.set_parent(child, parent)
        source = parent if parent is not None else self._unknown_parent(message.ppid, header)
        record = self._record("clone", header, source)
        record["child_pid"] = header.pid
        record["res"] = header.pid
        return record

    def _unknown_parent(self, ppid: int, header: Header) -> Process:
        """A parent the table does not know (its events were lost): from ``/proc``, else what the child shows."""
        self.stats["parent_unknown"] += 1
        stat = procfs.read_process(self.proc, ppid, self.clock)
        if stat is not None:
            return self.table.add(self.process_from_stat(stat))
        comm, lossy = decode(header.comm)
        info: ProcessInfo = {
            "pid": ppid,
            "ppid": 0,
            "exe": comm,
            "name": comm,
            "args": [],
            "uid": header.uid,
            "gid": header.gid,
        }
        return Process(ppid, 0, info, lossy=lossy)

    def _chdir(self, message: Chdir) -> None:
        """Follow the working directory (no record: the relative paths opened later use it)."""
        process = self._process(message.header)
        path, _ = decode(message.path)
        cwd = process.info.get("cwd")
        if message.fd == AT_FDCWD and path.startswith("/"):
            new: str | None = normalize(path)
        elif message.fd == AT_FDCWD and cwd:
            new = normalize(posixpath.join(cwd, path))
        else:  # fchdir, or a relative chdir from an unknown directory: only /proc can tell
            link = procfs.read_link(self.proc, message.header.pid, "cwd")
            new = link[0] if link is not None else None
        if new is None:
            process.info = {key: value for key, value in process.info.items() if key != "cwd"}  # type: ignore[assignment]
            self.stats["cwd_unknown"] += 1
        else:
            process.update(cwd=new)

    def _exit(self, message: Exit) -> RuntimeRecord:
        header = message.header
        process = self._process(header)
        record = self._record("procexit", header, process)
        record["exit_code"] = message.status
        self.table.exit(process, record["time"])
        return record

    def _resolve(self, pid: int, dfd: int, path: str, process: Process) -> str:
        if path.startswith("/"):
            return normalize(path)
        if dfd == AT_FDCWD:
            link = procfs.read_link(self.proc, pid, "cwd")
            base = link[0] if link is not None else process.info.get("cwd")
        else:
            link = procfs.read_link(self.proc, pid, f"fd/{dfd}")
            base = link[0] if link is not None else None
        if base is None or not base.startswith("/"):
            self.stats["path_unresolved"] += 1
            return path
        return normalize(posixpath.join(base, path))

    def _open(self, message: Open) -> RuntimeRecord:
        header = message.header
        process = self._process(header)
        path, lossy = decode(message.path)
        fd: FdInfo = {
            "type": "directory" if message.flags & O_DIRECTORY and not message.flags & 0o20000000 else "file",
            "name": self._resolve(header.pid, message.dfd, path, process),
            "flags": message.flags,
        }
        if fd["name"] != path:
            fd["nameraw"] = path
        if message.flags & MODE_FLAGS:
            fd["mode"] = message.mode
        record = self._record("openat", header, process)
        record["res"] = message.ret
        record["fd"] = fd
        if lossy:
            record["lossy"] = True
        return record

    def _connect(self, message: Connect) -> RuntimeRecord:
        header = message.header
        process = self._process(header)
        daddr = message.daddr
        family = "ipv6" if message.family == 10 else "ipv4"
        saddr = message.saddr
        if daddr.startswith("::ffff:") and "." in daddr:  # an IPv4 address on an IPv6 socket
            daddr, family = daddr.removeprefix("::ffff:"), "ipv4"
        fd: FdInfo = {"type": family, "dip": daddr, "dport": message.dport}  # type: ignore[typeddict-item]
        if message.proto in (6, 17):
            fd["l4proto"] = "tcp" if message.proto == 6 else "udp"
        if message.sport:
            fd["sport"] = message.sport
        if saddr and saddr != "0.0.0.0":
            fd["sip"] = saddr
        fd["name"] = f"{fd.get('sip', '')}:{message.sport}->{daddr}:{message.dport}"
        name = self.dns.name_of(daddr)
        if name is not None:
            fd["dns"] = name
        record = self._record("connect", header, process)
        record["res"] = message.ret
        record["fd"] = fd
        return record

    def _setid(self, message: SetId) -> RuntimeRecord:
        header = message.header
        process = self._process(header)
        if message.ret == 0:
            if message.which == "u":
                process.update(uid=message.target, euid=message.target)
            else:
                process.update(gid=message.target)
            self.table.changed()
        record = self._record("setuid" if message.which == "u" else "setgid", header, process)
        record["target_uid"] = message.target
        record["res"] = message.ret
        return record
