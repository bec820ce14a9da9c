"""The store: open it (migrating it to the newest schema), record findings and assets, query them, log runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from alembic.util.exc import CommandError
from sqlalchemy import Engine, case, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from jackwatch.errors import StoreError
from jackwatch.model import Asset, Finding, FindingKind, Severity
from jackwatch.store.acceptances import (
    Acceptance,
    AcceptReason,
    insert_acceptance,
    query_acceptances,
    revoke_acceptances,
)
from jackwatch.store.assets import StoredAsset, asset_from_row, prepare_assets, write_assets
from jackwatch.store.engine import WRITE, create_store_engine
from jackwatch.store.history import (
    ProcessRow,
    RuntimeEventRow,
    SeenContainer,
    event_from_row,
    event_query,
    merge_processes,
    newest_event_time,
    process_from_row,
    process_query,
    prune_history,
    write_history,
)
from jackwatch.store.merge import as_json
from jackwatch.store.migrate import upgrade_to_head
from jackwatch.store.rows import finding_from_row
from jackwatch.store.tables import (
    as_utc,
    assets,
    finding_events,
    findings,
    package_usage,
    processes,
    runs,
    usage_roots,
)
from jackwatch.store.upsert import IN_CHUNK, chunks, prepare, write
from jackwatch.store.url import redact_url
from jackwatch.store.usage import (
    PackageUse,
    UsageRoot,
    merge_roots,
    merge_uses,
    root_from_row,
    use_from_row,
    write_usage,
)

Clock = Callable[[], datetime]
RecordItem = tuple[Finding, Iterable[str]]

BATCH_SIZE = 1_000
"""Findings (or assets) written per transaction by :meth:`Store.record_many` (:meth:`Store.upsert_assets`)."""

HISTORY_BATCH = 5_000
"""Runtime events (with their processes) written per transaction by :meth:`Store.record_history`."""


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Pruned:
    """What :meth:`Store.prune_history` deleted, and everything before which time."""

    cutoff: datetime | None
    events: int
    processes: int


@dataclass(frozen=True, slots=True)
class Run:
    """One command run that wrote to the store, with its inputs and, once finished, its statistics."""

    id: int
    command: str
    inputs: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    stats: Mapping[str, Any] | None


def open_store(url: str, *, clock: Clock = utc_now) -> Store:
    """Open the store at ``url`` (see :func:`~jackwatch.store.url.resolve_db_url`), migrating it to head.

    SQLite files (and their directory) are created as needed and run in WAL mode with a busy timeout.
    Any failure (unreachable server, unwritable path, schema from a newer jackwatch) is a :class:`StoreError`
    whose message never shows the password.
    """
    engine = create_store_engine(url)
    try:
        upgrade_to_head(engine)
    except (SQLAlchemyError, CommandError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store at {redact_url(url)}: {_reason(exc, engine)}") from exc
    return Store(engine, clock=clock)


class Store:
    """Findings upserted by id (distinct events counted once, whatever the number of runs), assets upserted by
    id, and run records.

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._clock = clock

    @property
    def url(self) -> str:
        """The store's URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def record(self, finding: Finding, event_ids: Iterable[str] = ()) -> None:
        """Upsert ``finding`` and link it to ``event_ids`` (and to its own ``event_ids``)."""
        self.record_many([(finding, event_ids)])

    def record_many(self, items: Iterable[RecordItem], *, batch_size: int = BATCH_SIZE) -> None:
        """Upsert each finding with all the event ids behind it, ``batch_size`` findings per transaction.

        A finding already stored is merged (see :func:`~jackwatch.store.merge.merge_findings`); its
        ``count`` becomes the number of distinct events ever linked to it (or the largest count a producer
        gave, if that is more), and ``event_ids`` the first 50 of them, sorted.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, not {batch_size}")
        for batch in chunks(items, batch_size):
            pending = prepare(batch)
            with self._errors("record findings"), self._writer.begin() as connection:
                write(connection, pending, self._clock())

    def get(self, finding_id: str) -> Finding | None:
        """The finding with this id, if the store has it."""
        with self._errors("read a finding"), self._engine.connect() as connection:
            row = connection.execute(select(findings).where(findings.c.id == finding_id)).mappings().first()
        return None if row is None else finding_from_row(row)

    def findings(
        self,
        *,
        rule_id: str | None = None,
        subject: str | None = None,
        min_severity: Severity | None = None,
        kind: FindingKind | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Finding]:
        """Stored findings matching every filter given, most severe first, then most recently seen.

        ``since`` keeps findings last seen at or after it, ``until`` those first seen at or before it:
        together, the findings active during ``[since, until]``.
        """
        _check_limit(limit)
        query = select(findings)
        if rule_id is not None:
            query = query.where(findings.c.rule_id == rule_id)
        if subject is not None:
            query = query.where(findings.c.subject == subject)
        if min_severity is not None:
            levels = [level.value for level in Severity if level.rank >= min_severity.rank]
            query = query.where(findings.c.severity.in_(levels))
        if kind is not None:
            query = query.where(findings.c.kind == kind.value)
        if since is not None:
            query = query.where(findings.c.last_seen >= as_utc(since))
        if until is not None:
            query = query.where(findings.c.first_seen <= as_utc(until))
        rank = case({level.value: level.rank for level in Severity}, value=findings.c.severity, else_=-1)
        query = query.order_by(rank.desc(), findings.c.last_seen.desc(), findings.c.id).limit(limit)
        with self._errors("query findings"), self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [finding_from_row(row) for row in rows]

    def upsert_assets(
        self, items: Iterable[Asset], *, target: str, seen: datetime | None = None, batch_size: int = BATCH_SIZE
    ) -> None:
        """Upsert each asset, seen at ``seen`` (default: now) by a scan of ``target``, ``batch_size`` per transaction.

        An asset already stored is merged (see :func:`~jackwatch.store.assets.merge_assets`): recording the same
        scan twice changes nothing but ``last_seen``.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, not {batch_size}")
        moment = self._clock() if seen is None else seen
        for batch in chunks(items, batch_size):
            pending = prepare_assets(batch, target, moment)
            with self._errors("record assets"), self._writer.begin() as connection:
                write_assets(connection, pending, self._clock())

    def assets(
        self, *, kind: str | None = None, parent: str | None = None, limit: int | None = None
    ) -> list[StoredAsset]:
        """Stored assets of ``kind`` (all kinds by default) and belonging to the asset ``parent`` (when given),
        by kind, name, version and id."""
        _check_limit(limit)
        query = select(assets)
        if kind is not None:
            query = query.where(assets.c.kind == kind)
        if parent is not None:
            query = query.where(assets.c.parent_id == parent)
        query = query.order_by(assets.c.kind, assets.c.name, assets.c.version, assets.c.id).limit(limit)
        with self._errors("query assets"), self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [asset_from_row(row) for row in rows]

    def record_history(
        self,
        rows: Iterable[ProcessRow],
        events: Iterable[RuntimeEventRow],
        *,
        batch_size: int = HISTORY_BATCH,
    ) -> None:
        """Upsert processes (merged with the stored rows, see :func:`~jackwatch.store.history.merge_processes`)
        and insert the events not stored yet: the processes with the first ``batch_size`` events in one transaction,
        the other events ``batch_size`` per transaction. Recording the same rows twice changes nothing."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, not {batch_size}")
        pending: dict[str, ProcessRow] = {}
        for row in rows:
            earlier = pending.get(row.id)
            pending[row.id] = row if earlier is None else merge_processes(earlier, row)
        batches = list(chunks(events, batch_size)) or [[]]
        for index, batch in enumerate(batches):
            with self._errors("record the process history"), self._writer.begin() as connection:
                write_history(connection, pending if index == 0 else {}, batch, self._clock())

    def prune_history(self, retention: timedelta) -> Pruned:
        """Delete runtime events older than ``retention`` and processes not seen within it.

        The retention is counted back from the newest stored event, or from now if that is in the future: a
        recorded trace loaded today keeps its last ``retention`` of activity, a live store its last days.
        """
        if retention <= timedelta(0):
            raise ValueError(f"the retention must be positive, not {retention}")
        with self._errors("prune the process history"), self._writer.begin() as connection:
            newest = newest_event_time(connection)
            if newest is None:
                return Pruned(None, 0, 0)
            cutoff = min(as_utc(newest), self._clock()) - retention
            events, gone = prune_history(connection, cutoff)
        return Pruned(cutoff, events, gone)

    def processes(
        self,
        *,
        host: str | None = None,
        pid: int | None = None,
        ids: Sequence[str] | None = None,
        container_ids: Sequence[str] | None = None,
        parent_pids: Sequence[int] | None = None,
    ) -> list[ProcessRow]:
        """Stored processes matching every filter given, by host, pid and start."""
        found: list[ProcessRow] = []
        id_groups: list[list[str] | None] = [None] if ids is None else list(chunks(ids, IN_CHUNK))
        pid_groups: list[list[int] | None] = [None] if parent_pids is None else list(chunks(parent_pids, IN_CHUNK))
        with self._errors("query processes"), self._engine.connect() as connection:
            for id_group in id_groups:
                for pid_group in pid_groups:
                    query = process_query(
                        host=host, pid=pid, ids=id_group, container_ids=container_ids, parent_pids=pid_group
                    )
                    found.extend(process_from_row(row) for row in connection.execute(query).mappings())
        return sorted(found, key=lambda row: (row.host, row.pid, row.start_ns))

    def runtime_events(
        self,
        *,
        container_ids: Sequence[str] | None = None,
        process_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
        host_processes: bool = False,
        limit: int | None = None,
    ) -> list[RuntimeEventRow]:
        """Stored runtime events matching every filter given, in time order (the first ``limit``);
        ``host_processes`` keeps those of processes outside containers."""
        _check_limit(limit)
        groups: list[list[str] | None] = [None] if process_ids is None else list(chunks(process_ids, IN_CHUNK))
        found: list[RuntimeEventRow] = []
        with self._errors("query runtime events"), self._engine.connect() as connection:
            for group in groups:
                query = event_query(
                    container_ids=container_ids,
                    process_ids=group,
                    since=since,
                    until=until,
                    host=host,
                    host_processes=host_processes,
                )
                found.extend(event_from_row(row) for row in connection.execute(query.limit(limit)).mappings())
        found.sort(key=lambda event: (event.time_ns, event.id))
        return found if limit is None else found[:limit]

    def containers(self) -> list[SeenContainer]:
        """Every container the process history knows, with its name, image and pod, by id."""
        columns = (
            processes.c.container_id,
            processes.c.host,
            processes.c.container_name,
            processes.c.image,
            processes.c.image_id,
            processes.c.pod,
            processes.c.namespace,
        )
        query = select(*columns).distinct().where(processes.c.container_id.is_not(None))
        with self._errors("query containers"), self._engine.connect() as connection:
            rows = connection.execute(query).all()
        merged: dict[str, SeenContainer] = {}
        for row in rows:
            seen = SeenContainer(*row)
            earlier = merged.get(seen.id)
            merged[seen.id] = seen if earlier is None else earlier.completed(seen)
        return [merged[key] for key in sorted(merged)]

    def finding_links(self, event_ids: Sequence[str]) -> dict[str, list[str]]:
        """The ids of the findings each of ``event_ids`` is linked to (events linked to none are left out)."""
        links: dict[str, list[str]] = {}
        with self._errors("query finding links"), self._engine.connect() as connection:
            for chunk in chunks(sorted(set(event_ids)), IN_CHUNK):
                query = select(finding_events.c.event_id, finding_events.c.finding_id).where(
                    finding_events.c.event_id.in_(chunk)
                )
                for event_id, finding_id in connection.execute(query):
                    links.setdefault(event_id, []).append(finding_id)
        return {key: sorted(value) for key, value in links.items()}

    def record_usage(self, roots: Iterable[UsageRoot], uses: Iterable[PackageUse]) -> None:
        """Upsert watched roots and package uses (merged with the stored rows), in one transaction."""
        pending_roots: dict[str, UsageRoot] = {}
        for root in roots:
            earlier = pending_roots.get(root.id)
            pending_roots[root.id] = root if earlier is None else merge_roots(earlier, root)
        pending_uses: dict[str, PackageUse] = {}
        for use in uses:
            previous = pending_uses.get(use.id)
            pending_uses[use.id] = use if previous is None else merge_uses(previous, use)
        with self._errors("record package use"), self._writer.begin() as connection:
            write_usage(connection, pending_roots, pending_uses, self._clock())

    def usage_roots(self) -> list[UsageRoot]:
        """Every watched root, by name and id."""
        query = select(usage_roots).order_by(usage_roots.c.name, usage_roots.c.id)
        with self._errors("query watched roots"), self._engine.connect() as connection:
            return [root_from_row(row) for row in connection.execute(query).mappings()]

    def package_usage(self, *, root_ids: Sequence[str] | None = None) -> list[PackageUse]:
        """The package uses of ``root_ids`` (every root by default), by root, name and version."""
        query = select(package_usage)
        if root_ids is not None:
            query = query.where(package_usage.c.root_id.in_(list(root_ids)))
        query = query.order_by(package_usage.c.root_id, package_usage.c.name, package_usage.c.version)
        with self._errors("query package use"), self._engine.connect() as connection:
            return [use_from_row(row) for row in connection.execute(query).mappings()]

    def findings_with_prefix(self, prefix: str, *, limit: int = 2) -> list[Finding]:
        """The findings whose id starts with ``prefix`` (at most ``limit``: two tell an ambiguous prefix)."""
        _check_limit(limit)
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = select(findings).where(findings.c.id.like(f"{escaped}%", escape="\\")).order_by(findings.c.id)
        with self._errors("look up a finding"), self._engine.connect() as connection:
            rows = connection.execute(query.limit(limit)).mappings().all()
        return [finding_from_row(row) for row in rows]

    def accept(
        self,
        finding_id: str,
        reason: AcceptReason,
        *,
        by: str,
        note: str | None = None,
        expires: datetime | None = None,
    ) -> Acceptance:
        """Accept the risk of ``finding_id`` (now, by ``by``, until ``expires``); a decision already in force for it
        is revoked and replaced."""
        with self._errors("accept a finding"), self._writer.begin() as connection:
            return insert_acceptance(
                connection, finding_id, reason, note=note, by=by, at=self._clock(), expires=expires
            )

    def revoke_acceptance(self, finding_id: str, *, by: str) -> int:
        """Revoke the acceptance in force for ``finding_id``; how many decisions were revoked (0 or 1)."""
        with self._errors("revoke an acceptance"), self._writer.begin() as connection:
            return revoke_acceptances(connection, finding_id, by=by, at=self._clock())

    def acceptances(
        self, *, finding_ids: Sequence[str] | None = None, everything: bool = False, at: datetime | None = None
    ) -> list[Acceptance]:
        """The acceptances in force at ``at`` (default: now), or every decision ever made with ``everything``,
        newest first."""
        moment = self._clock() if at is None else at
        with self._errors("query acceptances"), self._engine.connect() as connection:
            return query_acceptances(connection, at=moment, finding_ids=finding_ids, everything=everything)

    def accepted_finding_ids(self, at: datetime | None = None) -> set[str]:
        """The ids of the findings accepted at ``at`` (default: now)."""
        return {acceptance.finding_id for acceptance in self.acceptances(at=at)}

    def start_run(self, command: str, inputs: Sequence[str]) -> int:
        """Record the start of a run of ``command`` on ``inputs``; returns the run id."""
        values = {"command": command, "inputs": list(inputs), "started_at": self._clock()}
        statement = runs.insert().values(values).returning(runs.c.id)
        with self._errors("record a run"), self._writer.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def finish_run(self, run_id: int, stats: Mapping[str, object]) -> None:
        """Record the end of run ``run_id`` with its statistics (counts of events read, skipped …)."""
        try:
            document = as_json(stats)
        except TypeError as exc:
            raise StoreError(f"run {run_id}: statistics are not JSON data: {exc}") from exc
        statement = update(runs).where(runs.c.id == run_id).values(finished_at=self._clock(), stats=document)
        with self._errors("record a run"), self._writer.begin() as connection:
            updated = connection.execute(statement).rowcount
        if updated == 0:
            raise StoreError(f"no run {run_id} in the store")

    def runs(self, *, limit: int | None = None) -> list[Run]:
        """Recorded runs, newest first."""
        _check_limit(limit)
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        with self._errors("read runs"), self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            Run(
                id=row["id"],
                command=row["command"],
                inputs=tuple(row["inputs"]),
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                stats=row["stats"],
            )
            for row in rows
        ]

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot {action} in {self.url}: {_reason(exc, self._engine)}") from exc


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be ≥ 0, not {limit}")


def _reason(exc: BaseException, engine: Engine) -> str:
    """The first line of the driver's message, without the password should the driver have echoed it."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    reason = lines[0]
    password = engine.url.password
    return reason.replace(str(password), "***") if password else reason
