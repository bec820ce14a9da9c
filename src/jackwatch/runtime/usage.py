"""The package use recorder: runtime records in, per watched root the installed packages and which were used.

    recorder = UsageRecorder(store, LiveRoots(stats))
    recorder.add(records)
    recorder.flush()

A file of a distribution was used when a process opened it (``openat``, successfully; the sensor also reports
mapped shared objects as opens) or executed it (``execve``: the program, and the script an interpreter was
started on). Every distribution found while indexing is recorded too, unused until one of its files is, so
that the report knows what was installed and never used. Each root's observed span (its first and last record)
decides its learning period (:mod:`jackwatch.runtime.inuse`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from jackwatch.errors import Location
from jackwatch.inventory.scan import package_asset_id
from jackwatch.model.inventory import Package
from jackwatch.model.runtime import RuntimeRecord, event_time
from jackwatch.runtime.records import integer, record_problem, section, strings, text
from jackwatch.runtime.redaction import storable
from jackwatch.runtime.roots import RootResolver, WatchedRoot
from jackwatch.runtime.rows import record_host
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store
from jackwatch.store.usage import PackageUse, UsageRoot, merge_roots, merge_uses

BATCH_SIZE = 20_000
"""Records taken before what they changed is written."""


class UsageRecorder:
    """Records which installed packages the processes of each watched root use; call :meth:`flush` at the end
    (or use it as a context manager)."""

    def __init__(
        self,
        store: Store,
        roots: RootResolver,
        *,
        host: str | None = None,
        stats: ReadStats | None = None,
        batch_size: int = BATCH_SIZE,
        origin: str = "runtime records",
    ) -> None:
        self._store = store
        self._resolve = roots
        self._host = host if host is not None else socket.gethostname()
        self.stats = stats if stats is not None else ReadStats()
        self._batch_size = batch_size
        self._origin = origin
        self._roots: dict[str, UsageRoot] = {}
        self._uses: dict[str, PackageUse] = {}
        self._taken = 0
        self.unresolved = 0
        """Records whose root could not be read (the process was gone)."""
        self.used = 0
        """Records that used a file of an installed distribution."""

    def __enter__(self) -> UsageRecorder:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.flush()

    def add(self, records: Iterable[RuntimeRecord]) -> None:
        """Take ``records``; write every :data:`BATCH_SIZE` records."""
        for number, record in enumerate(records, start=1):
            problem = record_problem(record)
            if problem is not None:
                self.stats.skip("invalid_record", Location(self._origin, number), problem)
                continue
            self._take(record)
            self._taken += 1
            if self._taken >= self._batch_size:
                self.flush()

    def flush(self) -> None:
        """Write the roots and package uses changed since the last flush."""
        if self._roots or self._uses:
            self._store.record_usage(self._roots.values(), self._uses.values())
        self._roots, self._uses, self._taken = {}, {}, 0

    def _take(self, record: RuntimeRecord) -> None:
        host = record_host(record, self._host)
        watched = self._resolve(record, host)
        if watched is None:
            self.unresolved += 1
            return
        moment = event_time(record)
        asset = watched.asset
        self._merge_root(UsageRoot(asset.id, asset.kind, asset.ref, asset.name, moment, moment))
        if record["type"] == "execve":
            for path in _programs(record):
                watched.index.note_program(path)
        used = False
        for path in used_paths(record):
            package = watched.index.lookup(path)
            if package is not None:
                used = True
                self._merge_use(_use(watched, package, moment, storable(path)))
        self.used += used
        for package in watched.index.drain_new():
            self._merge_use(_use(watched, package, moment, None))

    def _merge_root(self, root: UsageRoot) -> None:
        earlier = self._roots.get(root.id)
        self._roots[root.id] = root if earlier is None else merge_roots(earlier, root)

    def _merge_use(self, use: PackageUse) -> None:
        earlier = self._uses.get(use.id)
        self._uses[use.id] = use if earlier is None else merge_uses(earlier, use)


def used_paths(record: Mapping[str, Any]) -> Iterator[str]:
    """The absolute paths the record used: a file opened successfully, or the programs of an exec."""
    kind = record.get("type")
    if kind == "openat":
        result = integer(record.get("res"))
        path = text(section(record, "fd").get("name"))
        if path is not None and path.startswith("/") and (result is None or result >= 0):
            yield path
    elif kind == "execve":
        yield from _programs(record)


def _programs(record: Mapping[str, Any]) -> Iterator[str]:
    """The program executed (as resolved and as given) and the script an interpreter was started on."""
    proc = section(record, "proc")
    seen = set()
    args = strings(proc.get("args")) or ()
    for path in (text(proc.get("exepath")), text(proc.get("exe")), args[0] if args else None):
        if path is not None and path.startswith("/") and path not in seen:
            seen.add(path)
            yield path


def _use(watched: WatchedRoot, package: Package, moment: datetime, path: str | None) -> PackageUse:
    root_id = watched.asset.id
    return PackageUse(
        id=package_asset_id(root_id, package),
        root_id=root_id,
        name=package.name,
        version=package.version,
        purl=package.purl,
        location=package.locations[0].path if package.locations else None,
        first_seen=moment,
        first_used=moment if path is not None else None,
        last_used=moment if path is not None else None,
        example_path=path,
    )
