"""Read OSV exports: record files (JSON or YAML), directories of them, and zip archives such as osv.dev's
per-ecosystem ``all.zip``, read in place without extracting.

Limits (:class:`ImportLimits`) guard against absurd inputs: a record file larger than ``record_bytes`` is
skipped; an archive with more than ``archive_members`` members, or whose members inflate to more than
``archive_bytes`` in total, is abandoned at that point (the records read before it are kept, the archive is
counted as failed). Symbolic links in a directory are not followed. Every skipped item is counted and reported
with its location (``file``, ``file:line`` for YAML and JSON syntax errors, ``archive.zip!member``).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from jackwatch.errors import Location, SourceError, YamlError
from jackwatch.model.inventory import Ecosystem
from jackwatch.vulns.records import ImportStats, OsvConverter, StoredAdvisory, parse_timestamp
from jackwatch.yamlsource import read_yaml

RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Size limits of an import (see the module documentation)."""

    record_bytes: int = 16 * 1024 * 1024
    archive_members: int = 2_000_000
    archive_bytes: int = 8 * 1024 * 1024 * 1024


DEFAULT_LIMITS = ImportLimits()

FILE_FAILURES = frozenset({"unreadable_archive", "archive_too_large"})
"""The reasons an archive is counted as failed (``files_failed``); a record file that cannot be read is counted
as a skipped record instead."""


@dataclass(slots=True)
class ImportResult:
    """The advisories read (one per id, sorted by id) and the statistics of the import."""

    advisories: list[StoredAdvisory] = field(default_factory=list)
    stats: ImportStats = field(default_factory=ImportStats)


class _ArchiveTooLarge(Exception):
    """An archive went past one of the limits."""


def import_osv(
    paths: Iterable[Path], ecosystems: Collection[Ecosystem] = tuple(Ecosystem), limits: ImportLimits = DEFAULT_LIMITS
) -> ImportResult:
    """Read every OSV record under ``paths`` (files, directories, zip archives) for ``ecosystems``.

    A missing path raises :class:`~jackwatch.errors.SourceError`; bad records and unreadable files are counted
    and reported in the result's statistics, the rest is imported. When several records share an id, the one
    modified last is kept (the others are counted as ``superseded``).
    """
    result = ImportResult()
    converter = OsvConverter(result.stats, ecosystems)
    reader = _Reader(result.stats, limits)
    kept: dict[str, StoredAdvisory] = {}
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or directory")
        for raw, where in reader.records(path):
            advisory = converter.convert(raw, where)
            if advisory is not None:
                _keep_latest(kept, advisory, result.stats)
    result.advisories = [kept[ident] for ident in sorted(kept)]
    return result


def _keep_latest(kept: dict[str, StoredAdvisory], advisory: StoredAdvisory, stats: ImportStats) -> None:
    previous = kept.get(advisory["id"])
    if previous is not None:
        stats.ignored["superseded"] += 1
        newer, older = (previous, advisory) if _modified(previous) >= _modified(advisory) else (advisory, previous)
        stats.imported.subtract({entry["ecosystem"] for entry in older["affected"]})
        advisory = newer
    kept[advisory["id"]] = advisory


def _modified(advisory: StoredAdvisory) -> datetime:
    """When the advisory was last modified (validated on import)."""
    return parse_timestamp(advisory["modified"]) or datetime.min.replace(tzinfo=UTC)


class _Reader:
    """Finds the records of files, directories and archives, counting what it cannot read."""

    def __init__(self, stats: ImportStats, limits: ImportLimits) -> None:
        self.stats = stats.read
        self.limits = limits

    def records(self, path: Path) -> Iterator[tuple[object, Location]]:
        if path.is_dir():
            yield from self._directory(path)
        elif path.suffix.lower() in RECORD_SUFFIXES:
            yield from self._file(path)
        else:
            yield from self._archive(path)

    def _directory(self, root: Path) -> Iterator[tuple[object, Location]]:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = Path(folder, name)
                if path.suffix.lower() not in RECORD_SUFFIXES:
                    continue
                if path.is_symlink():
                    self.stats.skip("symlink", Location(str(path)), "symbolic link not followed")
                    continue
                yield from self._file(path)
            for name in dirs:
                if Path(folder, name).is_symlink():
                    self.stats.skip("symlink", Location(str(Path(folder, name))), "symbolic link not followed")

    def _file(self, path: Path) -> Iterator[tuple[object, Location]]:
        try:
            size = path.stat().st_size
            if size > self.limits.record_bytes:
                self.stats.skip("too_large", Location(str(path)), f"{size} bytes, more than {self.limits.record_bytes}")
                return
            data = path.read_bytes()
        except OSError as error:
            self.stats.skip("unreadable", Location(str(path)), error.strerror or str(error))
            return
        self.stats.files_read += 1
        yield from self._decode(data, path.name, str(path))

    def _archive(self, path: Path) -> Iterator[tuple[object, Location]]:
        try:
            with zipfile.ZipFile(path) as archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                if len(members) > self.limits.archive_members:
                    raise _ArchiveTooLarge(f"{len(members)} members, more than {self.limits.archive_members}")
                self.stats.files_read += 1
                yield from self._members(archive, members, str(path))
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            self._failed(path, "unreadable_archive", f"not a readable zip archive: {error}")
        except _ArchiveTooLarge as error:
            self._failed(path, "archive_too_large", f"{error}: the rest of the archive is skipped")

    def _members(
        self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], origin: str
    ) -> Iterator[tuple[object, Location]]:
        inflated = 0
        for info in members:
            where = Location(f"{origin}!{info.filename}")
            if not info.filename.lower().endswith(RECORD_SUFFIXES):
                continue
            if info.file_size > self.limits.record_bytes:
                message = f"{info.file_size} bytes, more than {self.limits.record_bytes}"
                self.stats.skip("too_large", where, message)
                continue
            try:
                with archive.open(info) as stream:
                    data = stream.read(self.limits.record_bytes + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
                self.stats.skip("unreadable", where, f"cannot inflate: {error}")
                continue
            inflated += len(data)
            if inflated > self.limits.archive_bytes:
                raise _ArchiveTooLarge(f"members inflate to more than {self.limits.archive_bytes} bytes")
            if len(data) > self.limits.record_bytes:
                self.stats.skip("too_large", where, f"more than {self.limits.record_bytes} bytes once inflated")
                continue
            yield from self._decode(data, info.filename, where.path)

    def _decode(self, data: bytes, name: str, origin: str) -> Iterator[tuple[object, Location]]:
        """The records of one file: a JSON record or list of records, or YAML documents."""
        if name.lower().endswith(".json"):
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as error:
                self.stats.skip("invalid_json", Location(origin, error.lineno, error.colno), error.msg)
                return
            for item in value if isinstance(value, list) else [value]:
                yield item, Location(origin)
            return
        try:
            documents = read_yaml(data.decode("utf-8"), origin).values
        except UnicodeDecodeError as error:
            self.stats.skip("invalid_yaml", Location(origin), f"not UTF-8: {error.reason}")
            return
        except YamlError as error:
            self.stats.skip("invalid_yaml", error.location or Location(origin), error.message)
            return
        for document in documents:
            yield document, Location(origin)

    def _failed(self, path: Path, reason: str, message: str) -> None:
        self.stats.files_failed += 1
        self.stats.skip(reason, Location(str(path)), message, records=0)
