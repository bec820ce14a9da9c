"""The compact advisory database file: where it lives, and how it is written and read.

A gzip-compressed JSON Lines file. Line 1 is the header; each further line is one advisory (a
:class:`~jackwatch.vulns.records.StoredAdvisory`), sorted by id::

    {"format": "jackwatch-advisories", "version": 1, "count": <advisories>,
     "updated": "<newest 'modified' of the advisories, RFC 3339>",
     "sources": [{"origin": …, "license": …, "sha256": … or null}],
     "import": {<the import statistics: records read, skipped and ignored counts>},
     "index": {"PyPI": {"<normalised name>": [<advisory positions>]}, "npm": {…}}}
    {"id": "GHSA-…", "aliases": […], "affected": […], …}
    …

Loading gunzips the file and parses the header only: an advisory is parsed when a package it names is first
matched, so start-up does not grow with the size of the database. Writing is deterministic (sorted keys, gzip
without a timestamp): the same advisories give the same bytes. The user's database (``jackwatch db update``)
lives in the user data directory and replaces the bundled one, which stays the fallback.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, TypedDict, cast

import orjson
from platformdirs import user_data_dir

from jackwatch.errors import ContentError, Location
from jackwatch.vulns.records import ImportStats, StoredAdvisory, parse_timestamp

FORMAT = "jackwatch-advisories"
FORMAT_VERSION = 1
FILE_NAME = "advisories.json.gz"


class SourceInfo(TypedDict):
    """Where advisories came from: a URL or path, its license, and the digest of the file read (when one)."""

    origin: str
    license: str
    sha256: str | None


class DbHeader(TypedDict):
    """The first line of the database file."""

    format: str
    version: int
    count: int
    updated: str | None
    sources: list[SourceInfo]
    index: dict[str, dict[str, list[int]]]


@dataclass(frozen=True, slots=True)
class DbFile:
    """A decoded database file: its header, and its advisories still as JSON text (one line each)."""

    origin: str
    header: DbHeader
    lines: list[bytes]

    def advisory(self, position: int) -> StoredAdvisory:
        """The advisory at ``position``; raises :class:`ContentError` (with its line) when it is not JSON."""
        try:
            return cast(StoredAdvisory, orjson.loads(self.lines[position]))
        except orjson.JSONDecodeError as error:
            raise ContentError(f"corrupt advisory: {error.msg}", Location(self.origin, position + 2)) from None


def bundled_path() -> Traversable:
    """The database shipped with jackwatch."""
    return resources.files("jackwatch").joinpath("content", "advisories", FILE_NAME)


def user_path() -> Path:
    """The user's database, written by ``jackwatch db update`` (it may not exist)."""
    return Path(user_data_dir("jackwatch")) / FILE_NAME


def newest_modified(advisories: Sequence[StoredAdvisory]) -> str | None:
    """The newest ``modified`` timestamp of ``advisories`` (UTC, ``Z``), ``None`` when there are none."""
    stamps = [stamp for advisory in advisories if (stamp := parse_timestamp(advisory["modified"]))]
    return max(stamps).isoformat().replace("+00:00", "Z") if stamps else None


def encode(advisories: Sequence[StoredAdvisory], sources: Sequence[SourceInfo], stats: ImportStats) -> bytes:
    """The database file holding ``advisories`` (sorted by id), built from ``sources`` as ``stats`` tell."""
    ordered = sorted(advisories, key=lambda advisory: advisory["id"])
    index: defaultdict[str, defaultdict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position, advisory in enumerate(ordered):
        for key in dict.fromkeys((entry["ecosystem"], entry["name"]) for entry in advisory["affected"]):
            index[key[0]][key[1]].append(position)
    summary = stats.as_dict()
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "count": len(ordered),
        "updated": newest_modified(ordered),
        "sources": list(sources),
        "import": {key: summary[key] for key in ("events_read", "skipped_by_reason", "ignored", "imported")},
        "index": index,
    }
    lines = [orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in (header, *ordered)]
    return gzip.compress(b"\n".join(lines) + b"\n", compresslevel=9, mtime=0)


def decode(blob: bytes, origin: str) -> DbFile:
    """Decode a database file; raises :class:`ContentError` naming ``origin`` when it is not one."""
    try:
        first, *lines = gzip.decompress(blob).split(b"\n")
        header = orjson.loads(first)
    except (OSError, EOFError, zlib.error, orjson.JSONDecodeError) as error:
        raise ContentError(f"not an advisory database: {error}", Location(origin)) from None
    if lines and not lines[-1]:
        lines.pop()
    problem = _shape_problem(header, len(lines))
    if problem:
        raise ContentError(f"not an advisory database: {problem}", Location(origin))
    return DbFile(origin, cast(DbHeader, header), lines)


def _shape_problem(header: Any, count: int) -> str | None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return "unknown format"
    if header.get("version") != FORMAT_VERSION:
        return f"format version {header.get('version')!r}, this jackwatch reads {FORMAT_VERSION}"
    index = header.get("index")
    if not isinstance(index, dict) or not isinstance(header.get("sources"), list):
        return "missing index or sources"
    if header.get("count") != count:
        return f"{count} advisories for a count of {header.get('count')!r} (truncated?)"
    for names in index.values():
        if not isinstance(names, dict):
            return "bad index"
        for positions in names.values():
            if not isinstance(positions, list) or not all(isinstance(at, int) and 0 <= at < count for at in positions):
                return "index points outside the advisories"
    return None


def write_atomic(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` so that readers see the old file or the new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(blob)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class DbInfo:
    """What ``jackwatch db status`` shows about a database file."""

    origin: str
    bundled: bool
    updated: datetime | None
    sources: tuple[SourceInfo, ...]
    counts: dict[str, tuple[int, int]]
    """Per ecosystem: (advisories, packages)."""
    imported: dict[str, Any]


def describe(database: DbFile, bundled: bool) -> DbInfo:
    """The facts about a decoded database."""
    header = database.header
    counts = {
        ecosystem: (len({at for positions in names.values() for at in positions}), len(names))
        for ecosystem, names in sorted(header["index"].items())
    }
    updated = header.get("updated")
    return DbInfo(
        origin=database.origin,
        bundled=bundled,
        updated=parse_timestamp(updated) if isinstance(updated, str) else None,
        sources=tuple(header["sources"]),
        counts=counts,
        imported=dict(cast(dict[str, Any], header).get("import") or {}),
    )
