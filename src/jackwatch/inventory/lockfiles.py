"""Declared packages: the versions lock files pin, whatever tool wrote them.

Python: ``poetry.lock``, ``uv.lock``, ``pdm.lock`` (TOML, ``[[package]]`` tables), ``Pipfile.lock`` (JSON,
``default`` and ``develop``) and pip requirements files (:mod:`jackwatch.inventory.requirements`); npm:
``package-lock.json`` and ``npm-shrinkwrap.json`` (:mod:`jackwatch.inventory.npm`). Lock files inside installed
trees (``node_modules``, ``site-packages``) belong to those packages and are not read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from jackwatch.inventory import npm
from jackwatch.inventory.reading import in_installed_tree, location, read_json, read_text
from jackwatch.inventory.requirements import pinned_requirements
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

LockReader = Callable[[Root, str, ReadStats], Iterator[Package]]

UV_LOCAL_SOURCES = frozenset({"editable", "virtual"})
"""uv.lock sources of the project's own workspace members, which are not packages from an index."""


def declared_packages(root: Root, files: Sequence[str], stats: ReadStats) -> Iterator[Package]:
    """The packages every lock and requirements file of ``files`` pins, in path order (requirements last)."""
    for path in files:
        reader = LOCK_READERS.get(path.rpartition("/")[2])
        if reader is not None and not in_installed_tree(path):
            yield from reader(root, path, stats)
    yield from pinned_requirements(root, files, stats)


def read_package_tables(root: Root, path: str, stats: ReadStats) -> Iterator[Package]:
    """Every ``[[package]]`` table (``name``, ``version``) of a Poetry or PDM lock file."""
    yield from _toml_packages(root, path, stats, lambda table: True)


def read_uv_lock(root: Root, path: str, stats: ReadStats) -> Iterator[Package]:
    """``[[package]]`` tables of a uv lock file, but the project's own workspace members."""

    def from_an_index(table: Mapping[str, Any]) -> bool:
        source = table.get("source")
        return not (isinstance(source, dict) and UV_LOCAL_SOURCES.intersection(source))

    yield from _toml_packages(root, path, stats, from_an_index)


def read_pipfile_lock(root: Root, path: str, stats: ReadStats) -> Iterator[Package]:
    """The ``default`` and ``develop`` packages of a Pipfile.lock; those without ``==version`` are reported."""
    document = read_json(root, path, stats)
    if document is None:
        return
    for section in ("default", "develop"):
        entries = document.get(section, {})
        if not isinstance(entries, dict):
            stats.skip("invalid_lock_file", location(root, path), f"{section!r} is not an object")
            continue
        for name, entry in entries.items():
            version = entry.get("version") if isinstance(entry, dict) else None
            if not (isinstance(version, str) and version.startswith("==")):
                stats.skip("unpinned_requirement", location(root, path), f"{section}.{name}: no ==version")
                continue
            package = _package(root, path, stats, name, version.removeprefix("==").strip())
            if package is not None:
                yield package


def _toml_packages(
    root: Root, path: str, stats: ReadStats, wanted: Callable[[Mapping[str, Any]], bool]
) -> Iterator[Package]:
    text = read_text(root, path, stats)
    if text is None:
        return
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        stats.skip("invalid_lock_file", location(root, path), f"not TOML: {error}")
        return
    tables = document.get("package", [])
    if not isinstance(tables, list):
        stats.skip("invalid_lock_file", location(root, path), "'package' is not an array of tables")
        return
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            stats.skip("invalid_lock_entry", location(root, path), f"package #{number} is not a table")
        elif wanted(table):
            package = _package(root, path, stats, table.get("name"), table.get("version"), f"package #{number}")
            if package is not None:
                yield package


def _package(
    root: Root, path: str, stats: ReadStats, name: object, version: object, label: str | None = None
) -> Package | None:
    """A declared PyPI package, or ``None`` (reported) when the name or version is missing or not text."""
    if isinstance(name, str) and name.strip() and isinstance(version, str) and version.strip():
        return Package(
            Ecosystem.PYPI,
            name.strip(),
            version.strip(),
            (PackageLocation(path, root.layer(path)),),
            declared=True,
        )
    stats.skip("invalid_lock_entry", location(root, path), f"{label or name!r}: no name or no version")
    return None


LOCK_READERS: Mapping[str, LockReader] = {
    "poetry.lock": read_package_tables,
    "pdm.lock": read_package_tables,
    "uv.lock": read_uv_lock,
    "Pipfile.lock": read_pipfile_lock,
    "package-lock.json": npm.read_package_lock,
    "npm-shrinkwrap.json": npm.read_package_lock,
}
"""The reader of each lock file name."""
