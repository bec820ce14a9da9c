"""The merged filesystem of an image: layers applied in order into path → where the final version is.

Layer semantics are those of the OCI image specification (and of Docker and containerd when they unpack):

* an entry replaces the same path of the layers below; a non-directory replacing a directory hides the
  directory's whole content, a directory replacing a file removes the file;
* ``dir/.wh.NAME`` deletes ``dir/NAME`` (and all beneath) from the layers below, ``dir/.wh..wh..opq`` hides
  everything the layers below have in ``dir``; neither touches the entries of its own layer;
* a member whose parent path goes through a symlink lands where the symlink leads (within the root);
* a hard link shares the data of its target (same layer or below); a symlink keeps its target, followed
  when a path is read.

The index holds paths and offsets, never content: one :class:`Entry` (a few hundred bytes with its path)
per final path.
"""

from __future__ import annotations

import bisect
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from jackwatch.inventory.image.limits import ImageLimits
from jackwatch.inventory.image.paths import ancestors, join, normalize_member, parent_and_base, resolve

WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"
AUFS_PREFIX = ".wh..wh."
"""Other ``.wh..wh.*`` names are aufs bookkeeping (``.wh..wh.plnk``), not files of the image."""


class Kind(IntEnum):
    """What an index entry is."""

    FILE = 0
    DIRECTORY = 1
    SYMLINK = 2
    OTHER = 3  # device, FIFO


class Entry(NamedTuple):
    """The final version of a path: the layer that put it there, and where its bytes are.

    ``data_layer`` differs from ``layer`` for a hard link to a file of a lower layer; ``offset`` and ``size``
    locate the bytes in that layer's tar stream; ``target`` is a symlink's target.
    """

    kind: Kind
    layer: int
    data_layer: int
    offset: int = 0
    size: int = 0
    target: str = ""


Report = Callable[[str, str, str, int], None]
"""``report(reason, member name, message, records)``: a member skipped (records=1) or read another way (0)."""


@dataclass(slots=True)
class Index:
    """Path → final entry, and every directory that holds something, listed in a layer or not.

    ``directories`` may keep a directory whose content was deleted since: it only serves to find what a
    non-directory hides when it replaces one.
    """

    entries: dict[str, Entry] = field(default_factory=dict)
    directories: set[str] = field(default_factory=set)

    def symlink_target(self, path: str) -> str | None:
        """The target of ``path`` when the index has a symlink there."""
        entry = self.entries.get(path)
        return entry.target if entry is not None and entry.kind is Kind.SYMLINK else None

    def merge(self, entries: dict[str, Entry]) -> None:
        """Put a layer's entries over the index."""
        self.entries.update(entries)
        directories = self.directories
        for path, entry in entries.items():
            if entry.kind is Kind.DIRECTORY:
                directories.add(path)
            parent = path.rpartition("/")[0]
            while parent and parent not in directories:
                directories.add(parent)
                parent = parent.rpartition("/")[0]


