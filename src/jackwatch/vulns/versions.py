"""Version orderings of the advisory ranges: PEP 440 for PyPI, SemVer 2.0 for npm and ``SEMVER`` ranges."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import semver
from packaging.version import Version

from jackwatch.model.inventory import Ecosystem


class Comparable(Protocol):
    """A parsed version: totally ordered, hashable, and equal when the ordering says so."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __hash__(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Scheme:
    """A way to parse and order version strings; ``parse`` raises :class:`ValueError` on an invalid version."""

    name: str
    parse: Callable[[str], Comparable]
    is_prerelease: Callable[[Any], bool]

    def try_parse(self, text: str) -> Comparable | None:
        """The parsed version, or ``None`` when ``text`` is not a valid version of this scheme."""
        try:
            return self.parse(text)
        except ValueError:
            return None


@lru_cache(maxsize=1 << 16)
def _pep440(text: str) -> Comparable:
    return Version(text)


@lru_cache(maxsize=1 << 16)
def _semver(text: str) -> Comparable:
    return semver.Version.parse(text)


PEP440 = Scheme("PEP 440", _pep440, lambda version: bool(version.is_prerelease))
"""PyPI versions (``packaging.version``): epochs, pre-, post- and dev releases, local labels."""

SEMVER = Scheme("SemVer 2.0", _semver, lambda version: version.prerelease is not None)
"""Semantic versions (the ``semver`` package): precedence as section 11 of SemVer 2.0 defines it."""


def native_scheme(ecosystem: Ecosystem) -> Scheme:
    """The ordering of the ecosystem's own versions (what OSV ``ECOSYSTEM`` ranges use)."""
    return PEP440 if ecosystem is Ecosystem.PYPI else SEMVER


def range_scheme(ecosystem: Ecosystem, range_type: str) -> Scheme:
    """The ordering of an OSV range of ``range_type`` (``ECOSYSTEM`` or ``SEMVER``) for ``ecosystem``."""
    return SEMVER if range_type == "SEMVER" else native_scheme(ecosystem)


def sort_versions(versions: Iterable[str], scheme: Scheme) -> tuple[str, ...]:
    """``versions`` lowest first as ``scheme`` orders them; versions it cannot parse come last, by text."""
    parsed = [(scheme.try_parse(version), version) for version in versions]
    valid = sorted(((v, text) for v, text in parsed if v is not None), key=lambda item: item[0])
    return (*(text for _, text in valid), *sorted(text for v, text in parsed if v is None))
