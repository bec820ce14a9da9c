"""Fields of the ``syscall`` source: Falco's syscall fields over the runtime records of the sensor.

An event of this source holds one :class:`~jackwatch.model.runtime.RuntimeRecord` (``execve``, ``clone``,
``procexit``, ``openat``, ``connect``, ``setuid``, ``setgid``; always an exit event). The fields have Falco's
names and meanings (``proc.name`` is the 15-character ``comm``, ``proc.cmdline`` is ``proc.name`` and the
arguments, ``proc.aname[2]`` the grandparent's name, ``fd.sip`` the server address of a connection,
``container.id`` the first 12 characters of the id, or ``host``), so that Falco's own rule files run unchanged.
What the record does not say is missing, never guessed; the Falco fields jackwatch cannot provide at all are
registered as not available (:data:`UNAVAILABLE`): rules that use them load but are not evaluated.

A finding is about the container (its 12-character id), or ``host:<hostname>`` for a process of the host;
its evidence holds the container, image, pod, process lineage, command line (secrets redacted), user,
file and connection of each event.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from jackwatch.model import Event
from jackwatch.model.runtime import RuntimeRecord, event_id
from jackwatch.rules.fields import ArgMode, Extractor, Field, SourceFields
from jackwatch.secrets import fingerprint, scan_text
from jackwatch.sources.reading.records import RecordError, field_error, not_an_object, parse_time, shown

SOURCE = "syscall"
NAME_FIELD = "evt.type"
PARTITION_FIELD = "container.id"
"""The engine compiles the rules once per event type and container: ``container.id != host`` (Falco's ``container``
macro, in most rules) is decided then, and rules about containers are not even tried on the host's events."""
HOST = "host"
"""Falco's ``container.id`` (and ``container.name``) of a process that runs in no container."""

CAPTURED_TYPES = ("execve", "clone", "procexit", "openat", "connect", "setuid", "setgid")
"""The event types (``evt.type``) runtime records have."""

SHORT_ID = 12
"""Characters of a container id Falco's ``container.id`` keeps."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_EMPTY: Mapping[str, Any] = {}
_NO_LINEAGE: tuple[Any, ...] = ()
_DICT = frozenset({dict})

# --------------------------------------------------------------------------------------------- events


def to_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The event of one runtime record (the source's ``make_event``); ``origin`` says where it came from.

    ``name`` is ``type``; ``time`` is ``time`` (nanoseconds since the epoch, or ISO 8601 text in hand-written
    records) as an aware UTC datetime; ``id`` is :func:`jackwatch.model.runtime.event_id`, as the sensor's. Raises
    :class:`~jackwatch.sources.reading.records.RecordError` when the record is not an object, ``type`` is not
    text, ``time`` is not a time, ``proc`` is not an object with an integer pid or ``lineage`` not a list of
    objects.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # parsed JSON: the exact check suffices
        raise not_an_object(raw)
    name = raw.get("type")
    if type(name) is not str or not name:
        raise field_error("type", name)
    proc = raw.get("proc")
    if type(proc) is not dict and not isinstance(proc, Mapping):
        raise field_error("proc", proc, "an object")
    if type(proc.get("pid")) is not int:
        raise field_error("proc.pid", proc.get("pid"), "an integer")
    lineage = raw.get("lineage")
    if lineage is not None and not _is_lineage(lineage):
        raise field_error("lineage", lineage, "a list of objects")
    host = raw.get("host", "")
    if type(host) is not str:
        raise field_error("host", host, "a string")
    moment = _time_of(raw.get("time"))
    return Event(SOURCE, name, moment, event_id(cast(RuntimeRecord, raw)), raw, origin)


def _is_lineage(value: object) -> bool:
    if type(value) is not list:
        return False
    return set(map(type, value)) <= _DICT or all(isinstance(item, Mapping) for item in value)


def _time_of(value: object) -> datetime:
    """The record's time as an aware UTC datetime, truncated to the microsecond (as
    :func:`jackwatch.model.runtime.event_time`); from nanoseconds since the epoch, exact with ``fromtimestamp``
    as a float within 0.12 µs of a whole number of microseconds rounds to it."""
    if type(value) is int:
        try:
            if value >= 0:
                return datetime.fromtimestamp(value // 1000 / 1_000_000, UTC)
            return _EPOCH + timedelta(microseconds=value // 1000)
        except (OverflowError, OSError, ValueError):
            raise RecordError("invalid_field", f"time {shown(value)} is not a time") from None
    if isinstance(value, str) and value:
        return parse_time(value, "time")
    raise field_error("time", value, "nanoseconds since the epoch (an integer)")


# -------------------------------------------------------------------------------------------- readers


def _proc(event: Event) -> Mapping[str, Any]:
    proc = event.raw.get("proc")
    return proc if type(proc) is dict or isinstance(proc, Mapping) else _EMPTY


def _lineage(event: Event) -> list[Any] | tuple[Any, ...]:
    lineage = event.raw.get("lineage")
    return lineage if type(lineage) is list else _NO_LINEAGE


def _section(event: Event, key: str) -> Mapping[str, Any]:
    value = event.raw.get(key)
    return value if type(value) is dict or isinstance(value, Mapping) else _EMPTY


def _text(value: object) -> str | None:
    return value if type(value) is str else None


def _int(value: object) -> int | None:
    return value if type(value) is int else None


def _nanoseconds(event: Event) -> int:
    """The event's time in nanoseconds: the record's own when it agrees with the event's time."""
    micros = (event.time - _EPOCH) // _MICROSECOND
    raw = event.raw.get("time")
    return raw if type(raw) is int and raw // 1000 == micros else micros * 1000


def _proc_key(key: str, kind: type) -> Extractor:
    def extract(event: Event, _arg: str | None) -> object:
        proc = event.raw.get("proc")
        value = proc.get(key) if type(proc) is dict else _proc(event).get(key)
        return value if type(value) is kind else None

    return extract


def _args_of(process: Mapping[str, Any]) -> list[str] | None:
    args = process.get("args")
    return args if type(args) is list else None


def _joined(parts: list[Any]) -> str:
    """Text items joined by spaces (items that are not text, in a hand-written record, are left out)."""
    try:
        return " ".join(parts)
    except TypeError:
        return " ".join(part for part in parts if type(part) is str)


