"""User and group names, resolved in the process's own ``/etc/passwd`` and ``/etc/group``.

A container has its own users: uid 1000 is ``app`` in one image and ``node`` in another. Names are read through
``/proc/PID/root`` (the process's root directory, as the kernel sees it) and cached per container (``None``: the
host); a file that changes (``useradd`` during the run) is read again. Reading is careful with what a container
controls: ``etc`` and the file itself must not be symbolic links (through ``/proc/PID/root`` an absolute link
would point into the host), files are size-limited, and lines that do not parse are skipped.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE = 4 * 1024 * 1024
RECHECK_SECONDS = 1.0
"""A cached file is checked for changes (its size and mtime) at most this often."""


def parse_ids(text: str) -> dict[int, str]:
    """id → name of a passwd or group file (``name:x:id:…``)."""
    names: dict[int, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) < 3 or not parts[2].isdigit():
            continue
        names.setdefault(int(parts[2]), parts[0])
    return names


def read_confined(root: Path, relative: str) -> tuple[str, tuple[int, int]] | None:
    """A file below ``root`` (``etc/passwd``) and its (size, mtime), without following symbolic links."""
    directory, _, name = relative.rpartition("/")
    try:
        if stat.S_ISLNK(os.lstat(root / directory).st_mode):
            return None
        fd = os.open(root / directory / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_FILE)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace"), (info.st_size, info.st_mtime_ns)


def _signature(root: Path, relative: str) -> tuple[int, int] | None:
    try:
        info = os.lstat(root / relative)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


@dataclass(slots=True)
class _File:
    names: dict[int, str]
    signature: tuple[int, int] | None
    checked: float
    root: Path = field(default_factory=Path)


class UserNames:
    """Names of uids and gids per container, read from the root of a process of that container.

    ``host_root`` is the host's root (``/``); ``proc`` the procfs mount used to reach containers' roots.
    """

    def __init__(
        self,
        host_root: Path = Path("/"),
        proc: Path = Path("/proc"),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host_root = host_root
        self.proc = proc
        self._now = now
        self._files: dict[tuple[str | None, str], _File] = {}

    def _names(self, container: str | None, pid: int, relative: str) -> dict[int, str]:
        key = (container, relative)
        cached = self._files.get(key)
        now = self._now()
        if cached is not None:
            if now - cached.checked < RECHECK_SECONDS:
                return cached.names
            cached.checked = now
            if _signature(cached.root, relative) == cached.signature:
                return cached.names
        roots = [self.host_root] if container is None else [self.proc / str(pid) / "root"]
        if cached is not None and container is not None:
            roots.append(cached.root)  # the process may be gone: another one of the container read it last
        for root in roots:
            found = read_confined(root, relative)
            if found is not None:
                text, signature = found
                self._files[key] = _File(parse_ids(text), signature, now, root)
                return self._files[key].names
        return cached.names if cached is not None else {}

    def user(self, container: str | None, pid: int, uid: int) -> str | None:
        """The name of ``uid`` for a process (``pid``) of ``container`` (``None``: the host)."""
        return self._names(container, pid, "etc/passwd").get(uid)

    def group(self, container: str | None, pid: int, gid: int) -> str | None:
        """The name of ``gid`` for a process (``pid``) of ``container`` (``None``: the host)."""
        return self._names(container, pid, "etc/group").get(gid)
