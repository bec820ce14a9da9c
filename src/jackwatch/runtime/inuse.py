"""Which installed packages each watched root uses: ``in_use``, ``not_seen`` or ``unknown`` (still learning).

A package is ``in_use`` as soon as one of its files was opened or executed. Until its root has been observed
for the learning period (from the first to the latest runtime event seen for it) every other package is
``unknown``: a process may simply not have needed it yet. Once the period is over, a package never used is
``not_seen``. The default period, :data:`DEFAULT_LEARNING`, is 24 hours: one daily cycle of a service (nightly
jobs, batch imports), long enough for lazily imported modules to show up.

The packages of a root are those the runtime indexed in it and those a scan of the same root stored as assets
(``jackwatch scan image``; only the installed Python ones: npm packages and lock-file pins are not watched):
a package row's id is its asset's id, so vulnerability findings join it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.model.inventory import Ecosystem
from jackwatch.store import Store
from jackwatch.store.usage import PackageUse, UsageRoot

DEFAULT_LEARNING = timedelta(hours=24)
"""How long a root is observed before a package it never used is ``not_seen``."""


class UsageState(StrEnum):
    """What the runtime knows of a package's use."""

    IN_USE = "in_use"
    NOT_SEEN = "not_seen"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PackageState:
    """A package of a watched root, and its state."""

    use: PackageUse
    state: UsageState
    ai_category: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        use = self.use
        return {
            "id": use.id,
            "name": use.name,
            "version": use.version,
            "purl": use.purl,
            "state": self.state.value,
            "ai": self.ai_category,
            "first_used": _iso(use.first_used),
            "last_used": _iso(use.last_used),
            "example_path": use.example_path,
            "location": use.location,
        }


@dataclass(frozen=True, slots=True)
class RootUsage:
    """The package use of one watched root."""

    root: UsageRoot
    learning: timedelta
    packages: list[PackageState] = field(default_factory=list)

    @property
    def learning_over(self) -> bool:
        """Whether the root has been observed for the whole learning period."""
        return self.root.observed_until - self.root.observed_since >= self.learning

    @property
    def learning_ends(self) -> datetime:
        """When the learning period ends (or ended)."""
        return self.root.observed_since + self.learning

    def counts(self) -> dict[str, int]:
        """Packages per state."""
        counts = {state.value: 0 for state in UsageState}
        for package in self.packages:
            counts[package.state.value] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        root = self.root
        return {
            "root": {"id": root.id, "kind": root.kind, "ref": root.ref, "name": root.name},
            "observed_since": _iso(root.observed_since),
            "observed_until": _iso(root.observed_until),
            "learning_hours": self.learning / timedelta(hours=1),
            "learning_over": self.learning_over,
            "learning_ends": _iso(self.learning_ends),
            "counts": self.counts(),
            "packages": [package.as_dict() for package in self.packages],
        }


def package_state(use: PackageUse, root: UsageRoot, learning: timedelta) -> UsageState:
    """The state of ``use`` in ``root`` with the learning period ``learning``."""
    if use.first_used is not None:
        return UsageState.IN_USE
    if root.observed_until - root.observed_since >= learning:
        return UsageState.NOT_SEEN
    return UsageState.UNKNOWN


def in_use_report(
    store: Store,
    *,
    roots: Sequence[UsageRoot] | None = None,
    learning: timedelta = DEFAULT_LEARNING,
    catalog: AiCatalog | None = None,
    ai_only: bool = False,
) -> list[RootUsage]:
    """The package use of ``roots`` (every watched root by default): per root, its packages (AI packages first,
    then in use, by name) with their state."""
    if learning < timedelta(0):
        raise ValueError(f"the learning period cannot be negative: {learning}")
    catalog = catalog if catalog is not None else AiCatalog.load()
    chosen = list(store.usage_roots() if roots is None else roots)
    uses: dict[str, list[PackageUse]] = {}
    for use in store.package_usage(root_ids=[root.id for root in chosen]):
        uses.setdefault(use.root_id, []).append(use)
    report = []
    for root in chosen:
        packages = {use.id: use for use in uses.get(root.id, [])}
        for asset in store.assets(kind="package", parent=root.id):
            installed = asset.attrs.get("installed", True)
            if asset.id not in packages and installed and asset.purl and asset.purl.startswith("pkg:pypi/"):
                packages[asset.id] = PackageUse(
                    asset.id, root.id, asset.name, asset.version or "", asset.purl, asset.first_seen
                )
        states = []
        for use in packages.values():
            entry = catalog.find(Ecosystem.PYPI, use.name) if use.purl.startswith("pkg:pypi/") else None
            if ai_only and entry is None:
                continue
            category = None if entry is None else str(entry.category)
            states.append(PackageState(use, package_state(use, root, learning), category))
        states.sort(key=_order)
        report.append(RootUsage(root, learning, states))
    return report


def _order(package: PackageState) -> tuple[bool, int, str, str]:
    rank = {UsageState.IN_USE: 0, UsageState.UNKNOWN: 1, UsageState.NOT_SEEN: 2}[package.state]
    return (package.ai_category is None, rank, package.use.name.lower(), package.use.version)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")
