"""A host directory or an unpacked filesystem as a :class:`~jackwatch.inventory.root.Root`.

The walk is sorted and done once. Symbolic links are followed only when their target stays inside the
directory: a link to a file inside is listed under its own path, a link to a directory is not descended (its
files are listed where they really are), and a link whose target escapes the directory (an absolute link of
an unpacked image, ``../../etc``) is skipped and reported, as are dangling links and directories that cannot
be listed. Sockets, FIFOs and devices are not files and are left out.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from pathlib import Path

from jackwatch.errors import Location, SourceError
from jackwatch.inventory.root import MAX_FILE_BYTES, FileTooLarge
from jackwatch.sources.stats import ReadStats


class PathOutsideRoot(OSError):
    """A path that is absolute, climbs out with ``..``, or resolves (through links) outside the root."""


class DirectoryRoot:
    """The files under ``path``; problems met while walking are reported to ``stats``."""

    def __init__(self, path: str | os.PathLike[str], stats: ReadStats | None = None) -> None:
        given = Path(path)
        if not given.is_dir():
            raise SourceError(f"{given}: not a directory")
        self._top = given.resolve()
        self._given = str(given)
        self.stats = stats if stats is not None else ReadStats()
        self._files: list[str] | None = None

    @property
    def name(self) -> str:
        """The directory as it was given."""
        return self._given

    def files(self) -> Iterator[str]:
        """Every regular file (or link to one inside the root), sorted; the walk happens on the first call."""
        if self._files is None:
            self._files = sorted(self._walk())
        return iter(self._files)

    def read(self, path: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of ``path``; ``PathOutsideRoot``, ``FileTooLarge`` or another ``OSError`` when it cannot be."""
        real = self._inside(path)
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{path}: not a regular file")
            if info.st_size > limit:
                raise FileTooLarge(f"{path}: {info.st_size} bytes, more than the {limit} read")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(f"{path}: grew beyond the {limit} bytes read")
        return data

    def layer(self, path: str) -> str | None:
        """``None``: a directory has no layers."""
        return None

    def _inside(self, path: str) -> Path:
        """The real location of ``path``, which must stay inside the root once every link is resolved."""
        normal = posixpath.normpath(path)
        if posixpath.isabs(normal) or normal == ".." or normal.startswith("../"):
            raise PathOutsideRoot(f"{path}: not a path inside {self.name}")
        real = Path(os.path.realpath(self._top / normal))
        if not real.is_relative_to(self._top):
            raise PathOutsideRoot(f"{path}: resolves outside {self.name}")
        return real

    def _walk(self) -> Iterator[str]:
        """Depth first, in name order, without recursion (a crafted tree may be thousands of levels deep)."""
        pending = [("", self._listing(self._top, ""))]
        while pending:
            prefix, entries = pending[-1]
            for entry in entries:
                relative = f"{prefix}{entry.name}"
                try:
                    if entry.is_symlink():
                        yield from self._link(Path(entry.path), relative)
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append((f"{relative}/", self._listing(Path(entry.path), relative)))
                        break
                    elif entry.is_file(follow_symlinks=False):
                        yield relative
                except OSError as error:
                    self._report("unreadable", relative, f"cannot inspect: {error.strerror}")
            else:
                pending.pop()

    def _listing(self, directory: Path, relative: str) -> Iterator[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as listing:
                return iter(sorted(listing, key=lambda entry: entry.name))
        except OSError as error:
            self._report("unreadable", relative or ".", f"cannot list the directory: {error.strerror}")
            return iter(())

    def _link(self, link: Path, relative: str) -> Iterator[str]:
        target = Path(os.path.realpath(link))
        if not target.is_relative_to(self._top):
            self._report("symlink_outside_root", relative, f"link to {os.readlink(link)} leaves the root, not followed")
            return
        try:
            mode = os.stat(target).st_mode
        except OSError as error:
            self._report("dangling_symlink", relative, f"link to {os.readlink(link)}: {error.strerror}")
            return
        if stat.S_ISREG(mode):
            yield relative

    def _report(self, reason: str, relative: str, message: str) -> None:
        self.stats.skip(reason, Location(f"{self.name}/{relative}"), message)
