"""OSV records → the advisories jackwatch stores: validated, and reduced to what matching and reports need.

What is kept of a record: ``id``, ``aliases``, ``related``, ``modified``, ``published``, a one-paragraph summary
(``summary``, else the start of ``details``), the rating (see :mod:`jackwatch.vulns.severity`), and for each PyPI
or npm package it affects: the normalised name, the ``ECOSYSTEM`` and ``SEMVER`` ranges (events in the order
written) and the explicit ``versions``. ``GIT`` ranges need the repository's history and are not kept (OSV
databases list the versions they cover in ``versions``). Withdrawn records are not kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict

from jackwatch.errors import Location
from jackwatch.model.inventory import Ecosystem, normalize_name
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns.ranges import EVENT_KINDS, INTRODUCED, Timeline
from jackwatch.vulns.severity import CVSS_TYPES, UNKNOWN, Rating, database_rating, score_vector
from jackwatch.vulns.versions import range_scheme
from jackwatch.yamlsource import YamlMap

SUMMARY_CHARS = 240
"""The longest summary kept; a longer text is cut at a word boundary and ends with ``…``."""

RANGE_TYPES = ("ECOSYSTEM", "SEMVER")


class StoredRating(TypedDict):
    """A :class:`~jackwatch.vulns.severity.Rating` as stored."""

    level: str
    score: float | None
    vector: str | None


class StoredRange(TypedDict):
    """One range: its type and its ``[kind, version]`` events, in the order written."""

    type: str
    events: list[list[str]]


class StoredAffected(TypedDict):
    """One affected package; ``severity`` only when the package has its own rating."""

    ecosystem: str
    name: str
    ranges: list[StoredRange]
    versions: list[str]
    severity: NotRequired[StoredRating]


class StoredAdvisory(TypedDict):
    """One advisory as the database stores it."""

    id: str
    aliases: list[str]
    related: list[str]
    modified: str
    published: str | None
    summary: str
    severity: StoredRating
    affected: list[StoredAffected]


@dataclass(slots=True)
class ImportStats:
    """What an import read, kept, ignored on purpose, and rejected.

    ``read`` counts records (``events_read``) and skipped records by reason, and keeps every problem with its
    location, including parts of records that were dropped while the rest of the record was kept
    (``invalid_range``, ``invalid_version``, ``invalid_severity``, ``invalid_affected``). ``ignored`` counts what
    is left out by design (``withdrawn`` records, ``other_ecosystem`` packages, ``git_range`` ranges,
    ``superseded`` copies of a record). ``imported`` counts the advisories kept per ecosystem.
    """

    read: ReadStats = field(default_factory=ReadStats)
    ignored: Counter[str] = field(default_factory=Counter)
    imported: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {
            **self.read.as_dict(),
            "ignored": dict(sorted(self.ignored.items())),
            "imported": dict(sorted(self.imported.items())),
        }


class _Rejected(Exception):
    """The record cannot be used at all."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message, self.location = message, location


def _where(value: object, key: str | None, fallback: Location) -> Location:
    """The location of ``value`` (or of its ``key``) when it was read from YAML, else ``fallback``."""
    return value.location(key) if isinstance(value, YamlMap) else fallback


