"""Where an image's documents and layers are: a directory (OCI layout, unpacked ``docker save``) or a tarball.

A tarball is indexed once (member name → offset and size) and its blobs are read in place, as sections of
the one open file; a gzip-compressed tarball (``docker save … | gzip``) is read through checkpoints
(:mod:`jackwatch.inventory.image.gzip_seek`). Paths are relative to the layout's root and never leave it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Protocol

from jackwatch.errors import ContentError, Location, SourceError
from jackwatch.inventory.image.gzip_seek import GZIP_MAGIC, GzipReader
from jackwatch.inventory.image.limits import Budget, ImageLimits, LimitReached
from jackwatch.inventory.image.paths import SymlinkLoop, normalize_member, resolve
from jackwatch.inventory.image.streams import BUFFER_SIZE, CorruptStream, Section, buffered
from jackwatch.inventory.image.tarwalk import walk_tar
from jackwatch.inventory.image.zstd_seek import ZSTD_MAGIC, is_zstd
from jackwatch.sources.stats import ReadStats

MAX_ARCHIVE_MEMBERS = 100_000
"""Members of an outer archive (a ``docker save`` of many images has a few per layer)."""


class Blobs(Protocol):
    """The files of an image layout, opened by their path inside it."""

    @property
    def name(self) -> str:
        """The directory or archive, for messages."""
        ...

    def exists(self, path: str) -> bool:
        """Whether the layout holds a file at ``path``."""
        ...

    def open(self, path: str) -> io.BufferedReader:
        """The file at ``path``, seekable, from its first byte; ``FileNotFoundError`` when absent."""
        ...

    def close(self) -> None:
        """Close every file opened."""
        ...


class DirectoryBlobs:
    """An image layout unpacked in a directory."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._opened: list[io.BufferedReader] = []

    @property
    def name(self) -> str:
        return str(self._root)

    def exists(self, path: str) -> bool:
        try:
            return self._path(path).is_file()
        except FileNotFoundError:
            return False

    def open(self, path: str) -> io.BufferedReader:
        stream = open_file(self._path(path))
        self._opened.append(stream)
        return stream

    def close(self) -> None:
        for stream in self._opened:
            stream.close()
        self._opened.clear()

    def _path(self, path: str) -> Path:
        """The file ``path`` names, refused (as missing) when it or a symlink on the way leaves the root."""
        relative = normalize_member(path).path
        full = (self._root / relative).resolve() if relative is not None else None
        if full is None or not full.is_relative_to(self._root):
            raise FileNotFoundError(f"{path}: outside the image layout {self._root}")
        return full


class TarBlobs:
    """An image layout inside a tar archive (``docker save``, an OCI layout tarball), possibly gzipped."""

    def __init__(self, path: Path, base: io.BufferedReader, limits: ImageLimits, stats: ReadStats) -> None:
        self._path = path
        self._base = base
        self._files: dict[str, tuple[int, int]] = {}
        self._symlinks: dict[str, str] = {}
        self._index(limits, stats)

    @property
    def name(self) -> str:
        return str(self._path)

    def exists(self, path: str) -> bool:
        return self._find(path) is not None

    def open(self, path: str) -> io.BufferedReader:
        found = self._find(path)
        if found is None:
            raise FileNotFoundError(f"{path}: not in {self._path}")
        return buffered(Section(self._base, *found))

    def close(self) -> None:
        self._base.close()

    def _find(self, path: str) -> tuple[int, int] | None:
        try:
            return self._files.get(resolve(path, self._symlinks.get))
        except SymlinkLoop:
            return None

    def _index(self, limits: ImageLimits, stats: ReadStats) -> None:
        """Record where each member's data is (symlinks and hard links too: ``docker save`` links layers)."""
        try:
            for count, member in enumerate(walk_tar(self._base, Budget(limits.max_unpacked_bytes)), 1):
                if count > MAX_ARCHIVE_MEMBERS:
                    raise LimitReached("too_many_members", f"more than {MAX_ARCHIVE_MEMBERS:,} members")
                name = normalize_member(member.name).path
                if not name:
                    continue
                if member.issym():
                    self._symlinks[name] = member.linkname
                elif member.islnk():
                    target = self._files.get(normalize_member(member.linkname).path or "")
                    if target is not None:
                        self._files[name] = target
                elif member.isreg():
                    self._files[name] = (member.offset_data, member.size)
        except (CorruptStream, LimitReached) as exc:
            if not self._files:
                raise ContentError(f"not a readable image archive: {exc.message}", Location(self.name)) from None
            stats.skip(exc.reason, Location(self.name), f"{exc.message}; the members before it are used")


def open_file(path: Path) -> io.BufferedReader:
    """A file opened for buffered binary reading (the caller closes it)."""
    return io.BufferedReader(io.FileIO(path, "r"), BUFFER_SIZE)


def open_blobs(path: Path, limits: ImageLimits, stats: ReadStats) -> Blobs:
    """The layout at ``path``: a directory, or a tar archive (plain or gzip)."""
    if path.is_dir():
        return DirectoryBlobs(path)
    try:
        file = open_file(path)
    except OSError as exc:
        raise SourceError(f"cannot open image {path}: {exc.strerror or exc}") from None
    try:
        magic = file.peek(len(ZSTD_MAGIC))[: len(ZSTD_MAGIC)]
        if is_zstd(magic):
            raise ContentError("zstd-compressed archive: decompress it first (zstd -d)", Location(str(path)))
        base = buffered(GzipReader(file)) if magic.startswith(GZIP_MAGIC) else file
        return TarBlobs(path, base, limits, stats)
    except BaseException:
        file.close()
        raise
