"""The advisory database: load it once, then match packages against it and find the version that fixes them.

``AdvisoryDb.load()`` reads the user's database (``jackwatch db update``) when there is one, else the one
bundled with jackwatch, plus the bundled CISA KEV extract; EPSS scores are added when given. Loading decodes
the file only: each package's advisories are compiled the first time that package is matched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jackwatch.errors import ContentError, Location
from jackwatch.model.inventory import Ecosystem, Package
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns.affected import AffectedPackage
from jackwatch.vulns.dbfile import DbFile, DbInfo, bundled_path, decode, describe, user_path
from jackwatch.vulns.epss import EpssScores
from jackwatch.vulns.kev import KevCatalog
from jackwatch.vulns.matching import VulnerabilityMatch, build_matches
from jackwatch.vulns.records import StoredAdvisory
from jackwatch.vulns.versions import Comparable, native_scheme


class AdvisoryDb:
    """Advisories indexed by (ecosystem, normalised package name), with KEV and EPSS enrichment."""

    __slots__ = ("_compiled", "_file", "_merged", "epss", "info", "kev")

    def __init__(
        self, database: DbFile, info: DbInfo, kev: KevCatalog | None = None, epss: EpssScores | None = None
    ) -> None:
        self._file = database
        self._compiled: dict[tuple[str, str], tuple[AffectedPackage, ...]] = {}
        self._merged: dict[tuple[int, ...], tuple[VulnerabilityMatch, ...]] = {}
        self.info = info
        self.kev = kev
        self.epss = epss

    @classmethod
    def load(
        cls, path: Path | None = None, *, kev: KevCatalog | None = None, epss: EpssScores | None = None
    ) -> AdvisoryDb:
        """Read the database at ``path`` (default: the user's, else the bundled one).

        ``kev`` defaults to the bundled catalog extract. Raises :class:`ContentError` when the file is not a
        database, :class:`OSError` when it cannot be read.
        """
        kev = kev if kev is not None else KevCatalog.load()
        if path is None and not user_path().is_file():
            ref = bundled_path()
            database = decode(ref.read_bytes(), str(ref))
            return cls(database, describe(database, bundled=True), kev, epss)
        path = path if path is not None else user_path()
        database = decode(path.read_bytes(), str(path))
        return cls(database, describe(database, bundled=False), kev, epss)

    def __len__(self) -> int:
        """The number of advisories."""
        return len(self._file.lines)

    def __iter__(self) -> Iterator[StoredAdvisory]:
        """Every advisory, by id."""
        return map(self._file.advisory, range(len(self._file.lines)))

    def match(self, package: Package, stats: ReadStats | None = None) -> list[VulnerabilityMatch]:
        """The vulnerabilities affecting ``package``, most severe first.

        When advisories name the package but its version is not valid for its ecosystem, the version is compared
        with their explicit version lists only, and reported into ``stats`` (reason ``invalid_version``) with the
        package's location.
        """
        scheme = native_scheme(package.ecosystem)
        entries = self._entries(package)
        if entries and stats is not None and scheme.try_parse(package.version) is None:
            where = Location(package.locations[0].path if package.locations else package.purl)
            message = f"{package.name} {package.version!r} is not a valid {scheme.name} version: ranges not checked"
            stats.skip("invalid_version", where, message)
        hits = [entry for entry in entries if entry.affects(package.version)]
        if not hits:
            return []
        key = tuple(map(id, hits))  # compiled entries live as long as the database: their ids are stable
        merged = self._merged.get(key)
        if merged is None:
            merged = self._merged[key] = tuple(build_matches(hits, scheme, self.kev, self.epss))
        return list(merged)

    def fix_version(self, package: Package, matches: list[VulnerabilityMatch]) -> str | None:
        """The smallest upgrade that fixes every one of ``matches``: the lowest of their fixed versions, at or above
        the installed one, that none of their advisories affects. Final releases are preferred to pre-releases
        unless the installed version is itself a pre-release. ``None`` when no such version exists (or the
        installed version cannot be parsed)."""
        scheme = native_scheme(package.ecosystem)
        current = scheme.try_parse(package.version)
        if current is None or not matches:
            return None
        wanted = {ident for match in matches for ident in match.advisories}
        entries = [entry for entry in self._entries(package) if entry.advisory["id"] in wanted]
        candidates: dict[Comparable, str] = {}
        for text in (version for match in matches for version in match.fixed_versions):
            parsed = scheme.try_parse(text)
            if parsed is not None and not parsed < current:
                candidates.setdefault(parsed, text)
        prerelease_ok = scheme.is_prerelease(current)
        ordered = sorted(candidates, key=lambda v: (not prerelease_ok and scheme.is_prerelease(v), v))
        return next(
            (candidates[v] for v in ordered if not any(entry.affects(candidates[v]) for entry in entries)), None
        )

    def _entries(self, package: Package) -> tuple[AffectedPackage, ...]:
        """The compiled affected entries naming ``package`` (compiled on first use)."""
        key = (package.ecosystem.value, package.key)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(package.ecosystem, package.key)
        return compiled

    def _compile(self, ecosystem: Ecosystem, name: str) -> tuple[AffectedPackage, ...]:
        out: list[AffectedPackage] = []
        for position in self._file.header["index"].get(ecosystem.value, {}).get(name, ()):
            advisory = self._file.advisory(position)
            try:
                out.extend(
                    AffectedPackage(advisory, entry)
                    for entry in advisory["affected"]
                    if entry["ecosystem"] == ecosystem.value and entry["name"] == name
                )
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                message = f"advisory {position + 1} is corrupt: {error!r}"
                raise ContentError(message, Location(self.info.origin, position + 2)) from None
        return tuple(out)
