"""CISA's Known Exploited Vulnerabilities catalog: which CVEs are exploited in the wild.

jackwatch ships an extract of the catalog (``content/kev/kev.json``: the catalog's header and, per entry,
``cveID``, ``dateAdded`` and ``knownRansomwareCampaignUse``); the full catalog as CISA publishes it
(``known_exploited_vulnerabilities.json``) can replace it. Entries without a CVE id are skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import orjson

from jackwatch.errors import ContentError, Location
from jackwatch.sources.stats import ReadStats

EXTRACT_FIELDS = ("cveID", "dateAdded", "knownRansomwareCampaignUse")
"""The fields of each entry the bundled extract keeps."""

HEADER_FIELDS = ("title", "catalogVersion", "dateReleased", "count")


@dataclass(frozen=True, slots=True)
class KevEntry:
    """One catalog entry: the CVE, when CISA added it, and whether ransomware campaigns are known to use it."""

    cve: str
    date_added: str
    ransomware: bool


@dataclass(frozen=True, slots=True)
class KevCatalog:
    """The catalog, by CVE id."""

    version: str
    released: str
    origin: str
    entries: dict[str, KevEntry] = field(repr=False)

    @classmethod
    def load(cls, path: Path | None = None, stats: ReadStats | None = None) -> KevCatalog:
        """Read the catalog at ``path`` (CISA's JSON format, full or extract); by default the bundled extract."""
        if path is None:
            ref = resources.files("jackwatch").joinpath("content", "kev", "kev.json")
            return cls.decode(ref.read_bytes(), str(ref), stats)
        try:
            return cls.decode(path.read_bytes(), str(path), stats)
        except OSError as error:
            raise ContentError(f"cannot read the KEV catalog: {error.strerror or error}", Location(str(path))) from None

    @classmethod
    def decode(cls, blob: bytes, origin: str, stats: ReadStats | None = None) -> KevCatalog:
        """Decode a catalog; a document that is not one raises :class:`ContentError`."""
        stats = stats if stats is not None else ReadStats()
        try:
            document = orjson.loads(blob)
        except orjson.JSONDecodeError as error:
            raise ContentError(f"invalid JSON: {error.msg}", Location(origin, error.lineno, error.colno)) from None
        items = document.get("vulnerabilities") if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise ContentError("not a KEV catalog: no 'vulnerabilities' list", Location(origin))
        entries: dict[str, KevEntry] = {}
        for position, item in enumerate(items):
            stats.events_read += 1
            cve = item.get("cveID") if isinstance(item, dict) else None
            if not isinstance(cve, str) or not cve.startswith("CVE-"):
                stats.skip("invalid_kev_entry", Location(origin), f"entry {position}: no CVE id")
                continue
            entries[cve] = KevEntry(
                cve, str(item.get("dateAdded") or ""), item.get("knownRansomwareCampaignUse") == "Known"
            )
        return cls(str(document.get("catalogVersion") or ""), str(document.get("dateReleased") or ""), origin, entries)

    def get(self, cve: str) -> KevEntry | None:
        """The entry of ``cve``, if the catalog lists it."""
        return self.entries.get(cve)

    def __len__(self) -> int:
        return len(self.entries)


def extract(document: dict[str, object]) -> bytes:
    """The bundled extract of a full catalog: its header and the :data:`EXTRACT_FIELDS` of every entry."""
    items = document.get("vulnerabilities")
    if not isinstance(items, list):
        raise ValueError("not a KEV catalog: no 'vulnerabilities' list")
    slim = {key: document[key] for key in HEADER_FIELDS if key in document}
    slim["vulnerabilities"] = [{key: item[key] for key in EXTRACT_FIELDS if key in item} for item in items]
    return orjson.dumps(slim, option=orjson.OPT_INDENT_2) + b"\n"
