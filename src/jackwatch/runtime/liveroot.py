"""A running filesystem as a :class:`~jackwatch.inventory.root.Root`: a container's through ``/proc/<pid>/root``,
the host's through ``/``, or a directory given for a recorded trace.

Paths are resolved the way the kernel resolves them for a process whose root is the top: symbolic links are
followed component by component, an absolute link target starts again from the top and ``..`` never climbs
above it, so nothing outside the root is read even through the links of a hostile container. The tree is
never walked: collectors are given the files to read (see :mod:`jackwatch.runtime.packages`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator

from jackwatch.inventory.root import MAX_FILE_BYTES, FileTooLarge

MAX_LINKS = 40
"""Symbolic links followed while resolving one path (the kernel's limit)."""


class LiveRoot:
    """The files under ``top`` (a directory, or ``/proc/<pid>/root``), read in place."""

    def __init__(self, top: str, name: str | None = None) -> None:
        self.top = top
        self._name = name or top

    @property
    def name(self) -> str:
        """What the root is, for messages."""
        return self._name

    def files(self) -> Iterator[str]:
        """Nothing: a live root is not walked."""
        return iter(())

    def read(self, path: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of ``path`` (relative to the root); ``FileTooLarge`` or another ``OSError`` when it cannot be."""
        fd = os.open(self.host_path(self.resolve(path)), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, f"{path}: not a regular file")
            if info.st_size > limit:
                raise FileTooLarge(f"{path}: {info.st_size} bytes, more than the {limit} read")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(f"{path}: grew beyond the {limit} bytes read")
        return data

    def layer(self, path: str) -> str | None:
        """``None``: a live filesystem has no layers."""
        return None

    def listdir(self, path: str) -> list[str]:
        """The names in the directory ``path`` (relative to the root), sorted; ``OSError`` when it cannot be listed."""
        with os.scandir(self.host_path(self.resolve(path))) as entries:
            return sorted(entry.name for entry in entries)

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` (links resolved inside the root) is a directory."""
        try:
            return stat.S_ISDIR(os.lstat(self.host_path(self.resolve(path))).st_mode)
        except OSError:
            return False

    def resolve(self, path: str) -> str:
        """``path`` with every link resolved inside the root, relative to it (``""`` for the top); ``OSError`` when
        a component is missing or the links loop."""
        pending = [part for part in reversed(path.split("/")) if part not in ("", ".")]
        parts: list[str] = []
        links = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if parts:
                    parts.pop()
                continue
            candidate = self.host_path("/".join([*parts, part]))
            if not stat.S_ISLNK(os.lstat(candidate).st_mode):
                parts.append(part)
                continue
            links += 1
            if links > MAX_LINKS:
                raise OSError(errno.ELOOP, f"{path}: too many levels of symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                parts = []
            pending.extend(part for part in reversed(target.split("/")) if part not in ("", "."))
        return "/".join(parts)

    def host_path(self, relative: str) -> str:
        """Where ``relative`` (already resolved) is seen from here."""
        top = self.top.rstrip("/")
        return f"{top}/{relative}" if relative else top or "/"
