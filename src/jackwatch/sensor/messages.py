"""Parse what the bpftrace program prints (``-f json``) into typed messages.

Each output line is a JSON object: ``printf`` lines carry one message of ``bpf/sensor.bt`` (tab-separated fields,
the kind first), ``lost_events`` the events the kernel could not hand over, ``map`` the counters printed on exit.
bpftrace 0.17 writes each byte ≥ 0x80 of a string as ``\\uffffffXX`` (a sign-extended char); those are turned back
into the byte, so that paths and arguments come out exactly as the kernel had them. Nothing here raises on bad
input: a line that cannot be read becomes :class:`Unreadable`, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

_HIGH_BYTE = re.compile(rb"(?<!\\)((?:\\\\)*)\\uffffff([0-9a-fA-F]{2})")
_HEX_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})")

AT_FDCWD = -100


def _signed32(value: int) -> int:
    return value - (1 << 32) if value & (1 << 31) else value


@dataclass(frozen=True, slots=True)
class Header:
    """The fields every event message starts with. ``time`` is CLOCK_MONOTONIC, ``start`` (the process's start)
    CLOCK_BOOTTIME, both in ns; ``cgroup`` is the cgroup v2 id (the inode of its directory)."""

    time: int
    pid: int
    tid: int
    uid: int
    gid: int
    start: int
    cgroup: int
    comm: bytes


@dataclass(frozen=True, slots=True)
class Exec:
    """A successful execve (``E``); ``argv`` and the rest come in the ``A`` line that follows."""

    header: Header
    ppid: int
    euid: int
    loginuid: int
    filename: bytes
    argv: ExecArgs | None = None


@dataclass(frozen=True, slots=True)
class ExecArgs:
    """The second line of an exec (``A``): terminal, session, pid in its namespace, and the argument area
    (``length`` bytes, of which at most the first 200 are in ``argv``)."""

    tid: int
    tty: int
    sid: int
    vpid: int
    length: int
    argv: bytes


@dataclass(frozen=True, slots=True)
class Fork:
    """A new process (``F``), reported by the child returning from fork/clone."""

    header: Header
    ppid: int
    euid: int
    loginuid: int


@dataclass(frozen=True, slots=True)
class Exit:
    """The last thread of a process exited (``X``)."""

    header: Header
    ppid: int
    exit_code: int
    group_exit_code: int
    signal_flags: int

    @property
    def status(self) -> int:
        """The exit status as a shell shows it: the code, or 128 + the signal that killed the process."""
        group_exit = 0x4  # SIGNAL_GROUP_EXIT
        code = self.group_exit_code if self.signal_flags & group_exit else self.exit_code
        signal = code & 0x7F
        return 128 + signal if signal else (code >> 8) & 0xFF


@dataclass(frozen=True, slots=True)
class Open:
    """A file open the kernel filter kept (``O``)."""

    header: Header
    ret: int
    dfd: int
    flags: int
    mode: int
    path: bytes


@dataclass(frozen=True, slots=True)
class Connect:
    """An AF_INET/AF_INET6 connect (``C``): ``daddr`` is the address (text), ``proto`` the IP protocol number."""

    header: Header
    ret: int
    family: int
    dport: int
    daddr: str
    sport: int
    saddr: str
    proto: int


@dataclass(frozen=True, slots=True)
class SetId:
    """A setuid/setgid family call (``U``): ``which`` is ``u`` or ``g``."""

    header: Header
    which: str
    target: int
    ret: int


@dataclass(frozen=True, slots=True)
class Chdir:
    """A change of working directory (``W``): to ``path`` (chdir; ``fd`` is AT_FDCWD) or to descriptor ``fd``."""

    header: Header
    fd: int
    path: bytes


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """A UDP datagram received from port 53 (``D``): the first bytes of a DNS answer."""

    header: Header
    length: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Lost:
    """Events the kernel dropped because the perf buffer was full."""

    count: int


@dataclass(frozen=True, slots=True)
class Counters:
    """A map printed when bpftrace exits (``@emitted``: messages made per kind; ``@opens``: opens seen)."""

    name: str
    values: dict[str, int]


@dataclass(frozen=True, slots=True)
class Ready:
    """bpftrace attached its probes (``probes``) or ran its BEGIN block (``pid`` of bpftrace)."""

    probes: int = 0
    pid: int = 0


@dataclass(frozen=True, slots=True)
class Stopped:
    """The kernel program stopped making events (the sensor asked it to)."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line that could not be read, and why (``reason`` is a short key, ``detail`` for people)."""

    reason: str
    detail: str


EventMessage = Exec | Fork | Exit | Open | Connect | SetId | DnsAnswer | Chdir
Message = EventMessage | ExecArgs | Lost | Counters | Ready | Stopped | Unreadable


def unescape_buffer(text: bytes) -> bytes:
    """The bytes of a ``%r`` buffer: ``\\xNN`` escapes turned back into bytes."""
    return _HEX_ESCAPE.sub(lambda found: bytes([int(found.group(1), 16)]), text)


def _data_bytes(line: bytes) -> object:
    """The JSON object of a line, with bpftrace's sign-extended bytes repaired (they decode to U+0080…U+00FF)."""
    if b"\\uffffff" in line:
        line = _HIGH_BYTE.sub(rb"\1\\u00\2", line)
    return orjson.loads(line)


def _text_bytes(data: str) -> bytes:
    """The bytes bpftrace printed: every character is one byte (≤ U+00FF) once the high bytes are repaired."""
    try:
        return data.encode("latin-1")
    except UnicodeEncodeError:  # a bpftrace that writes UTF-8 as such
        return data.encode("utf-8", "surrogateescape")


def _header(fields: list[bytes]) -> Header:
    pid_tid, uid_gid = int(fields[1]), int(fields[2])
    return Header(
        time=int(fields[0]),
        pid=pid_tid >> 32,
        tid=pid_tid & 0xFFFFFFFF,
        uid=uid_gid >> 32,
        gid=uid_gid & 0xFFFFFFFF,
        start=int(fields[3]),
        cgroup=int(fields[4]),
        comm=fields[5],
    )


HEADER_FIELDS = 6


def _split(body: bytes, count: int) -> list[bytes]:
    """Exactly ``count`` tab-separated fields; the last keeps any tabs it contains."""
    fields = body.split(b"\t", count - 1)
    if len(fields) != count:
        raise ValueError(f"expected {count} fields, got {len(fields)}")
    return fields


def _ip4(value: int) -> str:
    return ".".join(str(part) for part in value.to_bytes(4, "little"))


def _address(family: int, low: int, high: int) -> str:
    """The text of a destination read as words from a sockaddr (IPv4: one word; IPv6: two, little-endian)."""
    if family == 2:
        return _ip4(low & 0xFFFFFFFF)
    from ipaddress import IPv6Address

    return str(IPv6Address(low.to_bytes(8, "little") + high.to_bytes(8, "little")))


def _event(kind: bytes, body: bytes) -> Message:
    if kind == b"E":
        f = _split(body, HEADER_FIELDS + 3)
        euid_loginuid = int(f[7])
        return Exec(_header(f), int(f[6]), euid_loginuid >> 32, _signed32(euid_loginuid & 0xFFFFFFFF), f[8])
    if kind == b"A":
        f = _split(body, 6)
        return ExecArgs(int(f[0]), int(f[1]), int(f[2]), int(f[3]), int(f[4]), unescape_buffer(f[5]))
    if kind == b"F":
        f = _split(body, HEADER_FIELDS + 2)
        euid_loginuid = int(f[7])
        return Fork(_header(f), int(f[6]), euid_loginuid >> 32, _signed32(euid_loginuid & 0xFFFFFFFF))
    if kind == b"X":
        f = _split(body, HEADER_FIELDS + 4)
        return Exit(_header(f), int(f[6]), int(f[7]), int(f[8]), int(f[9]))
    if kind == b"O":
        f = _split(body, HEADER_FIELDS + 3)
        ret_dfd, flags_mode = int(f[6]), int(f[7])
        return Open(
            _header(f),
            ret=_signed32(ret_dfd >> 32),
            dfd=_signed32(ret_dfd & 0xFFFFFFFF),
            flags=flags_mode & 0xFFFFFFFF,
            mode=flags_mode >> 32,
            path=f[8],
        )
    if kind == b"C":
        f = _split(body, HEADER_FIELDS + 8)
        family = int(f[7])
        return Connect(
            _header(f),
            ret=int(f[6]),
            family=family,
            dport=int(f[8]),
            daddr=_address(family, int(f[9]), int(f[10])),
            sport=int(f[11]),
            saddr=_ip4(int(f[12])) if family == 2 else "",
            proto=int(f[13]),
        )
    if kind == b"U":
        f = _split(body, HEADER_FIELDS + 3)
        return SetId(_header(f), f[6].decode("ascii"), int(f[7]), int(f[8]))
    if kind == b"D":
        f = _split(body, HEADER_FIELDS + 2)
        return DnsAnswer(_header(f), int(f[6]), unescape_buffer(f[7].removesuffix(b"\n")))
    if kind == b"W":
        f = _split(body, HEADER_FIELDS + 2)
        return Chdir(_header(f), int(f[6]), f[7])
    if kind == b"R":
        return Ready(pid=int(body))
    if kind == b"S":
        return Stopped()
    return Unreadable("unknown_message", f"unknown message kind {kind!r}")


def parse_printf(data: bytes) -> Message:
    """One ``printf`` message (its text, as bytes): kind, tab, fields."""
    data = data.removesuffix(b"\n")
    kind, _, body = data.partition(b"\t")
    try:
        return _event(kind, body)
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        return Unreadable("bad_fields", f"{kind.decode('ascii', 'replace')} message: {error}")


def parse_line(line: bytes) -> Message | None:
    """One line of ``bpftrace -f json`` output; ``None`` for lines the sensor has no use for."""
    try:
        obj = _data_bytes(line)
    except orjson.JSONDecodeError as error:
        return Unreadable("invalid_json", f"not JSON: {error}")
    if not isinstance(obj, dict):
        return Unreadable("invalid_json", "not a JSON object")
    kind, data = obj.get("type"), obj.get("data")
    if kind == "printf" and isinstance(data, str):
        return parse_printf(_text_bytes(data))
    if kind == "lost_events" and isinstance(data, dict) and isinstance(data.get("events"), int):
        return Lost(data["events"])
    if kind == "map" and isinstance(data, dict):
        for name, values in data.items():
            if isinstance(values, dict):
                return Counters(name, {str(k): int(v) for k, v in values.items() if isinstance(v, int)})
            if isinstance(values, int):
                return Counters(name, {"": values})
        return None
    if kind == "attached_probes" and isinstance(data, dict):
        return Ready(probes=int(data.get("probes", 0)))
    return None
