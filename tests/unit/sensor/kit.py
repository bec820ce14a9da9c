"""Messages as the kernel program makes them, for the sensor's tests."""

from __future__ import annotations

from jackwatch.sensor.messages import Chdir, Connect, DnsAnswer, Exec, ExecArgs, Exit, Fork, Header, Open, SetId

MS = 1_000_000


def header(
    pid: int, time: int, *, start: int = 1000 * MS, comm: bytes = b"sh", cgroup: int = 1, uid: int = 0
) -> Header:
    return Header(time=time, pid=pid, tid=pid, uid=uid, gid=uid, start=start, cgroup=cgroup, comm=comm)


def execve(
    pid: int, time: int, argv: list[bytes], *, ppid: int = 1, start: int = 1000 * MS, uid: int = 0, cgroup: int = 1
) -> Exec:
    area = b"\0".join(argv) + b"\0"
    args = ExecArgs(pid, 0, pid, pid, len(area), area[:200])
    filename = argv[0] if argv[0].startswith(b"/") else b"/usr/bin/" + argv[0]
    comm = argv[0].rsplit(b"/", 1)[-1][:15]
    return Exec(header(pid, time, start=start, comm=comm, cgroup=cgroup, uid=uid), ppid, uid, -1, filename, args)


def fork(pid: int, ppid: int, time: int, *, start: int, comm: bytes = b"sh", **kw: object) -> Fork:
    return Fork(header(pid, time, start=start, comm=comm, **kw), ppid, 0, -1)  # type: ignore[arg-type]


def exit_(pid: int, time: int, *, start: int = 1000 * MS, code: int = 0, comm: bytes = b"sh") -> Exit:
    return Exit(header(pid, time, start=start, comm=comm), 1, code << 8, code << 8, 4)


def open_(pid: int, time: int, path: bytes, *, flags: int = 0, ret: int = 3, dfd: int = -100, **kw: object) -> Open:
    return Open(header(pid, time, **kw), ret, dfd, flags, 0o644, path)  # type: ignore[arg-type]


def connect(pid: int, time: int, address: str, port: int, **kw: object) -> Connect:
    return Connect(header(pid, time, **kw), -115, 2, port, address, 40000, "10.0.0.5", 6)  # type: ignore[arg-type]


def setuid(pid: int, time: int, target: int, ret: int = 0, **kw: object) -> SetId:
    return SetId(header(pid, time, **kw), "u", target, ret)  # type: ignore[arg-type]


def dns(pid: int, time: int, payload: bytes, **kw: object) -> DnsAnswer:
    return DnsAnswer(header(pid, time, **kw), len(payload), payload)  # type: ignore[arg-type]


def chdir(pid: int, time: int, path: bytes, *, fd: int = -100, **kw: object) -> Chdir:
    return Chdir(header(pid, time, **kw), fd, path)  # type: ignore[arg-type]