def _cmdline_of(process: Mapping[str, Any]) -> str | None:
    """Falco's command line: the name, then each argument after a space; ``None`` when either is unknown."""
    name, args = process.get("name"), _args_of(process)
    if type(name) is not str or args is None:
        return None
    return _joined([name, *args]) if args else name


def _cmdline(event: Event, _arg: str | None) -> str | None:
    memo = event.memo
    if "proc.cmdline" in memo:
        found: str | None = memo["proc.cmdline"]
        return found
    found = memo["proc.cmdline"] = _cmdline_of(_proc(event))
    return found


def _args(event: Event, _arg: str | None) -> str | None:
    args = _args_of(_proc(event))
    return None if args is None else _joined(args)


def _exeline(event: Event, _arg: str | None) -> str | None:
    proc = _proc(event)
    exe, args = proc.get("exe"), _args_of(proc)
    return None if type(exe) is not str or args is None else _joined([exe, *args])


def _cmdnargs(event: Event, _arg: str | None) -> int | None:
    args = _args_of(_proc(event))
    return None if args is None else len(args)


def _cmdlenargs(event: Event, _arg: str | None) -> int | None:
    args = _args_of(_proc(event))
    return None if args is None else sum(len(item) for item in args if type(item) is str)


# ------------------------------------------------------------------------------------------ ancestors


_LEVELS = {str(level): level for level in range(16)}


def _level(arg: str) -> int | None:
    """The ancestor level an index argument names (``proc.aname[2]`` → 2), ``None`` when it is not one."""
    found = _LEVELS.get(arg)
    if found is None and arg.strip().isascii() and arg.strip().isdigit():
        found = int(arg)
    return found


def _ancestor(event: Event, level: int) -> Mapping[str, Any] | None:
    """Level 0 is the process itself, 1 its parent (``lineage[0]``), 2 the grandparent…"""
    if level == 0:
        return _proc(event)
    lineage = _lineage(event)
    if level > len(lineage):
        return None
    found = lineage[level - 1]
    return found if type(found) is dict or isinstance(found, Mapping) else None


def _ancestor_value(read: Callable[[Mapping[str, Any]], object]) -> Extractor:
    """``proc.a<x>[n]``: the value of the ancestor ``n`` levels up; without index, the tuple of every
    ancestor's value (the parent first), which a comparison matches when one of them does."""

    def extract(event: Event, arg: str | None) -> object:
        if arg is None:
            return tuple(read(item) for item in _lineage(event) if isinstance(item, Mapping))
        level = _level(arg)
        if level is not None and level > 0:
            lineage = event.raw.get("lineage")
            if type(lineage) is list and level <= len(lineage) and type(lineage[level - 1]) is dict:
                return read(lineage[level - 1])
        found = None if level is None else _ancestor(event, level)
        return None if found is None else read(found)

    return extract


def _parent_value(read: Callable[[Mapping[str, Any]], object]) -> Extractor:
    def extract(event: Event, _arg: str | None) -> object:
        lineage = event.raw.get("lineage")
        if type(lineage) is list and lineage and type(lineage[0]) is dict:
            return read(lineage[0])
        parent = _ancestor(event, 1)
        return None if parent is None else read(parent)

    return extract


def _name_of(process: Mapping[str, Any]) -> str | None:
    name = process.get("name")
    return name if type(name) is str else None


def _pid_of(process: Mapping[str, Any]) -> int | None:
    return _int(process.get("pid"))


def _exe_of(process: Mapping[str, Any]) -> str | None:
    return _text(process.get("exe"))


def _exepath_of(process: Mapping[str, Any]) -> str | None:
    return _text(process.get("exepath"))


def _pcmdline(event: Event, _arg: str | None) -> str | None:
    memo = event.memo
    if "proc.pcmdline" in memo:
        found: str | None = memo["proc.pcmdline"]
        return found
    parent = _ancestor(event, 1)
    found = memo["proc.pcmdline"] = None if parent is None else _cmdline_of(parent)
    return found


def _sname(event: Event, _arg: str | None) -> str | None:
    """The session leader's name: the process itself, or the ancestor whose pid is the session id."""
    proc = _proc(event)
    sid = proc.get("sid")
    if type(sid) is not int:
        return None
    if sid == proc.get("pid"):
        return _text(proc.get("name"))
    for item in _lineage(event):
        if isinstance(item, Mapping) and item.get("pid") == sid:
            return _text(item.get("name"))
    return None


def _duration(event: Event, level: int) -> int | None:
    found = _ancestor(event, level)
    start = None if found is None else found.get("start")
    return _nanoseconds(event) - start if type(start) is int else None


def _start(level: int) -> Extractor:
    def extract(event: Event, _arg: str | None) -> int | None:
        found = _ancestor(event, level)
        return None if found is None else _int(found.get("start"))

    return extract


def _upper_layer(event: Event, _arg: str | None) -> bool | None:
    found = _proc(event).get("exe_upper_layer")
    return found if type(found) is bool else None


def _tid(event: Event, _arg: str | None) -> int | None:
    proc = _proc(event)
    return _int(proc.get("tid", proc.get("pid")))


def _is_main(event: Event, _arg: str | None) -> bool | None:
    tid, pid = _tid(event, None), _int(_proc(event).get("pid"))
    return None if tid is None or pid is None else tid == pid


def _memfd(event: Event, _arg: str | None) -> bool | None:
    path = _text(_proc(event).get("exepath"))
    return None if path is None else path.startswith(("/memfd:", "memfd:"))


# ------------------------------------------------------------------------------------------ evt.*


def _time_text(event: Event, pattern: str, fraction: bool) -> str:
    text = event.time.strftime(pattern)
    return f"{text}.{_nanoseconds(event) % 1_000_000_000:09d}" if fraction else text


def _res(event: Event) -> int | None:
    res = event.raw.get("res")
    return res if type(res) is int else None


def _errno_name(res: int) -> str:
    return errno.errorcode.get(-res, f"E{-res}")


def _res_text(event: Event, _arg: str | None) -> str | None:
    res = _res(event)
    if res is None:
        return None
    return "SUCCESS" if res >= 0 else _errno_name(res)


def _failed(event: Event, _arg: str | None) -> bool | None:
    res = _res(event)
    return None if res is None else res < 0


