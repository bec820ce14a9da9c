"""Everything the runtime keeps of a stream of records, in one object: the process history and package use.

    with RuntimeRecorder(store) as recorder:      # live: containers' files through /proc/<pid>/root
        recorder.add(records)

``retention`` bounds the history (:mod:`jackwatch.runtime.history`); ``roots`` says where the files of the
records' processes are (:mod:`jackwatch.runtime.roots`: :class:`LiveRoots` by default, a :class:`FixedRoot`
for a recorded trace, ``None`` to keep no package use).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

from jackwatch.model.runtime import RuntimeRecord
from jackwatch.runtime.history import DEFAULT_RETENTION, HistoryWriter
from jackwatch.runtime.roots import LiveRoots, RootResolver
from jackwatch.runtime.usage import UsageRecorder
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store
from jackwatch.store.upsert import chunks

LIVE = "live"


class RuntimeRecorder:
    """The history and package use of the records given to :meth:`add`; written by :meth:`flush`."""

    def __init__(
        self,
        store: Store,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        roots: RootResolver | str | None = LIVE,
        host: str | None = None,
        stats: ReadStats | None = None,
        origin: str = "runtime records",
    ) -> None:
        self.stats = stats if stats is not None else ReadStats()
        self.history = HistoryWriter(store, retention, host=host, stats=self.stats, origin=origin)
        resolver = LiveRoots(ReadStats()) if roots == LIVE else roots
        self.usage = (
            None
            if resolver is None or isinstance(resolver, str)
            else UsageRecorder(store, resolver, host=host, stats=ReadStats(), origin=origin)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.flush()

    def add(self, records: Iterable[RuntimeRecord]) -> None:
        """Take ``records`` into the history and the package use."""
        batch = records if isinstance(records, list) else list(records)
        self.history.add(batch)
        if self.usage is not None:
            self.usage.add(batch)

    def add_all(self, records: Iterable[RuntimeRecord], batch: int = 5_000) -> None:
        """Take ``records`` (a whole trace) in batches of ``batch``, then write what is pending."""
        for chunk in chunks(records, batch):
            self.add(chunk)
        self.flush()

    def flush(self) -> None:
        """Write what is pending (and prune the history when due)."""
        self.history.flush()
        if self.usage is not None:
            self.usage.flush()

    def summary(self) -> dict[str, Any]:
        """What was kept (JSON-ready): the history's figures, and the records that used an installed package."""
        summary = self.history.summary()
        if self.usage is not None:
            summary["package_use"] = {
                "records_using_packages": self.usage.used,
                "records_without_root": self.usage.unresolved,
                "index_problems": self.usage.stats.as_dict()["problems"],
            }
        return summary
