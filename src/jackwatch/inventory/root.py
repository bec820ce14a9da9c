"""A scanned root: the files of a directory, an unpacked filesystem or a container image, read the same way.

Collectors (Python distributions, lock files, npm packages, leaked keys) read a :class:`Root` and never the
disk directly, so that an image's merged layers and a host directory are scanned by the same code. Paths are
POSIX, relative to the root, never escaping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file a collector reads whole (metadata, lock files, configs): bigger files are skipped, reported."""


class Root(Protocol):
    """The files of one scanned thing."""

    @property
    def name(self) -> str:
        """What the root is, for messages and locations (a path, ``image.tar``, ``sha256:…``)."""
        ...

    def files(self) -> Iterator[str]:
        """Every regular file's path (relative, POSIX), in a stable order."""
        ...

    def read(self, path: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """The content of ``path``; ``FileTooLarge`` beyond ``limit`` bytes, ``OSError`` when unreadable."""
        ...

    def layer(self, path: str) -> str | None:
        """The digest of the image layer the file comes from (``None`` outside images)."""
        ...


class FileTooLarge(OSError):
    """A file bigger than the reader accepts."""