O_ACCMODE = 0o3
O_WRONLY = 0o1
O_RDWR = 0o2
O_CREAT = 0o100
O_DIRECTORY = 0o200000
_EXECUTE_BITS = 0o111
_READING = frozenset({0, O_RDWR})
_WRITING = frozenset({O_WRONLY, O_RDWR})


def _flags(event: Event) -> int | None:
    if event.name != "openat":
        return None
    fd = event.raw.get("fd")
    value = fd.get("flags") if type(fd) is dict else _section(event, "fd").get("flags")
    return value if type(value) is int else None


def _open_read(event: Event, _arg: str | None) -> bool:
    if event.name != "openat":
        return False
    fd = event.raw.get("fd")
    flags = fd.get("flags") if type(fd) is dict else _flags(event)
    return type(flags) is int and flags & O_ACCMODE in _READING


def _open_write(event: Event, _arg: str | None) -> bool:
    if event.name != "openat":
        return False
    fd = event.raw.get("fd")
    flags = fd.get("flags") if type(fd) is dict else _flags(event)
    return type(flags) is int and flags & O_ACCMODE in _WRITING


def _open_exec(event: Event, _arg: str | None) -> bool:
    flags = _flags(event)
    mode = _section(event, "fd").get("mode")
    return flags is not None and bool(flags & O_CREAT) and type(mode) is int and bool(mode & _EXECUTE_BITS)


