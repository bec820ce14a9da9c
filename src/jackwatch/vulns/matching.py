"""Matches of one package: the advisories that affect it, merged into one vulnerability per alias group.

Advisories that name each other (``id`` and ``aliases``: a PYSEC record, the GitHub advisory and the CVE of the
same flaw) form one vulnerability, found as the connected components of the alias graph over the advisories
that matched; ``related`` ids are not aliases and do not merge. The vulnerability's id is chosen among every id
of its component, records and aliases alike, so that it stays the same whichever of the databases is loaded:
a GitHub advisory id (``GHSA-…``) first, else a CVE, else a PyPA id (``PYSEC-…``), else any; the smallest id of
the preferred kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jackwatch.vulns.affected import AffectedPackage
from jackwatch.vulns.epss import EpssScore, EpssScores
from jackwatch.vulns.kev import KevCatalog, KevEntry
from jackwatch.vulns.records import StoredAdvisory
from jackwatch.vulns.severity import VulnSeverity
from jackwatch.vulns.versions import Scheme, sort_versions

ID_PREFERENCE = ("GHSA-", "CVE-", "PYSEC-")
_ID_RANKS = {prefix: rank for rank, prefix in enumerate(ID_PREFERENCE)}


@dataclass(frozen=True, slots=True)
class VulnerabilityMatch:
    """One vulnerability affecting a package.

    ``id`` is the preferred id of the alias group and ``aliases`` every other id of it; ``advisories`` are the
    database records that matched. ``severity``, ``cvss_score`` and ``cvss_vector`` are the most severe rating
    among them; ``fixed_versions`` every version their ranges name as a fix (lowest first); ``kev`` the CISA
    catalog entry of one of its CVEs, ``epss`` the highest EPSS score of its CVEs (when scores were loaded).
    """

    id: str
    aliases: tuple[str, ...]
    advisories: tuple[str, ...]
    related: tuple[str, ...]
    summary: str
    severity: VulnSeverity
    cvss_score: float | None
    cvss_vector: str | None
    fixed_versions: tuple[str, ...]
    kev: KevEntry | None
    epss: EpssScore | None

    @property
    def ids(self) -> tuple[str, ...]:
        """The id and every alias."""
        return (self.id, *self.aliases)

    @property
    def cves(self) -> tuple[str, ...]:
        """The CVE ids among :attr:`ids`."""
        return tuple(ident for ident in self.ids if ident.startswith("CVE-"))


def preferred_id(ids: Iterable[str]) -> str:
    """The id that names a group (see the module documentation)."""

    return min(ids, key=lambda ident: (_ID_RANKS.get(ident.partition("-")[0] + "-", len(ID_PREFERENCE)), ident))


def alias_groups(advisories: Sequence[StoredAdvisory]) -> list[list[StoredAdvisory]]:
    """``advisories`` partitioned into the connected components of their alias graph, in first-seen order."""
    parent: dict[str, str] = {}

    def root(ident: str) -> str:
        parent.setdefault(ident, ident)
        while parent[ident] != ident:
            parent[ident] = parent[parent[ident]]
            ident = parent[ident]
        return ident

    for advisory in advisories:
        for alias in advisory["aliases"]:
            parent[root(alias)] = root(advisory["id"])
    groups: dict[str, list[StoredAdvisory]] = {}
    for advisory in advisories:
        groups.setdefault(root(advisory["id"]), []).append(advisory)
    return list(groups.values())


def build_matches(
    hits: Sequence[AffectedPackage], scheme: Scheme, kev: KevCatalog | None, epss: EpssScores | None
) -> list[VulnerabilityMatch]:
    """One match per alias group of the advisories of ``hits``, most severe first."""
    advisories = list({hit.advisory["id"]: hit.advisory for hit in hits}.values())
    matches = []
    for group in alias_groups(advisories):
        members = {advisory["id"] for advisory in group}
        matches.append(_merge(group, [hit for hit in hits if hit.advisory["id"] in members], scheme, kev, epss))
    return sorted(matches, key=lambda m: (-m.severity.rank, -(m.cvss_score or 0.0), m.id))


def _merge(
    group: list[StoredAdvisory],
    hits: list[AffectedPackage],
    scheme: Scheme,
    kev: KevCatalog | None,
    epss: EpssScores | None,
) -> VulnerabilityMatch:
    ids = sorted({ident for advisory in group for ident in (advisory["id"], *advisory["aliases"])})
    primary = preferred_id(ids)
    cves = [ident for ident in ids if ident.startswith("CVE-")]
    rating = max((hit.rating for hit in hits), key=lambda rating: rating.key)
    scores = [score for cve in cves if epss is not None and (score := epss.get(cve)) is not None]
    return VulnerabilityMatch(
        id=primary,
        aliases=tuple(ident for ident in ids if ident != primary),
        advisories=tuple(sorted(advisory["id"] for advisory in group)),
        related=tuple(sorted({ident for advisory in group for ident in advisory["related"]} - set(ids))),
        summary=_summary(group, primary),
        severity=rating.severity,
        cvss_score=rating.score,
        cvss_vector=rating.vector,
        fixed_versions=hits[0].fixed
        if len(hits) == 1
        else sort_versions({v for hit in hits for v in hit.fixed}, scheme),
        kev=next((entry for cve in cves if kev is not None and (entry := kev.get(cve)) is not None), None),
        epss=max(scores, key=lambda score: score.epss) if scores else None,
    )


def _summary(group: list[StoredAdvisory], primary: str) -> str:
    """The summary of the record named by ``primary`` (or naming it), else the first non-empty one."""
    ranked = sorted(group, key=lambda a: (a["id"] != primary, primary not in a["aliases"], not a["summary"], a["id"]))
    return ranked[0]["summary"]
