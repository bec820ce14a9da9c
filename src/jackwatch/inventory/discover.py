"""Every package of a root: installed Python distributions and npm packages, and what lock files declare."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from jackwatch.inventory.lockfiles import declared_packages
from jackwatch.inventory.npm import installed_npm_packages
from jackwatch.inventory.python_env import installed_distributions
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

PackageIdentity = tuple[Ecosystem, str, str, bool]
"""(ecosystem, normalised name, version, declared): packages equal on it are one package."""


def discover_packages(root: Root, stats: ReadStats) -> list[Package]:
    """The packages of ``root``, sorted and merged (:func:`merge_packages`).

    The root is walked once; every package record read (a metadata directory, a lock file entry, a
    ``package.json``) counts in ``stats.events_read``, every problem is reported to ``stats``.
    """
    files = list(root.files())
    found = list(
        chain(
            installed_distributions(root, files, stats),
            installed_npm_packages(root, files, stats),
            declared_packages(root, files, stats),
        )
    )
    stats.events_read += len(found)
    return merge_packages(found)


def identity(package: Package) -> PackageIdentity:
    """What makes two found packages one."""
    return (package.ecosystem, package.key, package.version, package.declared)


def merge_packages(packages: Iterable[Package]) -> list[Package]:
    """One package per :func:`identity`, holding every location, file, module and requirement of its copies.

    The same version found in several places (two virtualenvs, two image layers, many ``node_modules``) is
    one package with several locations; different versions of a package stay separate packages.
    """
    groups: dict[PackageIdentity, list[Package]] = {}
    for package in packages:
        groups.setdefault(identity(package), []).append(package)
    return [_merged(groups[key]) for key in sorted(groups, key=_sort_key)]


def summarize(packages: Iterable[Package]) -> dict[str, dict[str, int]]:
    """Packages per ecosystem and kind: ``{"PyPI": {"installed": 9, "declared": 3}, "npm": {…}}``."""
    counts = {str(ecosystem): {"installed": 0, "declared": 0} for ecosystem in Ecosystem}
    for package in packages:
        counts[str(package.ecosystem)]["declared" if package.declared else "installed"] += 1
    return counts


def _sort_key(key: PackageIdentity) -> tuple[str, str, str, bool]:
    ecosystem, name, version, declared = key
    return (str(ecosystem), name, version, declared)


def _merged(copies: list[Package]) -> Package:
    first = copies[0]
    if len(copies) == 1:
        return first
    return Package(
        first.ecosystem,
        first.name,
        first.version,
        locations=tuple(sorted(set(chain.from_iterable(copy.locations for copy in copies)), key=_location_order)),
        declared=first.declared,
        files=_union(copy.files for copy in copies),
        top_level=_union(copy.top_level for copy in copies),
        requires=_union(copy.requires for copy in copies),
    )


def _union(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chain.from_iterable(parts)))


def _location_order(place: PackageLocation) -> tuple[str, str]:
    return (place.path, place.layer or "")
