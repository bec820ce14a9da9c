"""What the correlation graph is built from: assets, findings, and what runtime saw (packages in use, containers).

The same inputs come from the store (``jackwatch risks``, ``paths``) or straight from scans held in memory (the
demo, tests); :meth:`GraphInputs.without` leaves out accepted findings, which then count as absent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from jackwatch.model import Asset, Finding


@dataclass(frozen=True, slots=True)
class PackageInUse:
    """An installed package a process of its root used: ``asset_id`` is the package's asset id (the id the scan of
    its root gives it), ``path`` the file of its first use."""

    asset_id: str
    first_used: datetime
    last_used: datetime | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class RuntimeContainer:
    """A container runtime events came from: its id and what its processes said of it (name, image, pod)."""

    id: str
    name: str | None = None
    image: str | None = None
    image_id: str | None = None
    pod: str | None = None
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class GraphInputs:
    """Assets (Kubernetes objects, scanned images and their packages, AWS principals), findings of every kind,
    packages in use and the containers runtime events came from."""

    assets: Sequence[Asset] = ()
    findings: Sequence[Finding] = ()
    in_use: Sequence[PackageInUse] = ()
    containers: Sequence[RuntimeContainer] = ()

    def without(self, accepted: Collection[str]) -> GraphInputs:
        """These inputs without the findings whose ids are in ``accepted``."""
        if not accepted:
            return self
        return replace(self, findings=[finding for finding in self.findings if finding.id not in accepted])
