"""npm packages: installed ones (``node_modules/**/package.json``) and those an npm lock file pins.

``package-lock.json`` and ``npm-shrinkwrap.json`` of every ``lockfileVersion``: 1 (nested ``dependencies``),
2 and 3 (flat ``packages`` keyed by their ``node_modules/…`` path; v2 also carries the v1 tree, which is then
ignored). The root project, workspace folders and links to them are the project itself and are left out;
aliases (``"alias": "npm:real@1.0.0"``) are reported under the real name. Versions must be semantic versions:
a git or ``file:`` dependency has none and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import semver

from jackwatch.inventory.reading import location, read_json
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

_INSTALLED_MANIFEST = re.compile(r"(?:^|/)node_modules/(?:@[^/]+/)?[^/.@][^/]*/package\.json$")
_MODULES = "node_modules/"


def is_installed_manifest(path: str) -> bool:
    """Whether ``path`` is the ``package.json`` of a package installed in a ``node_modules`` directory."""
    return _INSTALLED_MANIFEST.search(path) is not None


def installed_npm_packages(root: Root, files: Sequence[str], stats: ReadStats) -> Iterator[Package]:
    """One package per installed ``package.json`` (``name``, ``version``, ``dependencies``), in path order."""
    for path in files:
        if not is_installed_manifest(path):
            continue
        manifest = read_json(root, path, stats)
        if manifest is None:
            continue
        name, version = manifest.get("name"), manifest.get("version")
        if not (isinstance(name, str) and name and isinstance(version, str)):
            stats.skip("invalid_package_json", location(root, path), "no name or no version")
            continue
        dependencies = manifest.get("dependencies")
        requires = (
            tuple(f"{dep}@{spec}" for dep, spec in dependencies.items() if isinstance(spec, str))
            if isinstance(dependencies, dict)
            else ()
        )
        package = _package(root, path, stats, name, version, declared=False, requires=requires)
        if package is not None:
            yield package


def read_package_lock(root: Root, path: str, stats: ReadStats) -> Iterator[Package]:
    """The packages an npm lock file pins (``declared``), the root project and workspace folders left out."""
    document = read_json(root, path, stats)
    if document is None:
        return
    where = location(root, path)
    packages, dependencies = document.get("packages"), document.get("dependencies")
    if isinstance(packages, dict):
        entries = _flat_entries(packages)
    elif isinstance(dependencies, dict):
        entries = _nested_entries(dependencies)
    elif "lockfileVersion" in document:
        return  # a project without dependencies
    else:
        stats.skip("invalid_lock_file", where, "no lockfileVersion, packages or dependencies: not an npm lock file")
        return
    for key, entry in entries:
        fields = entry if isinstance(entry, dict) else {}
        name, version = fields.get("name") or key, fields.get("version")
        if not (isinstance(name, str) and isinstance(version, str)):
            stats.skip("invalid_lock_entry", where, f"{key!r}: no name or no version")
            continue
        package = _package(root, path, stats, name, version, declared=True)
        if package is not None:
            yield package


def _flat_entries(packages: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name from the path, entry) of a v2/v3 ``packages`` map, without the project, workspaces and links."""
    for key, entry in packages.items():
        if (key.startswith(_MODULES) or f"/{_MODULES}" in key) and not (isinstance(entry, dict) and entry.get("link")):
            yield key.rpartition(_MODULES)[2], entry


def _nested_entries(dependencies: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, entry) of a v1 ``dependencies`` tree, depth first."""
    pending = [iter(dependencies.items())]
    while pending:
        for name, entry in pending[-1]:
            yield name, entry
            nested = entry.get("dependencies") if isinstance(entry, dict) else None
            if isinstance(nested, dict):
                pending.append(iter(nested.items()))
                break
        else:
            pending.pop()


def _package(
    root: Root,
    path: str,
    stats: ReadStats,
    name: str,
    version: str,
    *,
    declared: bool,
    requires: tuple[str, ...] = (),
) -> Package | None:
    """An npm package found in ``path``; ``None`` (reported) when its version is not a semantic version."""
    if version.startswith("npm:"):  # an alias: npm:real-name@version
        name, _, version = version.removeprefix("npm:").rpartition("@")
    if not semver.Version.is_valid(version):
        stats.skip("not_a_version", location(root, path), f"{name}: {version!r} is not a registry version")
        return None
    return Package(
        Ecosystem.NPM,
        name,
        version,
        (PackageLocation(path, root.layer(path)),),
        declared=declared,
        requires=requires,
    )