class LayerApplier:
    """Applies one layer's members to the index of the layers below; :meth:`finish` merges them."""

    def __init__(self, below: Index, number: int, limits: ImageLimits, report: Report) -> None:
        self._below = below
        self._number = number
        self._limits = limits
        self._report = report
        self._entries: dict[str, Entry] = {}
        self._removed: set[str] = set()
        self._opaque: set[str] = set()
        self._parents: tuple[str, str] | None = None
        self._last: str | None = None

    def add(self, member: tarfile.TarInfo) -> None:
        """Take one member of the layer, in archive order."""
        name = normalize_member(member.name)
        if name.path is None:
            self._report("path_escape", member.name, "the member name leaves the image root: skipped", 1)
            return
        if name.absolute:
            self._report("absolute_member", member.name, f"absolute member name read as {name.path!r}", 0)
        if not name.path:
            return
        parent, base = parent_and_base(name.path)
        parent = self._parent(parent)
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(parent, base, member.name)
            return
        path = join(parent, base)
        entry = self._entry(member)
        if entry is not None:
            self._entries[path] = entry
            self._last = path
            if entry.kind is Kind.SYMLINK:
                self._parents = None

    def drop_last_if_cut(self, readable: Callable[[Entry], bool]) -> str | None:
        """After a layer broke off: forget the last file when its data is not all there; its path if so."""
        last = self._last
        entry = self._entries.get(last) if last is not None else None
        if last is None or entry is None or entry.kind is not Kind.FILE or readable(entry):
            return None
        del self._entries[last]
        return last

    def finish(self) -> None:
        """Hide what the layer deletes or replaces below, then put its entries over the index."""
        below = self._below.entries
        subtrees = set(self._removed)
        subtrees.update(
            path
            for path, entry in self._entries.items()
            if entry.kind is not Kind.DIRECTORY and path in self._below.directories
        )
        if subtrees or self._opaque:
            paths = sorted(below)
            for path in subtrees:
                below.pop(path, None)
                _drop_beneath(below, paths, path)
            for path in self._opaque:
                _drop_beneath(below, paths, path)
        self._below.merge(self._entries)

    def _lookup(self, path: str) -> Entry | None:
        """The entry at ``path`` as the layer sees it so far: its own, else the one below unless hidden."""
        entry = self._entries.get(path)
        if entry is not None or self._hidden(path):
            return entry
        return self._below.entries.get(path)

    def _hidden(self, path: str) -> bool:
        if not self._removed and not self._opaque:
            return False
        if path in self._removed or "" in self._opaque:
            return True
        return any(parent in self._removed or parent in self._opaque for parent in ancestors(path))

    def _symlink_target(self, path: str) -> str | None:
        entry = self._lookup(path)
        return entry.target if entry is not None and entry.kind is Kind.SYMLINK else None

    def _parent(self, parent: str) -> str:
        """Where ``parent`` leads once symlinks are followed; lower files in the way become directories."""
        if self._parents is not None and self._parents[0] == parent:
            return self._parents[1]
        resolved = resolve(parent, self._symlink_target)
        for directory in [*ancestors(resolved), resolved] if resolved else []:
            lower = self._lookup(directory)
            if lower is not None and lower.kind in (Kind.FILE, Kind.OTHER) and directory not in self._entries:
                self._removed.add(directory)
        self._parents = (parent, resolved)
        return resolved

    def _whiteout(self, parent: str, base: str, name: str) -> None:
        if base == OPAQUE_WHITEOUT:
            self._opaque.add(parent)
        elif base == WHITEOUT_PREFIX:
            self._report("invalid_whiteout", name, "a whiteout that names no file: skipped", 1)
        elif not base.startswith(AUFS_PREFIX):
            self._removed.add(join(parent, base[len(WHITEOUT_PREFIX) :]))
        self._parents = None

    def _entry(self, member: tarfile.TarInfo) -> Entry | None:
        number = self._number
        if member.isreg():
            if member.sparse is not None:
                self._report("unsupported_member", member.name, "GNU sparse file: not indexed", 1)
                return None
            if member.size > self._limits.max_member_bytes:
                message = f"{member.size:,} bytes, more than {self._limits.max_member_bytes:,}: not indexed"
                self._report("member_too_large", member.name, message, 1)
                return None
            return Entry(Kind.FILE, number, number, member.offset_data, member.size)
        if member.islnk():
            return self._hard_link(member)
        if member.issym():
            return Entry(Kind.SYMLINK, number, number, target=member.linkname)
        return Entry(Kind.DIRECTORY if member.isdir() else Kind.OTHER, number, number)

    def _hard_link(self, member: tarfile.TarInfo) -> Entry | None:
        target = normalize_member(member.linkname).path
        if not target:
            self._report("path_escape", member.name, f"hard link to {member.linkname!r}, outside the image root", 1)
            return None
        source = self._lookup(resolve(target, self._symlink_target, follow_last=False))
        if source is None or source.kind is Kind.DIRECTORY:
            message = f"hard link to {member.linkname!r}, which the image does not hold: skipped"
            self._report("dangling_link", member.name, message, 1)
            return None
        return source._replace(layer=self._number)


def _drop_beneath(entries: dict[str, Entry], paths: list[str], directory: str) -> None:
    """Remove every path under ``directory`` (``paths`` is the sorted key list; ``"0"`` follows ``"/"``)."""
    if not directory:
        entries.clear()
        return
    for path in paths[bisect.bisect_left(paths, directory + "/") : bisect.bisect_left(paths, directory + "0")]:
        entries.pop(path, None)
