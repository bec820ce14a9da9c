"""What inventory collectors find: software packages (where each was found) and assets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from packageurl import PackageURL


class Ecosystem(StrEnum):
    """Package ecosystems, spelled as OSV spells them."""

    PYPI = "PyPI"
    NPM = "npm"


_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: Ecosystem, name: str) -> str:
    """The name packages are compared by: PEP 503 for PyPI (``Foo.Bar_baz`` → ``foo-bar-baz``), as is for npm."""
    return _PEP503.sub("-", name).lower() if ecosystem is Ecosystem.PYPI else name


@dataclass(frozen=True, slots=True)
class PackageLocation:
    """Where a package was found: a path inside the scanned root, and the image layer that holds it."""

    path: str
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """One package version found in a root.

    ``declared`` is true for a package named by a requirements or lock file rather than installed; ``files``
    are the paths its installation record lists (RECORD), ``top_level`` the modules it provides, ``requires``
    its declared requirements (as written).
    """

    ecosystem: Ecosystem
    name: str
    version: str
    locations: tuple[PackageLocation, ...] = ()
    declared: bool = False
    files: tuple[str, ...] = ()
    top_level: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The normalised name packages are compared and matched by."""
        return normalize_name(self.ecosystem, self.name)

    @property
    def purl(self) -> str:
        """The package URL (``pkg:pypi/langchain@0.0.171``, ``pkg:npm/%40anthropic-ai/sdk@0.20.1``)."""
        if self.ecosystem is Ecosystem.PYPI:
            return PackageURL(type="pypi", name=self.key, version=self.version).to_string()
        scope, _, name = self.name.rpartition("/")
        return PackageURL(type="npm", namespace=scope or None, name=name, version=self.version).to_string()


def asset_id(kind: str, ref: str, parent: str | None = None) -> str:
    """Stable id of an asset: a hash of its kind, ref and parent's id, never of times or scan order."""
    text = "\x1f".join((kind, ref, parent or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Asset:
    """Something jackwatch knows exists: ``ref`` is a stable URN (``image://sha256:…``, ``pkg:pypi/name@version``).

    ``parent`` is the id of the asset it belongs to (a package's image or directory): the same package in two
    images is two assets. ``version`` and ``purl`` are a package's; ``attrs`` never hold a secret.
    """

    ref: str
    kind: str
    name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    version: str | None = None
    purl: str | None = None

    @property
    def id(self) -> str:
        """The asset's stable id (:func:`asset_id`)."""
        return asset_id(self.kind, self.ref, self.parent)
