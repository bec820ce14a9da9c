"""The store: open it (migrating it to the newest schema), record findings and assets, query them, log runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from alembic.util.exc import CommandError
from sqlalchemy import Engine, case, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from jackwatch.errors import StoreError
from jackwatch.model import Asset, Finding, FindingKind, Severity
from jackwatch.store.assets import StoredAsset, asset_from_row, prepare_assets, write_assets
from jackwatch.store.engine import WRITE, create_store_engine
from jackwatch.store.merge import as_json
from jackwatch.store.migrate import upgrade_to_head
from jackwatch.store.rows import finding_from_row
from jackwatch.store.tables import as_utc, assets, findings, runs
from jackwatch.store.upsert import chunks, prepare, write
from jackwatch.store.url import redact_url

Clock = Callable[[], datetime]
RecordItem = tuple[Finding, Iterable[str]]

BATCH_SIZE = 1_000
"""Findings (or assets) written per transaction by :meth:`Store.record_many` (:meth:`Store.upsert_assets`)."""


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


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
