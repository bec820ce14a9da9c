"""The history writer on SQLite and PostgreSQL: processes and events from realistic records, whatever their
order and number of copies; pid reuse, exits without exec, missing parents and start times, bad records,
retention."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from tests.unit.runtime.kit import CONTAINER_ID, SECOND, T0, T0_NS, Proc, Trace, intrusion

from jackwatch.model.runtime import RuntimeRecord, event_id
from jackwatch.runtime import HistoryWriter
from jackwatch.store import Store, open_store
from jackwatch.store.history import ProcessRow, process_id


def records(trace: Trace) -> list[RuntimeRecord]:
    return cast(list[RuntimeRecord], trace.records)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url, clock=lambda: T0 + timedelta(hours=1)) as opened:
        yield opened


def write(store: Store, items: list[Any], **options: Any) -> HistoryWriter:
    with HistoryWriter(store, **options) as writer:
        writer.add(items)
    return writer


def by_pid(store: Store) -> dict[int, ProcessRow]:
    rows = store.processes()
    assert len({row.pid for row in rows}) == len(rows), rows
    return {row.pid: row for row in rows}


def test_the_intrusion_is_kept_as_processes_and_events(store: Store) -> None:
    trace, _ = intrusion()
    writer = write(store, records(trace))
    assert writer.written == len(trace.records) and writer.stats.events_skipped == 0
    rows = by_pid(store)
    assert sorted(rows) == [900, 1000, 1100, 1101, 1102]
    app, shell, useradd, curl = rows[1000], rows[1100], rows[1101], rows[1102]
    assert (useradd.exe, useradd.args, useradd.user_name, useradd.exit_code) == (
        "/usr/sbin/useradd",
        ("-d", "/dev/shm/zeus", "nairobi"),
        "root",
        0,
    )
    assert useradd.parent_id == shell.id and shell.parent_id == app.id and app.parent_id == rows[900].id
    assert (app.vpid, app.container_id, app.pod, app.namespace) == (1, CONTAINER_ID, "openai-app-7d9f8c-x2x7q", "prod")
    assert app.exited_at is None and shell.exited_at == T0 + timedelta(seconds=22)
    assert [item.exe for item in useradd.execs] == ["/usr/sbin/useradd"]
    shim = rows[900]
    assert shim.attrs_ns is None and shim.name == "containerd-shim" and shim.container_id is None
    assert curl.args is not None and "abcdefghijklmnopqrstuvwxyz0123" not in " ".join(curl.args)
    events = store.runtime_events()
    assert [event.id for event in events] == [event_id(record) for record in records(trace)]
    assert "abcdefghijklmnopqrstuvwxyz0123" not in str([event.record for event in events])
    opened = [event.summary for event in events if event.type == "openat"]
    assert opened == [
        "open /app/app.py (read)",
        "open /etc/passwd (read-write, append)",
        "open /etc/shadow (read-write)",
    ]
    assert {event.process_id for event in events if event.pid == 1101} == {useradd.id}
    assert all(event.container_id == CONTAINER_ID for event in events)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_records_in_any_order_and_repeated_give_the_same_history(db_url: str, seed: int) -> None:
    trace, _ = intrusion()
    in_order = open_store(db_url, clock=lambda: T0)
    with in_order:
        write(in_order, records(trace))
        expected = (in_order.processes(), in_order.runtime_events())
        shuffled = records(trace) * 2
        random.Random(seed).shuffle(shuffled)
        write(in_order, shuffled, batch_size=3)
        assert (in_order.processes(), in_order.runtime_events()) == expected


def test_shuffled_records_build_the_rows_in_order_records_build(store: Store) -> None:
    trace, _ = intrusion()
    shuffled = list(reversed(records(trace)))
    write(store, shuffled, batch_size=2)
    rows = by_pid(store)
    assert rows[1101].exit_code == 0 and rows[1101].exe == "/usr/sbin/useradd"
    assert rows[1100].exe == "/bin/sh" and rows[1100].first_seen == T0 + timedelta(seconds=10, microseconds=1)


def test_a_reused_pid_makes_two_processes_each_with_its_events(store: Store) -> None:
    trace = Trace()
    init = trace.add(Proc(1, 0, T0_NS - 10**12, "/sbin/init", [], "init"))
    first = trace.spawn(init, 4242, T0_NS, "/usr/bin/curl", ["https://example.org"])
    trace.exit(first, T0_NS + SECOND)
    second = trace.spawn(init, 4242, T0_NS + 5 * SECOND, "/usr/bin/wget", ["https://example.com"])
    trace.open(second, T0_NS + 6 * SECOND, "/etc/hosts")
    write(store, records(trace))
    rows = store.processes(pid=4242)
    assert [(row.exe, row.exited_at is not None) for row in rows] == [("/usr/bin/curl", True), ("/usr/bin/wget", False)]
    opens = store.runtime_events(process_ids=[rows[1].id])
    assert [event.summary for event in opens if event.type == "openat"] == ["open /etc/hosts (read)"]


def test_an_exit_seen_without_its_exec_is_a_process_with_its_exit(store: Store) -> None:
    trace = Trace()
    old = trace.add(Proc(77, 1, T0_NS - 3600 * SECOND, "/usr/bin/sleep", ["3600"], "sleep"))
    trace.exit(old, T0_NS, 0)
    write(store, records(trace))
    [row] = store.processes(pid=77)
    assert (row.exe, row.args, row.exit_code, row.exited_at, row.execs) == ("/usr/bin/sleep", ("3600",), 0, T0, ())
    assert row.start_ns == T0_NS - 3600 * SECOND and row.parent_pid == 1 and row.parent_start_ns is None


def test_a_record_without_start_time_joins_the_latest_process_of_its_pid(store: Store) -> None:
    trace = Trace()
    proc = trace.add(Proc(50, 1, T0_NS, "/usr/bin/python3", ["job.py"], "python3"))
    trace.open(proc, T0_NS + SECOND, "/data/a")
    bare = trace.open(proc, T0_NS + 2 * SECOND, "/data/b")
    del bare["proc"]["start"]
    write(store, records(trace))
    [row] = store.processes(pid=50)
    assert row.start_ns == T0_NS and row.start_known
    assert {event.process_start_ns for event in store.runtime_events()} == {T0_NS}


def test_a_process_never_given_a_start_time_starts_at_its_first_record(store: Store) -> None:
    trace = Trace()
    proc = trace.add(Proc(51, 1, T0_NS, "/usr/bin/python3", [], "python3"))
    record = trace.open(proc, T0_NS + SECOND, "/data/a")
    del record["proc"]["start"]
    write(store, records(trace))
    [row] = store.processes(pid=51)
    assert (row.start_ns, row.start_known) == (T0_NS + SECOND, False)


def test_bad_records_are_reported_and_the_rest_is_written(store: Store) -> None:
    trace, _ = intrusion()
    good = records(trace)[:3]
    bad: list[Any] = [
        "not an object",
        {"type": "ptrace", "time": T0_NS, "proc": {"pid": 1}},
        {"type": "openat", "time": "yesterday", "proc": {"pid": 1}},
        {"type": "openat", "time": T0_NS, "proc": {"pid": True}},
        {"type": "openat", "time": T0_NS, "proc": {"pid": 5}, "lineage": "none"},
        {"type": "openat", "time": T0_NS},
    ]
    writer = write(store, [good[0], *bad, *good[1:]], origin="trace.jsonl")
    assert writer.stats.skipped == {"invalid_record": 6}
    assert [str(problem.location) for problem in writer.stats.problems] == [f"trace.jsonl:{n}" for n in range(2, 8)]
    assert "ptrace" in writer.stats.problems[1].message
    assert len(store.runtime_events()) == 3


def test_odd_values_are_stored_safely(store: Store) -> None:
    trace = Trace()
    proc = trace.add(Proc(60, 1, T0_NS, "/bin/touch", ["line\none", "bad\udcff", "nul\x00"], "touch"))
    trace.record("execve", proc, T0_NS, res=0)
    record = trace.open(proc, T0_NS + 1, "/tmp/x\ny")
    record["proc"]["uid"] = "root"
    record["fd"]["flags"] = "rw"
    write(store, records(trace))
    [row] = store.processes(pid=60)
    assert row.args == ("line\none", "bad\ufffd", "nul\ufffd")
    assert row.uid == 0  # the first record's; the second's is not a number
    summaries = [event.summary for event in store.runtime_events()]
    assert summaries == ["exec /bin/touch 'line\\none' bad\ufffd nul\ufffd", "open /tmp/x\\ny (open)"]


def test_records_without_host_are_given_the_writers(store: Store) -> None:
    trace = Trace(host=None)
    proc = trace.add(Proc(70, 1, T0_NS, "/bin/true", [], "true"))
    trace.exit(proc, T0_NS)
    write(store, records(trace), host="replay-host")
    assert [row.host for row in store.processes()] == ["replay-host"]
    assert store.runtime_events()[0].process_id == process_id("replay-host", 70, T0_NS)


def test_history_older_than_the_retention_is_pruned_as_records_arrive(store: Store) -> None:
    trace = Trace()
    init = trace.add(Proc(1, 0, T0_NS - 10 * 86400 * SECOND, "/sbin/init", [], "init"))
    old = trace.spawn(init, 300, T0_NS - 9 * 86400 * SECOND, "/bin/old", [])
    trace.exit(old, T0_NS - 9 * 86400 * SECOND + SECOND)
    recent = trace.spawn(init, 301, T0_NS, "/bin/recent", [])
    writer = write(store, records(trace), retention=timedelta(days=7))
    assert writer.pruned == {"events": 3, "processes": 1}
    assert sorted(row.pid for row in store.processes()) == [1, 301]
    assert {event.pid for event in store.runtime_events()} == {1, recent.pid}
    assert writer.summary()["retention_days"] == 7


def test_the_writer_refuses_senseless_settings(store: Store) -> None:
    with pytest.raises(ValueError, match="retention"):
        HistoryWriter(store, timedelta(0))
    with pytest.raises(ValueError, match="batch_size"):
        HistoryWriter(store, batch_size=0)
