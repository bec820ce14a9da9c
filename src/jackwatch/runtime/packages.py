"""Which installed Python distribution a file belongs to: an index from paths to distributions, built from the
installed files' lists (``RECORD``, ``installed-files.txt``) that :mod:`jackwatch.inventory.python_env` reads.

A path is owned by the distribution whose RECORD lists it. A compiled ``__pycache__/mod.cpython-311.pyc`` that
no RECORD lists (Python wrote it at import time) belongs to the owner of ``mod.py``; any other unlisted file
inside a package directory (data, generated code) to the one distribution that has files in that directory,
and to none when several do (namespace packages). Paths are as the process saw them: absolute, inside the root.

Two indexes: :class:`RootIndex` reads every distribution of a root whose file list is known (a container
image) once; :class:`DirectoryIndex` reads a running filesystem lazily — the site directories of the files
looked up, of the Python interpreters executed, and the system ones — each directory listed once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from jackwatch.inventory.python_env import installed_distributions
from jackwatch.inventory.reading import inside
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Package
from jackwatch.runtime.liveroot import LiveRoot
from jackwatch.sources.stats import ReadStats

METADATA_SUFFIXES = (".dist-info", ".egg-info")
_PYC = re.compile(r"(?P<dir>(?:.*/)?)__pycache__/(?P<module>[^/.]+)\.[^/]*\.pyc")
_SYSTEM_SITES = (("usr/lib", "python3"), ("usr/local/lib", "python3"))
_MAX_DEPTH = 64
MAX_REMEMBERED = 100_000
"""Directories a live index remembers having resolved, listed or climbed from; beyond, it forgets them and starts
over (the distributions it indexed stay; a site directory met again is read again)."""
_MISSING = object()


class PackageIndex(Protocol):
    """Paths to the distributions that installed them."""

    def lookup(self, path: str) -> Package | None:
        """The distribution that owns the absolute ``path``, if any."""
        ...

    def note_program(self, path: str) -> None:
        """Index the site directories of the program executed at ``path`` when it is a Python interpreter or a
        script of a virtualenv's or prefix's ``bin``."""
        ...

    def drain_new(self) -> list[Package]:
        """The distributions indexed since the last call."""
        ...


def relative(path: str) -> str | None:
    """The absolute ``path`` relative to the root, normalised; ``None`` for a relative path or the root itself."""
    if not path.startswith("/"):
        return None
    return inside("", path)


class Catalogue:
    """Paths and package directories to the distributions added."""

    def __init__(self) -> None:
        self._files: dict[str, Package] = {}
        self._dirs: dict[str, Package | None] = {}

    def add(self, package: Package) -> None:
        """Index the files of ``package`` and the directories that hold them inside its site directory."""
        sites = {place.path.rpartition("/")[0] for place in package.locations}
        for path in package.files:
            self._files.setdefault(path, package)
            for site in sites:
                if path.startswith(f"{site}/") or not site:
                    self._add_dirs(site, path.removeprefix(f"{site}/") if site else path, package)

    def lookup(self, path: str) -> Package | None:
        """The owner of the root path ``path``."""
        found = self._files.get(path)
        if found is not None:
            return found
        compiled = _PYC.fullmatch(path)
        if compiled is not None:
            found = self._files.get(f"{compiled['dir']}{compiled['module']}.py")
            if found is not None:
                return found
        directory = path.rpartition("/")[0]
        for _ in range(_MAX_DEPTH):
            if not directory:
                return None
            owner = self._dirs.get(directory, _MISSING)
            if owner is not _MISSING:
                return owner if isinstance(owner, Package) else None
            directory = directory.rpartition("/")[0]
        return None

    def _add_dirs(self, site: str, inner: str, package: Package) -> None:
        parts = inner.split("/")[:-1]
        if not parts or parts[0] in ("__pycache__", "..") or parts[0].endswith((*METADATA_SUFFIXES, ".data")):
            return
        prefix = f"{site}/" if site else ""
        for depth in range(1, len(parts) + 1):
            directory = prefix + "/".join(parts[:depth])
            owner = self._dirs.get(directory, _MISSING)
            if owner is _MISSING:
                self._dirs[directory] = package
            elif owner is not package and (not isinstance(owner, Package) or owner.purl != package.purl):
                self._dirs[directory] = None


class RootIndex:
    """Every distribution of ``root`` (whose :meth:`~jackwatch.inventory.root.Root.files` are known), read once."""

    def __init__(self, root: Root, stats: ReadStats) -> None:
        self._catalogue = Catalogue()
        self._new = list(installed_distributions(root, list(root.files()), stats))
        for package in self._new:
            self._catalogue.add(package)

    def lookup(self, path: str) -> Package | None:
        """The owner of ``path``."""
        found = relative(path)
        return None if found is None else self._catalogue.lookup(found)

    def note_program(self, path: str) -> None:
        """Nothing: every distribution is already indexed."""

    def drain_new(self) -> list[Package]:
        """Every distribution of the root on the first call, nothing afterwards."""
        new, self._new = self._new, []
        return new


class DirectoryIndex:
    """The distributions of a running filesystem (see :class:`~jackwatch.runtime.liveroot.LiveRoot`), indexed as
    lookups reach them. ``top`` may change (:meth:`move`): a container's files are seen through the
    ``/proc/<pid>/root`` of whichever of its processes is alive."""

    def __init__(self, top: str, stats: ReadStats, name: str | None = None) -> None:
        self.root = LiveRoot(top, name)
        self._stats = stats
        self._catalogue = Catalogue()
        self._listed: set[str] = set()
        self._climbed: set[str] = set()
        self._real_dirs: dict[str, str | None] = {}
        self._new: list[Package] = []
        self._system_indexed = False

    def move(self, top: str) -> None:
        """See the same filesystem through ``top`` from now on."""
        self.root.top = top

    def lookup(self, path: str) -> Package | None:
        """The owner of ``path``, indexing the site directory around it the first time it is met."""
        found = relative(path)
        if found is None:
            return None
        self._index_system()
        owner = self._catalogue.lookup(found)
        if owner is not None:
            return owner
        directory, _, name = found.rpartition("/")
        real = self._real_dir(directory)
        if real is None:
            return None
        self._climb(real)
        return self._catalogue.lookup(f"{real}/{name}" if real else name)

    def note_program(self, path: str) -> None:
        """Index the site directories of the prefix of ``path`` when it lies in a ``bin`` directory."""
        found = relative(path)
        if found is None:
            return
        self._index_system()
        real = self._real_dir(found.rpartition("/")[0])
        if real is not None and real.rpartition("/")[2] == "bin":
            self._index_prefix(real.rpartition("/")[0])

    def drain_new(self) -> list[Package]:
        """The distributions indexed since the last call."""
        new, self._new = self._new, []
        return new

    def _real_dir(self, directory: str) -> str | None:
        """``directory`` with the links of its existing part resolved; what does not exist (any more) is kept."""
        if directory in self._real_dirs:
            return self._real_dirs[directory]
        if len(self._real_dirs) >= MAX_REMEMBERED:
            self._real_dirs.clear()
            self._climbed.clear()
            self._listed.clear()
        existing, missing = directory, []
        for _ in range(_MAX_DEPTH):
            try:
                real: str | None = self.root.resolve(existing)
                break
            except OSError:
                if not existing:
                    real = None
                    break
                existing, _, name = existing.rpartition("/")
                missing.append(name)
        else:
            real = None
        if real is not None and missing:
            real = "/".join([part for part in (real, *reversed(missing)) if part])
        self._real_dirs[directory] = real
        return real

    def _climb(self, directory: str) -> None:
        """Look for a site directory from ``directory`` up, once per directory."""
        current = directory
        for _ in range(_MAX_DEPTH):
            if current in self._climbed:
                return
            self._climbed.add(current)
            if self._index_site(current):
                return
            if current.rpartition("/")[2] == "bin":
                self._index_prefix(current.rpartition("/")[0])
            if not current:
                return
            current = current.rpartition("/")[0]

    def _index_system(self) -> None:
        if self._system_indexed:
            return
        self._system_indexed = True
        for lib, prefix in _SYSTEM_SITES:
            for name in self._names(lib):
                if name.startswith(prefix):
                    for site in ("site-packages", "dist-packages"):
                        self._index_site(f"{lib}/{name}/{site}")

    def _index_prefix(self, prefix: str) -> None:
        """The site directories of an installation prefix (a virtualenv, ``/usr/local``)."""
        base = f"{prefix}/" if prefix else ""
        for lib in ("lib", "lib64", "local/lib"):
            for name in self._names(f"{base}{lib}"):
                if name.startswith("python"):
                    for site in ("site-packages", "dist-packages"):
                        self._index_site(f"{base}{lib}/{name}/{site}")

    def _index_site(self, directory: str) -> bool:
        """Index the distributions whose metadata is in ``directory``; whether there were any."""
        if directory in self._listed:
            return False
        self._listed.add(directory)
        names = self._names(directory)
        prefix = f"{directory}/" if directory else ""
        files: list[str] = []
        for name in names:
            if not name.endswith(METADATA_SUFFIXES):
                continue
            if self.root.is_dir(f"{prefix}{name}"):
                files.extend(f"{prefix}{name}/{inner}" for inner in self._names(f"{prefix}{name}"))
            else:
                files.append(f"{prefix}{name}")
        if not files:
            return False
        self._add(installed_distributions(self.root, sorted(files), self._stats))
        return True

    def _add(self, packages: Iterable[Package]) -> None:
        for package in packages:
            self._catalogue.add(package)
            self._new.append(package)

    def _names(self, directory: str) -> list[str]:
        try:
            return self.root.listdir(directory)
        except OSError:
            return []