# Falco's order of open flags (libscap's file_flags); each flag consumes its bits, so O_SYNC hides O_DSYNC.
_OPEN_FLAGS: tuple[tuple[str, int], ...] = (
    ("O_LARGEFILE", 0o100000),
    ("O_DIRECTORY", O_DIRECTORY),
    ("O_DIRECT", 0o40000),
    ("O_TRUNC", 0o1000),
    ("O_SYNC", 0o4010000),
    ("O_NONBLOCK", 0o4000),
    ("O_EXCL", 0o200),
    ("O_DSYNC", 0o10000),
    ("O_APPEND", 0o2000),
    ("O_CREAT", O_CREAT),
)
_MORE_OPEN_FLAGS: tuple[tuple[str, int], ...] = (
    ("O_CLOEXEC", 0o2000000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_PATH", 0o10000000),
    ("O_NOCTTY", 0o400),
)
_ACCESS = {0: "O_RDONLY", O_WRONLY: "O_WRONLY", O_RDWR: "O_RDWR"}


@lru_cache(maxsize=1024)
def open_flags_text(flags: int) -> str:
    """Open flags as Falco writes them: ``O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC``."""
    names: list[str] = []
    for name, bits in _OPEN_FLAGS:
        if flags & bits == bits:
            names.append(name)
            flags &= ~bits
    access = _ACCESS.get(flags & O_ACCMODE)
    if access is not None:
        names.append(access)
    names += [name for name, bits in _MORE_OPEN_FLAGS if flags & bits == bits]
    return "|".join(names)


# libscap's file_mode_flags, in its order
_MODE_FLAGS = (
    ("S_IXOTH", 0o1),
    ("S_IWOTH", 0o2),
    ("S_IROTH", 0o4),
    ("S_IXGRP", 0o10),
    ("S_IWGRP", 0o20),
    ("S_IRGRP", 0o40),
    ("S_IXUSR", 0o100),
    ("S_IWUSR", 0o200),
    ("S_IRUSR", 0o400),
    ("S_ISVTX", 0o1000),
    ("S_ISGID", 0o2000),
    ("S_ISUID", 0o4000),
)


@lru_cache(maxsize=256)
def mode_text(mode: int) -> str:
    """A file mode as Falco writes it: ``S_IXOTH|S_IROTH|…|S_IRUSR``."""
    return "|".join(name for name, bits in _MODE_FLAGS if mode & bits)


# -------------------------------------------------------------------------------------- evt.arg.*


def _user_of(event: Event, uid: int) -> str:
    """A uid as Falco writes a uid argument: the user's name when the record names it, else the number."""
    user = _section(event, "user")
    if user.get("uid") == uid and type(user.get("name")) is str:
        return str(user["name"])
    return "root" if uid == 0 else str(uid)


def _fd_text(event: Event) -> str | None:
    res, fd = _res(event), _section(event, "fd")
    if res is None or res < 0 or event.name != "openat":
        return None
    return f"{res}(<{_TYPECHAR.get(_fd_type(event) or '', 'o')}>{fd.get('name', '')})"


def _res_arg(event: Event) -> str | None:
    res = _res(event)
    if res is None:
        return None
    return str(res) if res >= 0 else f"{res}({_errno_name(res)})"


def _exe_flags(event: Event) -> str | None:
    upper = _proc(event).get("exe_upper_layer")
    memfd = _memfd(event, None)
    names = []
    if memfd:
        names.append("EXE_FROM_MEMFD")
    if type(upper) is bool:
        names.append("EXE_UPPER_LAYER" if upper else "EXE_LOWER_LAYER")
    return "|".join(names) or None


def _arg_flags(event: Event) -> str | None:
    if event.name == "execve":
        return _exe_flags(event)
    flags = _flags(event)
    return None if flags is None else open_flags_text(flags)


def _arg_mode(event: Event) -> str | None:
    mode = _section(event, "fd").get("mode") if event.name == "openat" else None
    return mode_text(mode) if type(mode) is int else None


def _arg_name(event: Event) -> str | None:
    if event.name != "openat":
        return None
    fd = _section(event, "fd")
    return _text(fd.get("nameraw")) or _text(fd.get("name"))


def _target(event: Event) -> int | None:
    return _int(event.raw.get("target_uid"))


def _arg_uid(event: Event) -> str | None:
    target = _target(event)
    return None if target is None or event.name != "setuid" else _user_of(event, target)


def _arg_gid(event: Event) -> str | None:
    target = _target(event)
    return None if target is None or event.name != "setgid" else str(target)


def _process_arg(key: str) -> Callable[[Event], object]:
    def read(event: Event) -> object:
        return _proc(event).get(key) if event.name in ("execve", "clone") else None

    return read


def _socket_arg(event: Event) -> str | None:
    return _fd_name(event, None) if event.name == "connect" else None


def _address_arg(event: Event) -> str | None:
    fd = _section(event, "fd")
    ip, port = fd.get("dip"), fd.get("dport")
    return None if event.name != "connect" or ip is None else f"{ip}:{port}"


def _status_arg(event: Event) -> object:
    return event.raw.get("exit_code") if event.name == "procexit" else None


def _filename_arg(event: Event) -> str | None:
    return _text(_proc(event).get("exepath")) if event.name == "execve" else None


_ARGS: dict[str, tuple[Callable[[Event], object], str]] = {
    "flags": (_arg_flags, "open flags (``O_WRONLY|O_CREAT…``) of an ``openat``; ``EXE_UPPER_LAYER``… of an ``execve``"),
    "mode": (_arg_mode, "the mode of a file an ``openat`` creates (``S_IRUSR|S_IWUSR…``)"),
    "name": (_arg_name, "the path an ``openat`` was given (as given when the record says, else resolved)"),
    "fd": (_fd_text, "the descriptor an ``openat`` returned, as ``3(<f>/etc/passwd)``"),
    "res": (_res_arg, "the result: a number, or ``-2(ENOENT)`` for an error"),
    "uid": (_arg_uid, "the uid a ``setuid`` asks for, as the user's name when the record names it (else the number)"),
    "gid": (_arg_gid, "the gid a ``setgid`` asks for"),
    "filename": (_filename_arg, "the file an ``execve`` ran (``proc.exepath``)"),
    "exe": (_process_arg("exe"), "``proc.exe`` of an ``execve`` or ``clone``"),
    "pid": (_process_arg("pid"), "``proc.pid`` of an ``execve`` or ``clone``"),
    "ptid": (_process_arg("ppid"), "``proc.ppid`` of an ``execve`` or ``clone``"),
    "cwd": (_process_arg("cwd"), "``proc.cwd`` of an ``execve`` or ``clone``"),
    "tty": (_process_arg("tty"), "``proc.tty`` of an ``execve`` or ``clone``"),
    "loginuid": (_process_arg("loginuid"), "``user.loginuid`` of an ``execve`` or ``clone``"),
    "status": (_status_arg, "the exit code of a ``procexit``"),
    "tuple": (_socket_arg, "the connection of a ``connect`` (``fd.name``)"),
    "addr": (_address_arg, "the address a ``connect`` reached (``ip:port``)"),
}
"""``evt.arg.<name>``: the arguments of the captured events, rendered as Falco renders them."""

_RAW_ARGS: dict[str, tuple[Callable[[Event], object], str]] = {
    "flags": (_flags, "the open flags of an ``openat`` as a number (the kernel's ``O_*`` bits)"),
    "mode": (lambda event: _int(_section(event, "fd").get("mode")) if event.name == "openat" else None, "the mode"),
    "res": (_res, "the result as a number"),
    "fd": (lambda event: _res(event) if event.name == "openat" else None, "the descriptor an ``openat`` returned"),
    "uid": (lambda event: _target(event) if event.name == "setuid" else None, "the uid a ``setuid`` asks for"),
    "gid": (lambda event: _target(event) if event.name == "setgid" else None, "the gid a ``setgid`` asks for"),
    "status": (_status_arg, "the exit code of a ``procexit``"),
}

NOT_CAPTURED_ARGS = {
    "path": "mkdir, rmdir, chmod, mount",
    "oldpath": "rename, link, symlink",
    "newpath": "rename, link",
    "target": "symlink",
    "linkpath": "symlink",
    "request": "ptrace",
    "cmd": "bpf, ioctl",
    "domain": "socket",
    "res_or_fd": "socket, accept",
}
"""Arguments the upstream rules read of event types the sensor does not capture: always missing."""


def _arg_field(prefix: str, name: str, read: Callable[[Event], object], doc: str) -> Field:
    return Field(f"{prefix}.{name}", lambda event, _arg: read(event), f"Argument ``{name}``: {doc}.")


# ------------------------------------------------------------------------------------------- fd.*


_TYPECHAR = {"file": "f", "directory": "d", "ipv4": "4", "ipv6": "6", "unix": "u"}


def _fd_type(event: Event) -> str | None:
    fd = event.raw.get("fd")
    if type(fd) is not dict and not isinstance(fd, Mapping):
        return None
    kind = fd.get("type")
    if type(kind) is str:
        return kind
    return _guessed_type(event, fd)


def _guessed_type(event: Event, fd: Mapping[str, Any]) -> str | None:
    """The type of a descriptor the record does not type: a file (or directory) opened, an address connected."""
    if event.name == "openat":
        flags = fd.get("flags")
        return "directory" if type(flags) is int and flags & O_DIRECTORY else "file"
    if event.name == "connect" and type(fd.get("dip")) is str:
        return "ipv6" if ":" in fd["dip"] else "ipv4"
    return None


def _fd_typechar(event: Event, _arg: str | None) -> str | None:
    fd = event.raw.get("fd")
    kind = fd.get("type") if type(fd) is dict else None
    if type(kind) is not str:
        kind = _fd_type(event)
    return None if kind is None else _TYPECHAR.get(kind, "o")


def _is_socket(event: Event) -> bool:
    fd = event.raw.get("fd")
    kind = fd.get("type") if type(fd) is dict else None
    if type(kind) is not str:
        kind = _fd_type(event)
    return kind == "ipv4" or kind == "ipv6"


def _fd_name(event: Event, _arg: str | None) -> str | None:
    fd = event.raw.get("fd")
    if type(fd) is dict:
        name = fd.get("name")
        if type(name) is str:
            return name
    fd = _section(event, "fd")
    name = fd.get("name")
    if type(name) is str:
        return name
    if _is_socket(event) and "dip" in fd:
        return f"{fd.get('sip', '')}:{fd.get('sport', '')}->{fd['dip']}:{fd.get('dport', '')}"
    return None


def _file_name(event: Event) -> tuple[str | None, str | None]:
    """``(type, path)`` of the descriptor of a file or directory; ``(type, None)`` for other descriptors."""
    fd = event.raw.get("fd")
    if type(fd) is dict:
        kind = fd.get("type")
        if kind == "file" or kind == "directory":
            name = fd.get("name")
            return kind, name if type(name) is str else None
        if type(kind) is str:
            return kind, None
    kind, name = _fd_type(event), _section(event, "fd").get("name")
    return kind, name if type(name) is str and (kind == "file" or kind == "directory") else None


def _fd_directory(event: Event, _arg: str | None) -> str | None:
    kind, name = _file_name(event)
    if name is None or kind == "directory":
        return name
    cut = name.rfind("/")
    return (name[:cut] or "/") if cut >= 0 else ""


def _fd_filename(event: Event, _arg: str | None) -> str | None:
    kind, name = _file_name(event)
    return None if name is None or kind != "file" else name[name.rfind("/") + 1 :]


def _fd_num(event: Event, _arg: str | None) -> int | None:
    if event.name != "openat":
        return None
    res = event.raw.get("res")
    return (res if res >= 0 else -1) if type(res) is int else None


def _socket(event: Event) -> Mapping[str, Any] | None:
    """The record's ``fd`` when it is a connection (IPv4 or IPv6), else ``None``."""
    fd = event.raw.get("fd")
    if type(fd) is dict:
        kind = fd.get("type")
        if kind == "ipv4" or kind == "ipv6":
            return fd
        if type(kind) is str:
            return None
    return _section(event, "fd") if _is_socket(event) else None


def _socket_value(key: str) -> Extractor:
    def extract(event: Event, _arg: str | None) -> object:
        fd = event.raw.get("fd")
        if type(fd) is not dict or ((kind := fd.get("type")) != "ipv4" and kind != "ipv6"):
            fd = _socket(event)  # not a connection, or a record written by hand
        return None if fd is None else fd.get(key)

    return extract


def _either(first: str, second: str) -> Extractor:
    """Both ends of a connection: a comparison holds when it holds for either (Falco's ``fd.ip``, ``fd.port``)."""

    def extract(event: Event, _arg: str | None) -> tuple[object, ...] | None:
        fd = _socket(event)
        if fd is None:
            return None
        one, other = fd.get(first), fd.get(second)
        if one is not None and other is not None:
            return one, other
        return tuple(value for value in (one, other) if value is not None)

    return extract


def _l4proto(event: Event, _arg: str | None) -> str | None:
    fd = _socket(event)
    return None if fd is None else _text(fd.get("l4proto"))


def _sockfamily(event: Event, _arg: str | None) -> str | None:
    kind = _fd_type(event)
    return "ip" if kind in ("ipv4", "ipv6") else "unix" if kind == "unix" else None


def _connected(event: Event, _arg: str | None) -> bool | None:
    if not _is_socket(event):
        return None
    return event.name == "connect" and _res(event) == 0


def _name_changed(event: Event, _arg: str | None) -> bool | None:
    return False if _is_socket(event) else None


def _dns(event: Event, _arg: str | None) -> str | None:
    fd = _socket(event)
    return None if fd is None else _text(fd.get("dns"))


def _nameraw(event: Event, _arg: str | None) -> str | None:
    return _text(_section(event, "fd").get("nameraw"))


# ------------------------------------------------------------------------------------ user, group


def _user_uid(event: Event, _arg: str | None) -> int | None:
    uid = _section(event, "user").get("uid")
    if type(uid) is int:
        return uid
    proc = _proc(event)
    uid = proc.get("euid", proc.get("uid"))
    return uid if type(uid) is int else None


def _loginuid(event: Event, _arg: str | None) -> int | None:
    value = _proc(event).get("loginuid")
    if type(value) is not int:
        return None
    return -1 if value == 0xFFFFFFFF else value


def _loginname(event: Event, _arg: str | None) -> str | None:
    login = _loginuid(event, None)
    if login is None or login < 0:
        return None
    user = _section(event, "user")
    if user.get("uid") == login and type(user.get("name")) is str:
        return str(user["name"])
    return "root" if login == 0 else None


def _group_gid(event: Event, _arg: str | None) -> int | None:
    gid = _section(event, "group").get("gid")
    if type(gid) is int:
        return gid
    return _int(_proc(event).get("gid"))


def _named(section: str) -> Extractor:
    return lambda event, _arg: _text(_section(event, section).get("name"))


# -------------------------------------------------------------------------------- container, k8s


def _container(event: Event) -> Mapping[str, Any] | None:
    """The record's container, ``None`` for a process of the host."""
    found = event.raw.get("container")
    if (type(found) is dict or isinstance(found, Mapping)) and type(found.get("id")) is str and found["id"]:
        return found
    return None


def container_id(event: Event, _arg: str | None = None) -> str:
    """Falco's ``container.id``: the first 12 characters of the id, or ``host``."""
    found = event.raw.get("container")
    if type(found) is dict:
        identifier = found.get("id")
        if type(identifier) is str and identifier:
            return identifier[:SHORT_ID]
    found = _container(event)
    return HOST if found is None else str(found["id"])[:SHORT_ID]


def _container_full_id(event: Event, _arg: str | None) -> str:
    found = _container(event)
    return HOST if found is None else str(found["id"])


def _container_name(event: Event, _arg: str | None) -> str | None:
    found = _container(event)
    return HOST if found is None else _text(found.get("name"))


def _container_value(key: str) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        found = _container(event)
        return None if found is None else _text(found.get(key))

    return extract


@lru_cache(maxsize=4096)
def image_parts(image: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of an image reference (``registry:5000/app:1.2@sha256:…``)."""
    name, _, digest = image.partition("@")
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return name[:colon], name[colon + 1 :] or None, digest or None
    return name, None, digest or None


def _image_part(index: int) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        found = _container(event)
        image = None if found is None else found.get("image")
        return image_parts(image)[index] if type(image) is str and image else None

    return extract


# ------------------------------------------------------------------------------------------- table

_EVT: tuple[tuple[str, Extractor, str], ...] = (
    (
        "evt.type",
        lambda event, _arg: event.name,
        "The event type: " + ", ".join(f"``{t}``" for t in CAPTURED_TYPES) + ".",
    ),
    (
        "syscall.type",
        lambda event, _arg: None if event.name == "procexit" else event.name,
        "The system call (not for ``procexit``).",
    ),
    ("evt.dir", lambda event, _arg: "<", "The direction: always ``<`` (runtime records are exit events)."),
    (
        "evt.num",
        lambda event, _arg: None,
        "The event number: runtime records are not numbered, so it is always missing (``evt.num=0``, Falco's"
        " ``never_true``, never holds, as in Falco, which numbers from 1).",
    ),
    ("evt.source", lambda event, _arg: SOURCE, "The event source: ``syscall``."),
    ("evt.hostname", lambda event, _arg: _text(event.raw.get("host")), "The host the sensor ran on."),
    (
        "evt.time",
        lambda event, _arg: _time_text(event, "%H:%M:%S", True),
        "The time as ``HH:MM:SS.nnnnnnnnn`` (UTC).",
    ),
    ("evt.time.s", lambda event, _arg: _time_text(event, "%H:%M:%S", False), "The time as ``HH:MM:SS`` (UTC)."),
    (
        "evt.time.iso8601",
        lambda event, _arg: _time_text(event, "%Y-%m-%dT%H:%M:%S", True) + "Z",
        "The time in ISO 8601 with nanoseconds (``2026-05-01T10:00:00.123456789Z``).",
    ),
    (
        "evt.datetime",
        lambda event, _arg: _time_text(event, "%Y-%m-%d %H:%M:%S", True),
        "The date and time as ``YYYY-MM-DD HH:MM:SS.nnnnnnnnn`` (UTC).",
    ),
    (
        "evt.datetime.s",
        lambda event, _arg: _time_text(event, "%Y-%m-%d %H:%M:%S", False),
        "The date and time without nanoseconds (UTC).",
    ),
    ("evt.rawtime", lambda event, _arg: _nanoseconds(event), "Number: nanoseconds since the epoch."),
    ("evt.rawtime.s", lambda event, _arg: _nanoseconds(event) // 1_000_000_000, "Number: seconds since the epoch."),
    (
        "evt.rawtime.ns",
        lambda event, _arg: _nanoseconds(event) % 1_000_000_000,
        "Number: the nanoseconds of the second.",
    ),
    (
        "evt.res",
        _res_text,
        "The result: ``SUCCESS``, or the error's name (``ENOENT``, ``EACCES``…); missing when the record has none.",
    ),
    ("evt.rawres", lambda event, _arg: _res(event), "Number: the result (a descriptor, 0, or ``-errno``)."),
    ("evt.failed", _failed, "Boolean: ``true`` when the call returned an error."),
    ("evt.is_open_read", _open_read, "Boolean: ``true`` for an ``openat`` for reading (``O_RDONLY`` or ``O_RDWR``)."),
    ("evt.is_open_write", _open_write, "Boolean: ``true`` for an ``openat`` for writing (``O_WRONLY`` or ``O_RDWR``)."),
    (
        "evt.is_open_exec",
        _open_exec,
        "Boolean: ``true`` for an ``openat`` that creates (``O_CREAT``) a file with an execute permission.",
    ),
)

_PROC: tuple[tuple[str, Extractor, str], ...] = (
    ("proc.name", _proc_key("name", str), "The process name (``comm``, at most 15 characters)."),
    ("proc.exe", _proc_key("exe", str), "The first command-line argument (``argv[0]``), as given."),
    ("proc.exepath", _proc_key("exepath", str), "The full path of the executable file."),
    ("proc.args", _args, 'The arguments after ``argv[0]``, separated by spaces (``""`` without arguments).'),
    ("proc.cmdline", _cmdline, "``proc.name`` and the arguments, separated by spaces (``bash -c id``)."),
    ("proc.exeline", _exeline, "``proc.exe`` and the arguments, separated by spaces."),
    ("proc.cmdnargs", _cmdnargs, "Number: how many arguments (``proc.args``)."),
    ("proc.cmdlenargs", _cmdlenargs, "Number: the characters of the arguments, without the spaces between them."),
    ("proc.pid", _proc_key("pid", int), "Number: the process id (on the host)."),
    ("proc.vpid", _proc_key("vpid", int), "Number: the process id in its own pid namespace (the container's)."),
    ("proc.ppid", _proc_key("ppid", int), "Number: the parent's process id."),
    ("proc.cwd", _proc_key("cwd", str), "The working directory."),
    ("proc.tty", _proc_key("tty", int), "Number: the controlling terminal (0 when none)."),
    ("proc.sid", _proc_key("sid", int), "Number: the session id."),
    (
        "proc.sname",
        _sname,
        "The session leader's name (the process itself, or the ancestor whose pid is the session id).",
    ),
    ("proc.pname", _parent_value(_name_of), "The parent's ``proc.name``."),
    ("proc.pexe", _parent_value(_exe_of), "The parent's ``proc.exe``."),
    ("proc.pexepath", _parent_value(_exepath_of), "The parent's ``proc.exepath``."),
    (
        "proc.pcmdline",
        _pcmdline,
        "The parent's ``proc.cmdline`` (missing when the record does not give its arguments).",
    ),
    ("proc.duration", lambda event, _arg: _duration(event, 0), "Number: nanoseconds since the process started."),
    ("proc.ppid.duration", lambda event, _arg: _duration(event, 1), "Number: nanoseconds since the parent started."),
    ("proc.pid.ts", _start(0), "Number: when the process started, nanoseconds since the epoch."),
    ("proc.ppid.ts", _start(1), "Number: when the parent started, nanoseconds since the epoch."),
    (
        "proc.is_exe_upper_layer",
        _upper_layer,
        "Boolean: ``true`` when the executable is in the upper (written) layer of the container's overlay"
        " filesystem, i.e. not part of the image; missing when the sensor could not tell.",
    ),
    (
        "proc.is_exe_from_memfd",
        _memfd,
        "Boolean: ``true`` when the executable is an anonymous memory file (``/memfd:…``: fileless execution).",
    ),
    ("thread.tid", _tid, "Number: the thread id."),
    ("thread.ismain", _is_main, "Boolean: ``true`` when the thread is the process's main thread."),
)

_ANCESTORS: tuple[tuple[str, Callable[[Mapping[str, Any]], object], str], ...] = (
    ("proc.aname", _name_of, "``proc.name``"),
    ("proc.apid", _pid_of, "``proc.pid``"),
    ("proc.aexe", _exe_of, "``proc.exe``"),
    ("proc.aexepath", _exepath_of, "``proc.exepath``"),
    ("proc.acmdline", _cmdline_of, "``proc.cmdline``"),
)

_USER: tuple[tuple[str, Extractor, str], ...] = (
    ("user.uid", _user_uid, "Number: the (effective) user id."),
    ("user.name", _named("user"), "The user name, resolved in the container's own ``/etc/passwd``."),
    ("user.loginuid", _loginuid, "Number: the audit (login) user id; ``-1`` when unset."),
    (
        "user.loginname",
        _loginname,
        "The login user's name, when the record names it (the login user is the user, or root).",
    ),
    ("group.gid", _group_gid, "Number: the group id."),
    ("group.name", _named("group"), "The group name, resolved in the container's own ``/etc/group``."),
)

_CONTAINER: tuple[tuple[str, Extractor, str], ...] = (
    ("container.id", container_id, "The container id's first 12 characters; ``host`` for a process of the host."),
    ("container.full_id", _container_full_id, "The full container id (64 characters); ``host`` for the host."),
    ("container.name", _container_name, "The container name; ``host`` for a process of the host."),
    ("container.image", _container_value("image"), "The image (``repository:tag``); missing for the host."),
    ("container.image.repository", _image_part(0), "The image repository (``ghcr.io/acme/app``)."),
    ("container.image.tag", _image_part(1), "The image tag (``1.4.2``)."),
    ("container.image.digest", _image_part(2), "The image digest, when the image reference has one."),
    ("container.image.id", _container_value("image_id"), "The image id."),
    (
        "container.type",
        _container_value("runtime"),
        "The runtime: ``docker``, ``containerd``, ``cri-o`` or ``podman``.",
    ),
    ("k8s.ns.name", _container_value("namespace"), "The Kubernetes namespace of the pod."),
    ("k8s.pod.name", _container_value("pod"), "The Kubernetes pod name."),
    ("k8s.pod.uid", _container_value("pod_uid"), "The Kubernetes pod uid."),
    ("k8s.pod.id", _container_value("pod_uid"), "The Kubernetes pod uid (Falco's older name)."),
)

_FD: tuple[tuple[str, Extractor, str], ...] = (
    ("fd.num", _fd_num, "Number: the descriptor an ``openat`` returned, ``-1`` when it failed."),
    ("fd.type", lambda event, _arg: _fd_type(event), "``file``, ``directory``, ``ipv4``, ``ipv6`` or ``unix``."),
    ("fd.typechar", _fd_typechar, "``f`` (file), ``d`` (directory), ``4``, ``6`` (IP sockets) or ``u`` (unix)."),
    ("fd.name", _fd_name, "The file's absolute path, or the connection as ``cip:cport->sip:sport``."),
    ("fd.nameraw", _nameraw, "The path as the process gave it (relative, with ``..``), when the sensor reports it."),
    ("fd.directory", _fd_directory, "The directory of the file (a directory's own path)."),
    ("fd.filename", _fd_filename, "The file name without its directory."),
    ("fd.cip", _socket_value("sip"), "The client address of a connection (here, the connecting process's)."),
    ("fd.sip", _socket_value("dip"), "The server address of a connection (the destination of a ``connect``)."),
    ("fd.lip", _socket_value("sip"), "The local address of a connection."),
    ("fd.rip", _socket_value("dip"), "The remote address of a connection."),
    ("fd.cport", _socket_value("sport"), "Number: the client port."),
    ("fd.sport", _socket_value("dport"), "Number: the server port (the destination port of a ``connect``)."),
    ("fd.lport", _socket_value("sport"), "Number: the local port."),
    ("fd.rport", _socket_value("dport"), "Number: the remote port."),
    ("fd.cnet", _socket_value("sip"), "The client address, compared with networks (``fd.cnet in (10.0.0.0/8)``)."),
    ("fd.snet", _socket_value("dip"), "The server address, compared with networks."),
    ("fd.lnet", _socket_value("sip"), "The local address, compared with networks."),
    ("fd.rnet", _socket_value("dip"), "The remote address, compared with networks."),
    ("fd.l4proto", _l4proto, "``tcp`` or ``udp``."),
    ("fd.sockfamily", _sockfamily, "``ip`` or ``unix``."),
    ("fd.connected", _connected, "Boolean: ``true`` when a ``connect`` succeeded."),
    ("fd.name_changed", _name_changed, "Boolean: ``false`` for every captured connection (only sends change it)."),
    ("fd.sip.name", _dns, "The domain name the server address was resolved from, when the sensor saw the answer."),
    ("fd.rip.name", _dns, "The domain name the remote address was resolved from, when the sensor saw the answer."),
    (
        "fd.dip",
        _socket_value("dip"),
        "The destination address of a ``connect`` (a jackwatch field: Falco's ``fd.sip`` and ``fd.rip`` for it).",
    ),
    (
        "fd.dport",
        _socket_value("dport"),
        "Number: the destination port of a ``connect`` (a jackwatch field: Falco's ``fd.sport`` for it).",
    ),
)

_EITHER: tuple[tuple[str, Extractor, str], ...] = (
    ("fd.ip", _either("sip", "dip"), "Either address of the connection: a comparison holds when it holds for one."),
    ("fd.port", _either("sport", "dport"), "Number: either port of the connection (as ``fd.ip``)."),
    ("fd.net", _either("sip", "dip"), "Either address, compared with networks (``fd.net != 127.0.0.0/8``)."),
)

UNAVAILABLE: Mapping[str, str] = {
    "proc.env": "the sensor does not read process environments",
    "proc.vpgid": "the sensor does not record process groups",
    "proc.vpgid.name": "the sensor does not record process groups",
    "proc.vpgid.exe": "the sensor does not record process groups",
    "proc.is_vpgid_leader": "the sensor does not record process groups",
    "proc.is_exe_writable": "the sensor does not check the executable's permissions",
    "proc.exe_ino": "the sensor does not record the executable's inode",
    "proc.exe_ino.ctime": "the sensor does not record the executable's inode",
    "proc.exe_ino.mtime": "the sensor does not record the executable's inode",
    "proc.exe_ino.ctime_duration_proc_start": "the sensor does not record the executable's inode",
    "proc.exe_ino.ctime_duration_pidns_start": "the sensor does not record the executable's inode",
    "proc.pidns_init_start_ts": "the sensor does not record pid namespaces",
    "proc.pvpid": "the sensor does not record the parent's namespaced pid",
    "proc.loginshellid": "not computed",
    "thread.cap_permitted": "the sensor does not record capabilities",
    "thread.cap_effective": "the sensor does not record capabilities",
    "thread.cap_inheritable": "the sensor does not record capabilities",
    "thread.vtid": "the sensor does not record namespaced thread ids",
    "user.homedir": "not resolved",
    "user.shell": "not resolved",
    "container.privileged": "the sensor does not ask the runtime for the container's security settings",
    "container.mounts": "the sensor does not ask the runtime for the container's mounts",
    "container.mount": "the sensor does not ask the runtime for the container's mounts",
    "container.mount.source": "the sensor does not ask the runtime for the container's mounts",
    "container.mount.dest": "the sensor does not ask the runtime for the container's mounts",
    "container.start_ts": "the sensor does not record when containers start",
    "container.duration": "the sensor does not record when containers start",
    "container.ip": "the sensor does not ask the runtime for addresses",
    "fd.ino": "the sensor does not record inodes",
    "fd.dev": "the sensor does not record devices",
    "fd.types": "the sensor does not track the open descriptors of processes",
    "fd.lip.name": "local addresses have no resolved name",
    "fd.cip.name": "client addresses have no resolved name",
    "evt.buffer": "the sensor does not capture read or written data",
    "evt.args": "not rendered",
    "evt.category": "not computed",
}
"""Falco syscall fields the upstream rule files use (and a few others) that jackwatch cannot provide, and why."""

_INDEXED = frozenset({"container.mount", "container.mount.source", "container.mount.dest", "fd.types"})


def _unavailable_field(name: str, why: str) -> Field:
    return Field(
        name,
        lambda event, _arg: None,
        f"**Not available**: {why}.",
        ArgMode.OPTIONAL if name in _INDEXED else ArgMode.NONE,
        available=False,
    )


def _fields() -> Iterator[Field]:
    for group in (_EVT, _PROC, _USER, _CONTAINER, _FD):
        yield from (Field(name, extract, doc) for name, extract, doc in group)
    for name, extract, doc in _EITHER:
        yield Field(name, extract, doc, is_list=True, matches_any=True)
    for name, value_of, described in _ANCESTORS:
        yield Field(
            name,
            _ancestor_value(value_of),
            f"{described} of an ancestor: ``{name}[1]`` is the parent's, ``[2]`` the grandparent's, ``[0]`` the"
            f" process's own. Without index, every ancestor's: a comparison holds when it holds for one"
            f" (``{name} in (…)`` when one is in the list).",
            ArgMode.OPTIONAL,
            is_list=True,
            matches_any=True,
        )
    for name, (read, doc) in _ARGS.items():
        yield _arg_field("evt.arg", name, read, doc)
    for name, (read, doc) in _RAW_ARGS.items():
        yield _arg_field("evt.rawarg", name, read, doc)
    for name, types in NOT_CAPTURED_ARGS.items():
        doc = f"an argument of {types} events, which the sensor does not capture: always missing"
        yield _arg_field("evt.arg", name, lambda event: None, doc)
    for name, why in UNAVAILABLE.items():
        yield _unavailable_field(name, why)


# ----------------------------------------------------------------------------- principal, evidence

LINEAGE_SEPARATOR = " > "


def principal(event: Event) -> str:
    """The subject of a finding: the container (Falco's 12-character ``container.id``), or
    ``host:<hostname>`` for a process of the host."""
    found = _container(event)
    if found is not None:
        return str(found["id"])[:SHORT_ID]
    return f"host:{_text(event.raw.get('host')) or 'unknown'}"


def lineage_text(event: Event) -> str:
    """The process and its known ancestors, oldest first: ``uvicorn[1] > python3[17] > sh[42]``."""
    chain = [_step(item) for item in reversed(_lineage(event)) if isinstance(item, Mapping)]
    chain.append(_step(_proc(event)))
    return LINEAGE_SEPARATOR.join(chain)


def _step(process: Mapping[str, Any]) -> str:
    return f"{process.get('name', '?')}[{process.get('pid', '?')}]"


def scrub(text: str) -> str:
    """``text`` with every secret the catalogue finds replaced by its redacted form (``sk-a…9xQ``)."""
    hits = scan_text(text)
    if not hits:
        return text
    parts: list[str] = []
    position = 0
    for hit in hits:
        if hit.offset < position:
            continue
        parts += [text[position : hit.offset], hit.redacted]
        position = _secret_end(text, hit.offset, hit.fingerprint)
    parts.append(text[position:])
    return "".join(parts)


def _secret_end(text: str, start: int, wanted: str) -> int:
    """Where the secret starting at ``start`` ends: the end whose text has its fingerprint (else the text's end)."""
    for end in range(start + 1, len(text) + 1):
        if fingerprint(text[start:end]) == wanted:
            return end
    return len(text)


def _evidence(event: Event) -> Mapping[str, str]:
    found: Mapping[str, str] | None = event.memo.get("syscall.evidence")
    if found is None:
        found = event.memo["syscall.evidence"] = _facts(event)
    return found


def _facts(event: Event) -> dict[str, str]:
    """Container, image, pod, host, lineage, executable, command, user, file and connection of one event."""
    facts: dict[str, str | None] = {"container": container_id(event)}
    container = _container(event)
    if container is not None:
        facts["container_name"] = _text(container.get("name"))
        facts["image"] = _text(container.get("image"))
        namespace, pod = _text(container.get("namespace")), _text(container.get("pod"))
        facts["pod"] = f"{namespace}/{pod}" if namespace and pod else pod
    facts["host"] = _text(event.raw.get("host"))
    facts["lineage"] = lineage_text(event)
    facts["executable"] = _text(_proc(event).get("exepath")) or _text(_proc(event).get("exe"))
    command = _cmdline(event, None)
    facts["command"] = None if command is None else scrub(command)
    user = _text(_section(event, "user").get("name"))
    uid = _user_uid(event, None)
    facts["user"] = user if user is not None else None if uid is None else str(uid)
    if event.name == "openat":
        facts["file"] = _fd_name(event, None)
    elif _is_socket(event):
        address = _address_arg(event)
        dns = _dns(event, None)
        facts["connection"] = f"{address} ({dns})" if address and dns else address
    return {key: value for key, value in facts.items() if value}


def syscall_fields() -> SourceFields:
    """The fields of the ``syscall`` source."""
    fields = sorted(_fields(), key=lambda item: item.name)
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in fields},
        name_field=NAME_FIELD,
        partition_field=PARTITION_FIELD,
        principal=principal,
        evidence=_evidence,
        scrub=scrub,
    )
