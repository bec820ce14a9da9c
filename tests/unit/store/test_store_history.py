"""The runtime tables in the store, on SQLite and PostgreSQL: the 0004 migration over a store of revision 0003,
processes merged by identity, events stored once, pruning by retention, containers, finding links, package use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from jackwatch.model import Asset, Finding, FindingKind, Severity, finding_id
from jackwatch.store import Store, open_store
from jackwatch.store.engine import create_store_engine
from jackwatch.store.history import Exec, ProcessRow, RuntimeEventRow, process_id
from jackwatch.store.migrate import alembic_config
from jackwatch.store.usage import PackageUse, UsageRoot

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
NS = int(T0.timestamp()) * 1_000_000_000
CONTAINER = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
RUNTIME_TABLES = {"processes", "runtime_events", "package_usage", "usage_roots"}


def process(pid: int, start: int, seen: datetime = T0, **values: object) -> ProcessRow:
    return ProcessRow(host="node-1", pid=pid, start_ns=start, first_seen=seen, last_seen=seen, **values)  # type: ignore[arg-type]


def event(pid: int, start: int, offset_s: float, kind: str = "openat", **record: object) -> RuntimeEventRow:
    moment = T0 + timedelta(seconds=offset_s)
    time_ns = NS + int(offset_s * 1_000_000_000)
    return RuntimeEventRow(
        id=f"ev-{pid}-{time_ns}-{kind}",
        time=moment,
        time_ns=time_ns,
        type=kind,
        host="node-1",
        pid=pid,
        process_start_ns=start,
        container_id=CONTAINER,
        summary=f"{kind} by {pid}",
        record={"type": kind, "time": time_ns, "proc": {"pid": pid}, **record},
    )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url, clock=lambda: T0 + timedelta(days=1)) as opened:
        yield opened


def test_revision_0004_adds_the_runtime_tables_to_a_store_of_revision_0003(db_url: str) -> None:
    image = Asset(ref="image://sha256:" + "a" * 64, kind="image", name="app:1")
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0003")
            assert RUNTIME_TABLES.isdisjoint(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    with open_store(db_url) as opened:
        opened.upsert_assets([image], target="app.tar", seen=T0)
        opened.record_history([process(10, NS)], [event(10, NS, 1)])
        assert [row.pid for row in opened.processes()] == [10]
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0003")
            assert RUNTIME_TABLES.isdisjoint(inspect(connection).get_table_names())
            assert connection.execute(text("SELECT count(*) FROM assets")).scalar_one() == 1
    finally:
        engine.dispose()


def test_recording_the_same_history_twice_changes_nothing(store: Store) -> None:
    rows = [
        process(
            10, NS, name="python3", exe="/usr/bin/python3", args=("app.py",), attrs_ns=NS + 5, container_id=CONTAINER
        ),
        process(11, NS + 100, parent_pid=10, parent_start_ns=NS, name="sh", attrs_ns=NS + 200),
    ]
    events = [event(10, NS, 1), event(11, NS + 100, 2, "execve")]
    store.record_history(rows, events)
    first = (store.processes(), store.runtime_events())
    store.record_history(rows, events)
    assert (store.processes(), store.runtime_events()) == first
    assert [row.id for row in first[0]] == [process_id("node-1", 10, NS), process_id("node-1", 11, NS + 100)]
    assert first[1][0].record == {"type": "openat", "time": NS + 1_000_000_000, "proc": {"pid": 10}}


def test_a_process_recorded_in_pieces_is_merged_with_the_stored_row(store: Store) -> None:
    later = T0 + timedelta(seconds=30)
    store.record_history([process(10, NS, name="sh", exe="/bin/sh", attrs_ns=NS, execs=(Exec(NS, "/bin/sh", ()),))], [])
    store.record_history(
        [
            process(
                10,
                NS,
                later,
                name="python3",
                exe="/usr/bin/python3",
                cwd="/app",
                attrs_ns=NS + 30,
                execs=(Exec(NS + 30, "/usr/bin/python3", ("-m", "http.server")),),
                exited_at=later,
                exit_code=0,
            )
        ],
        [],
    )
    [row] = store.processes(pid=10)
    assert (row.name, row.exe, row.cwd, row.exit_code) == ("python3", "/usr/bin/python3", "/app", 0)
    assert [item.exe for item in row.execs] == ["/bin/sh", "/usr/bin/python3"]
    assert (row.first_seen, row.last_seen, row.exited_at) == (T0, later, later)


def test_a_reused_pid_is_another_process(store: Store) -> None:
    store.record_history([process(10, NS, name="first"), process(10, NS + 999, name="second")], [])
    assert [(row.pid, row.name) for row in store.processes(pid=10)] == [(10, "first"), (10, "second")]
    assert len({row.id for row in store.processes(pid=10)}) == 2


def test_events_are_queried_by_container_process_and_window(store: Store) -> None:
    events = [event(10, NS, offset) for offset in (1, 2, 3)] + [replace(event(11, NS, 4), container_id=None)]
    store.record_history([process(10, NS), process(11, NS)], events)
    assert [e.time_ns for e in store.runtime_events(container_ids=[CONTAINER])] == [e.time_ns for e in events[:3]]
    window = store.runtime_events(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=3))
    assert [e.id for e in window] == [events[1].id, events[2].id]
    assert [e.id for e in store.runtime_events(process_ids=[process_id("node-1", 11, NS)])] == [events[3].id]
    assert [e.id for e in store.runtime_events(limit=2)] == [events[0].id, events[1].id]


def test_pruning_counts_back_from_the_newest_event(store: Store) -> None:
    old, recent = T0 - timedelta(days=8), T0 - timedelta(days=1)
    store.record_history(
        [process(10, NS - 10**15, old), process(11, NS, recent)],
        [event(10, NS, -8 * 86400), event(11, NS, -86400), event(11, NS, 0)],
    )
    pruned = store.prune_history(timedelta(days=7))
    assert pruned.cutoff == T0 - timedelta(days=7)
    assert (pruned.events, pruned.processes) == (1, 1)
    assert [row.pid for row in store.processes()] == [11]
    assert len(store.runtime_events()) == 2
    assert store.prune_history(timedelta(days=7)) == replace(pruned, events=0, processes=0)


def test_pruning_never_counts_from_an_event_in_the_future(db_url: str) -> None:
    now = T0
    with open_store(db_url, clock=lambda: now) as store:
        store.record_history([process(10, NS)], [event(10, NS, 0), event(10, NS, 30 * 86400)])
        pruned = store.prune_history(timedelta(days=7))
        assert pruned.cutoff == now - timedelta(days=7)
        assert pruned.events == 0
        with pytest.raises(ValueError, match="positive"):
            store.prune_history(timedelta(0))


def test_pruning_an_empty_history_deletes_nothing(store: Store) -> None:
    assert store.prune_history(timedelta(days=7)).cutoff is None


def test_containers_gather_what_their_processes_said(store: Store) -> None:
    store.record_history(
        [
            process(10, NS, container_id=CONTAINER, container_name="openai-app"),
            process(11, NS, container_id=CONTAINER, image="app:1.4", pod="app-1", namespace="prod"),
            process(12, NS),
        ],
        [],
    )
    [container] = store.containers()
    assert (container.id, container.name, container.image, container.workload) == (
        CONTAINER,
        "openai-app",
        "app:1.4",
        "prod/app-1",
    )


def test_finding_links_name_the_findings_of_each_event(store: Store) -> None:
    finding = Finding(
        id=finding_id(FindingKind.DETECTION, "runtime.user_home_in_tmpfs", CONTAINER),
        kind=FindingKind.DETECTION,
        rule_id="runtime.user_home_in_tmpfs",
        title="user with home in tmpfs",
        subject=CONTAINER,
        severity=Severity.HIGH,
        first_seen=T0,
        last_seen=T0,
        count=1,
    )
    linked = event(10, NS, 1, "execve")
    store.record_history([process(10, NS)], [linked, event(10, NS, 2)])
    store.record(finding, [linked.id])
    assert store.finding_links([linked.id, event(10, NS, 2).id, "unknown"]) == {linked.id: [finding.id]}


def test_package_use_is_merged_whatever_the_order(store: Store) -> None:
    root = UsageRoot("r1", "image", "image://sha256:" + "b" * 64, "app:1", T0, T0)
    unused = PackageUse("p1", "r1", "openai", "1.30.1", "pkg:pypi/openai@1.30.1", T0, "site/openai-1.30.1.dist-info")
    first = replace(unused, first_used=T0 + timedelta(hours=1), last_used=T0 + timedelta(hours=1), example_path="/a.py")
    second = replace(
        unused, first_used=T0 + timedelta(hours=2), last_used=T0 + timedelta(hours=3), example_path="/b.py"
    )
    store.record_usage([replace(root, observed_until=T0 + timedelta(hours=3))], [second])
    store.record_usage([root, replace(root, observed_since=T0 - timedelta(hours=1))], [first, unused])
    [stored_root] = store.usage_roots()
    assert (stored_root.observed_since, stored_root.observed_until) == (
        T0 - timedelta(hours=1),
        T0 + timedelta(hours=3),
    )
    [use] = store.package_usage(root_ids=["r1"])
    assert (use.first_used, use.last_used, use.example_path) == (
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=3),
        "/a.py",
    )
    assert store.package_usage(root_ids=["other"]) == []
