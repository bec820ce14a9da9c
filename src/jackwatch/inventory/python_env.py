"""Installed Python distributions: every ``*.dist-info`` and ``*.egg-info`` in a root, wherever it lies.

A distribution is found by its metadata directory — ``name-1.0.dist-info/METADATA`` (wheels), ``name.egg-info/PKG-INFO``
(setuptools, develop installs), ``name-1.0.egg-info`` as a single file (distutils, Debian's ``dist-packages``) or
``name-1.0.egg/EGG-INFO/PKG-INFO`` (eggs) — so site-packages, dist-packages, virtualenvs, ``--target`` directories
and copies vendored inside other packages are all seen. Name, version and requirements are read the way Python
itself reads them (:class:`importlib.metadata.Distribution`: the e-mail header format of METADATA/PKG-INFO,
``Requires-Dist`` or ``requires.txt``); installed files come from ``RECORD`` or ``installed-files.txt``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import Distribution
from typing import Literal, NoReturn

from packaging.utils import InvalidName, canonicalize_name

from jackwatch.inventory.reading import inside, location, read_bytes, read_text
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

MetadataForm = Literal["dist-info", "egg-info", "egg-info-file", "egg"]


@dataclass(frozen=True, slots=True)
class MetadataDir:
    """Where one installed distribution describes itself.

    ``path`` is the metadata directory (or the ``.egg-info`` file), ``metadata`` its METADATA/PKG-INFO file.
    """

    form: MetadataForm
    path: str

    @property
    def metadata(self) -> str:
        """The METADATA or PKG-INFO file."""
        if self.form == "egg-info-file":
            return self.path
        return f"{self.path}/{'METADATA' if self.form == 'dist-info' else 'PKG-INFO'}"


def installed_distributions(root: Root, files: Sequence[str], stats: ReadStats) -> Iterator[Package]:
    """One :class:`Package` per metadata directory of ``files`` (the root's files), in path order.

    A directory without its METADATA/PKG-INFO, or whose metadata has no valid name or no version, is reported
    and skipped; a RECORD path that climbs out of the root is reported and left out of the package's files.
    """
    present = frozenset(files)
    for found in metadata_dirs(files):
        if found.metadata not in present:
            stats.skip("missing_metadata", location(root, found.path), f"no {found.metadata.rpartition('/')[2]}")
            continue
        package = _read_distribution(root, found, present, stats)
        if package is not None:
            yield package


def metadata_dirs(files: Sequence[str]) -> list[MetadataDir]:
    """The metadata directories (and ``.egg-info`` files) among ``files``, sorted by path."""
    found: dict[str, MetadataForm] = {}
    for path in files:
        parent, _, base = path.rpartition("/")
        if parent.endswith(".dist-info"):
            found[parent] = "dist-info"
        elif parent.endswith(".egg-info"):
            found[parent] = "egg-info"
        elif parent.endswith(".egg/EGG-INFO"):
            found[parent] = "egg"
        elif base.endswith(".egg-info"):
            found[path] = "egg-info-file"
    return [MetadataDir(form, path) for path, form in sorted(found.items())]


class _MetadataTexts(Distribution):
    """A distribution whose metadata files were read from a root, handed to :mod:`importlib.metadata`."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts

    def read_text(self, filename: str) -> str | None:
        return self._texts.get(filename)

    def locate_file(self, path: str | os.PathLike[str]) -> NoReturn:
        raise NotImplementedError("a distribution read from a scanned root has no place on this machine")


def _read_distribution(root: Root, found: MetadataDir, present: Collection[str], stats: ReadStats) -> Package | None:
    data = read_bytes(root, found.metadata, stats)
    if data is None:
        return None
    texts = {"PKG-INFO": data.decode("utf-8", "replace")}
    if found.form in ("egg-info", "egg") and f"{found.path}/requires.txt" in present:
        texts["requires.txt"] = read_text(root, f"{found.path}/requires.txt", stats) or ""
    dist = _MetadataTexts(texts)
    name = _single(dist, "Name")
    version = _single(dist, "Version")
    problem = _metadata_problem(name, version)
    if problem:
        stats.skip("invalid_metadata", location(root, found.metadata), problem)
        return None
    return Package(
        Ecosystem.PYPI,
        name,
        version,
        locations=(PackageLocation(found.path, root.layer(found.metadata)),),
        files=tuple(_installed_files(root, found, present, stats)),
        top_level=_top_level(root, found, present, stats),
        requires=tuple(dist.requires or ()),
    )


def _single(dist: Distribution, field: str) -> str:
    values = dist.metadata.get_all(field) or [""]
    return str(values[0]).strip()


def _metadata_problem(name: str, version: str) -> str | None:
    if not name:
        return "no Name field"
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return f"Name {name!r} is not a valid distribution name"
    if not version:
        return "no Version field"
    if any(char.isspace() for char in version):
        return f"Version {version!r} is not a version"
    return None


def _top_level(root: Root, found: MetadataDir, present: Collection[str], stats: ReadStats) -> tuple[str, ...]:
    path = f"{found.path}/top_level.txt"
    if found.form == "egg-info-file" or path not in present:
        return ()
    text = read_text(root, path, stats) or ""
    return tuple(sorted({line.strip() for line in text.splitlines() if line.strip()}))


def _installed_files(root: Root, found: MetadataDir, present: Collection[str], stats: ReadStats) -> Iterator[str]:
    """Root paths of the files the distribution's RECORD (or egg-info ``installed-files.txt``) lists."""
    if found.form == "dist-info":
        record, base = f"{found.path}/RECORD", found.path.rpartition("/")[0]
    elif found.form == "egg-info":
        record, base = f"{found.path}/installed-files.txt", found.path
    else:
        return
    if record not in present:
        return
    text = read_text(root, record, stats)
    if text is None:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            listed = next(csv.reader([line], strict=True), [""])[0] if found.form == "dist-info" else line
        except csv.Error as error:
            stats.skip("invalid_record", location(root, record, number), f"not a CSV row: {error}", 0)
            continue
        if not listed.strip():
            continue
        path = inside(base, listed.strip())
        if path is None:
            stats.skip("path_outside_root", location(root, record, number), f"{listed!r} leaves the root", 0)
        else:
            yield path
