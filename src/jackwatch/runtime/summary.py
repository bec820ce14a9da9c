"""One line that says what a runtime event did: ``exec /usr/sbin/useradd -d /dev/shm/zeus nairobi``,
``open /etc/shadow (read)``, ``connect 169.254.169.254:80``, ``exit 0``…

Summaries are made from the redacted record, on one line (control characters escaped), and at most
:data:`MAX_SUMMARY` characters long.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any

from jackwatch.runtime.records import integer, section, strings, text
from jackwatch.runtime.redaction import joined, printable

MAX_SUMMARY = 300

O_ACCMODE = 0o3
O_CREAT = 0o100
O_TRUNC = 0o1000
O_APPEND = 0o2000
_ACCESS = {0: "read", 1: "write", 2: "read-write"}


def summarize(record: Mapping[str, Any]) -> str:
    """What the event (a redacted record) did, in one line."""
    kind = record.get("type")
    line = _SUMMARIES.get(str(kind), _other)(record)
    failed = integer(record.get("res"))
    if kind in ("openat", "connect", "setuid", "setgid") and failed is not None and failed < 0:
        line += f" failed ({_errno(failed)})"
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1] + "…"


def open_mode(flags: int | None) -> str:
    """``read``, ``write`` or ``read-write``, with ``create``, ``truncate``, ``append`` when set."""
    if flags is None:
        return "open"
    words = [_ACCESS.get(flags & O_ACCMODE, "open")]
    words += [name for bit, name in ((O_CREAT, "create"), (O_TRUNC, "truncate"), (O_APPEND, "append")) if flags & bit]
    return ", ".join(words)


def _exec(record: Mapping[str, Any]) -> str:
    proc = section(record, "proc")
    program = text(proc.get("exepath")) or text(proc.get("exe")) or text(proc.get("name")) or "?"
    args = strings(proc.get("args")) or ()
    return f"exec {printable(program)} {joined(args)}".rstrip()


def _clone(record: Mapping[str, Any]) -> str:
    child = integer(record.get("child_pid"))
    return "fork" if child is None else f"fork: child {child}"


def _exit(record: Mapping[str, Any]) -> str:
    code = integer(record.get("exit_code"))
    return "exit" if code is None else f"exit {code}"


def _open(record: Mapping[str, Any]) -> str:
    fd = section(record, "fd")
    return f"open {printable(text(fd.get('name')) or '?')} ({open_mode(integer(fd.get('flags')))})"


def _connect(record: Mapping[str, Any]) -> str:
    fd = section(record, "fd")
    address, port = text(fd.get("dip")), integer(fd.get("dport"))
    where = f"[{address}]:{port}" if address and ":" in address else f"{address}:{port}"
    if address is None:
        where = printable(text(fd.get("name")) or "?")
    dns = text(fd.get("dns"))
    return f"connect {where}" + (f" ({printable(dns)})" if dns else "")


def _setid(record: Mapping[str, Any]) -> str:
    target = integer(record.get("target_uid"))
    return f"{record.get('type')} {'?' if target is None else target}"


def _other(record: Mapping[str, Any]) -> str:
    return printable(str(record.get("type")))


def _errno(result: int) -> str:
    return errno.errorcode.get(-result, f"errno {-result}")


_SUMMARIES = {
    "execve": _exec,
    "clone": _clone,
    "procexit": _exit,
    "openat": _open,
    "connect": _connect,
    "setuid": _setid,
    "setgid": _setid,
}