def _strings(value: object, what: str, where: Location) -> list[str]:
    """An optional list of strings; anything else rejects the record."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Rejected(f"{what} must be a list of strings", where)
    return list(value)


def summarize(summary: object, details: object) -> str:
    """``summary``, else the start of ``details``: whitespace collapsed, at most :data:`SUMMARY_CHARS`."""
    text = summary if isinstance(summary, str) and summary.strip() else details
    if not isinstance(text, str):
        return ""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text.rfind(" ", 0, SUMMARY_CHARS)
    return text[: cut if cut > 0 else SUMMARY_CHARS - 1].rstrip(" ,;:") + "…"


def parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 timestamp (``2024-02-05T20:20:47.716944Z``) in UTC, or ``None`` when invalid."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stored_rating(rating: Rating) -> StoredRating:
    """The stored form of ``rating``."""
    return {"level": rating.severity.value, "score": rating.score, "vector": rating.vector}


class OsvConverter:
    """Turns OSV records into :class:`StoredAdvisory` values, reporting problems into ``stats``."""

    def __init__(self, stats: ImportStats, ecosystems: Collection[Ecosystem] = tuple(Ecosystem)) -> None:
        self.stats = stats
        self.ecosystems = frozenset(ecosystems)

    def convert(self, raw: object, where: Location) -> StoredAdvisory | None:
        """The stored form of one record, or ``None`` when it is skipped (counted, and reported when bad)."""
        self.stats.read.events_read += 1
        try:
            return self._convert(raw, where)
        except _Rejected as rejected:
            self.stats.read.skip("invalid_record", rejected.location, rejected.message)
            return None

    def _convert(self, raw: object, where: Location) -> StoredAdvisory | None:
        if not isinstance(raw, Mapping):
            raise _Rejected(f"an OSV record is a mapping, not {type(raw).__name__}", where)
        where = _where(raw, None, where)
        ident, modified = raw.get("id"), raw.get("modified")
        if not isinstance(ident, str) or not ident.strip():
            raise _Rejected("missing or empty 'id'", where)
        if not isinstance(modified, str) or parse_timestamp(modified) is None:
            raise _Rejected(f"{ident}: missing or invalid 'modified' timestamp {modified!r}", where)
        if raw.get("withdrawn"):
            self.stats.ignored["withdrawn"] += 1
            return None
        affected_list = raw.get("affected") or []
        if not isinstance(affected_list, list):
            raise _Rejected(f"{ident}: 'affected' must be a list", _where(raw, "affected", where))
        aliases = _strings(raw.get("aliases"), f"{ident}: 'aliases'", _where(raw, "aliases", where))
        related = _strings(raw.get("related"), f"{ident}: 'related'", _where(raw, "related", where))
        published = raw.get("published")
        rating = self._rating(ident, raw, where) or UNKNOWN
        wanted = [(entry, ecosystem) for entry in affected_list if (ecosystem := self._ecosystem(ident, entry, where))]
        affected = [
            kept
            for entry, ecosystem in wanted
            if (kept := self._affected(ident, ecosystem, entry, _where(entry, None, where))) is not None
        ]
        if not affected:
            self._nothing_to_match(ident, bool(affected_list), bool(wanted), where)
            return None
        self.stats.imported.update({entry["ecosystem"] for entry in affected})
        return {
            "id": ident,
            "aliases": aliases,
            "related": related,
            "modified": modified,
            "published": published if isinstance(published, str) else None,
            "summary": summarize(raw.get("summary"), raw.get("details")),
            "severity": stored_rating(rating),
            "affected": affected,
        }

    def _nothing_to_match(self, ident: str, any_entry: bool, any_wanted: bool, where: Location) -> None:
        if not any_entry:
            self.stats.read.skip("unmatchable", where, f"{ident}: no affected package")
        elif not any_wanted:
            self.stats.ignored["other_ecosystem_record"] += 1
        else:
            self.stats.read.skip(
                "unmatchable", where, f"{ident}: no affected package with a usable range or version list"
            )

    def _ecosystem(self, ident: str, entry: object, where: Location) -> Ecosystem | None:
        """The entry's ecosystem when jackwatch imports it; ``None`` (counted, or reported when missing) else."""
        package = entry.get("package") if isinstance(entry, Mapping) else None
        name = package.get("ecosystem") if isinstance(package, Mapping) else None
        if not isinstance(name, str):
            message = f"{ident}: affected entry without package.ecosystem"
            self.stats.read.skip("invalid_affected", _where(entry, "package", where), message, records=0)
            return None
        ecosystem = next((known for known in self.ecosystems if known.value == name), None)
        if ecosystem is None:
            self.stats.ignored["other_ecosystem"] += 1
        return ecosystem

    def _affected(self, ident: str, ecosystem: Ecosystem, entry: Any, where: Location) -> StoredAffected | None:
        package = entry["package"]
        name = package.get("name")
        if not isinstance(name, str) or not name.strip():
            message = f"{ident}: affected package without a name"
            self.stats.read.skip("invalid_affected", _where(entry, "package", where), message, records=0)
            return None
        raw_ranges = entry.get("ranges") or []
        raw_versions = entry.get("versions") or []
        if not isinstance(raw_ranges, list) or not isinstance(raw_versions, list):
            message = f"{ident}: 'ranges' and 'versions' of {name} must be lists"
            self.stats.read.skip("invalid_affected", where, message, records=0)
            return None
        ranges = [r for r in (self._range(ident, ecosystem, item, where) for item in raw_ranges) if r is not None]
        versions = [version for version in raw_versions if isinstance(version, str)]
        if len(versions) != len(raw_versions):
            message = f"{ident}: {len(raw_versions) - len(versions)} version(s) of {name} are not strings"
            self.stats.read.skip("invalid_version", _where(entry, "versions", where), message, records=0)
        if not ranges and not versions:
            return None
        kept: StoredAffected = {
            "ecosystem": ecosystem.value,
            "name": normalize_name(ecosystem, name.strip()),
            "ranges": ranges,
            "versions": versions,
        }
        rating = self._rating(ident, entry, where, entry.get("ecosystem_specific"))
        if rating is not None:
            kept["severity"] = stored_rating(rating)
        return kept

    def _range(self, ident: str, ecosystem: Ecosystem, item: object, where: Location) -> StoredRange | None:
        where = _where(item, None, where)
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind == "GIT":
            self.stats.ignored["git_range"] += 1
            return None
        try:
            if kind not in RANGE_TYPES:
                raise ValueError(f"unknown range type {kind!r}")
            events = _events(item)
            Timeline.compile([(k, v) for k, v in events], range_scheme(ecosystem, str(kind)).parse)
        except (ValueError, TypeError) as error:
            self.stats.read.skip("invalid_range", where, f"{ident}: range skipped: {error}", records=0)
            return None
        return {"type": str(kind), "events": events}

    def _rating(self, ident: str, holder: Any, where: Location, *extra: object) -> Rating | None:
        """The rating ``holder`` (a record or an affected entry) gives itself, or ``None`` when it gives none."""
        severity = holder.get("severity") or []
        at = _where(holder, "severity", where)
        if not isinstance(severity, list):
            self.stats.read.skip("invalid_severity", at, f"{ident}: 'severity' must be a list", records=0)
            severity = []
        scored: dict[str, Rating] = {}
        for item in severity:
            kind, score = (item.get("type"), item.get("score")) if isinstance(item, Mapping) else (None, None)
            if kind not in CVSS_TYPES or kind in scored:
                continue
            try:
                if not isinstance(score, str):
                    raise ValueError(f"{kind} score is not a string")
                scored[kind] = score_vector(kind, score)
            except ValueError as error:
                self.stats.read.skip("invalid_severity", at, f"{ident}: {error}", records=0)
        for kind in CVSS_TYPES:
            if kind in scored:
                return scored[kind]
        for block in (holder.get("database_specific"), *extra):
            rating = database_rating(block.get("severity")) if isinstance(block, Mapping) else None
            if rating is not None:
                return rating
        return None


def _events(item: Any) -> list[list[str]]:
    """The ``[kind, version]`` events of a range; raises :class:`ValueError` when they break the schema."""
    events = item.get("events")
    if not isinstance(events, list) or not events:
        raise ValueError("'events' must be a non-empty list")
    out: list[list[str]] = []
    for event in events:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise ValueError(f"an event has exactly one of {', '.join(EVENT_KINDS)}: {event!r}")
        [(kind, version)] = event.items()
        if kind not in EVENT_KINDS or not isinstance(version, str):
            raise ValueError(f"bad event {kind}: {version!r}")
        out.append([kind, version])
    if not any(kind == INTRODUCED for kind, _ in out):
        raise ValueError("no 'introduced' event")
    return out
