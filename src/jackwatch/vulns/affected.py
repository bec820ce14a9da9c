"""One affected package of one advisory, compiled for matching: its ranges, its explicit versions, its fixes.

A version is affected when the advisory lists it in ``versions`` (equal as the ecosystem compares versions:
``1.0`` and ``1.0.0`` are one PEP 440 version) or when one of its ranges includes it (see
:mod:`jackwatch.vulns.ranges`), as the OSV specification's evaluation says.
"""

from __future__ import annotations

from jackwatch.model.inventory import Ecosystem
from jackwatch.vulns.ranges import FIXED, Timeline
from jackwatch.vulns.records import StoredAdvisory, StoredAffected
from jackwatch.vulns.severity import Rating, VulnSeverity
from jackwatch.vulns.versions import Comparable, Scheme, native_scheme, range_scheme, sort_versions


class AffectedPackage:
    """An affected entry compiled once: raises :class:`ValueError` when a range cannot be compiled."""

    __slots__ = ("_parsed_versions", "_versions", "advisory", "fixed", "ranges", "rating", "scheme")

    def __init__(self, advisory: StoredAdvisory, entry: StoredAffected) -> None:
        ecosystem = Ecosystem(entry["ecosystem"])
        self.advisory = advisory
        self.scheme = native_scheme(ecosystem)
        self.ranges: tuple[tuple[Scheme, Timeline[Comparable]], ...] = tuple(
            (scheme, Timeline.compile([(kind, version) for kind, version in item["events"]], scheme.parse))
            for item in entry["ranges"]
            for scheme in (range_scheme(ecosystem, item["type"]),)
        )
        self.fixed = sort_versions(
            {version for item in entry["ranges"] for kind, version in item["events"] if kind == FIXED}, self.scheme
        )
        self._versions = frozenset(entry["versions"])
        self._parsed_versions: frozenset[Comparable] | None = None
        stored = entry.get("severity", advisory["severity"])
        self.rating = Rating(VulnSeverity(stored["level"]), stored["score"], stored["vector"])

    def affects(self, version: str) -> bool:
        """Whether the package at ``version`` is affected (an invalid version can only match ``versions``)."""
        if version in self._versions:
            return True
        for scheme, timeline in self.ranges:
            parsed = scheme.try_parse(version)
            if parsed is not None and parsed in timeline:
                return True
        if not self._versions:
            return False
        native = self.scheme.try_parse(version)
        return native is not None and native in self._listed()

    def _listed(self) -> frozenset[Comparable]:
        """The explicit versions, parsed (on first use: most lookups never need them)."""
        if self._parsed_versions is None:
            parsed = (self.scheme.try_parse(version) for version in self._versions)
            self._parsed_versions = frozenset(version for version in parsed if version is not None)
        return self._parsed_versions
