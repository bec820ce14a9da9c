"""The process tree read back from the history: around a pid (ancestors to the container's init, descendants),
at a time (pid reuse), around a container, with missing parents and events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from tests.unit.runtime.kit import CONTAINER, SECOND, T0, T0_NS, Proc, Trace, intrusion

from jackwatch.model.runtime import RuntimeRecord
from jackwatch.runtime import HistoryWriter, NotInHistory, container_tree, process_tree
from jackwatch.runtime.timeline import match_workload
from jackwatch.runtime.tree import ProcessTree, TreeNode
from jackwatch.store import Store, open_store


def load(store: Store, trace: Trace) -> None:
    with HistoryWriter(store) as writer:
        writer.add(cast(list[RuntimeRecord], trace.records))


def shape(node: TreeNode) -> tuple[int, list[object]]:
    return (node.process.pid, [shape(child) for child in node.children])


def focus_pids(tree: ProcessTree) -> list[int]:
    return [node.process.pid for node in tree.nodes() if node.focus]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url, clock=lambda: T0 + timedelta(hours=1)) as opened:
        load(opened, intrusion()[0])
        yield opened


def test_around_a_process_its_ancestors_stop_at_the_containers_init(store: Store) -> None:
    tree = process_tree(store, 1101)
    assert [shape(root) for root in tree.roots] == [(1000, [(1100, [(1101, [])])])]
    assert focus_pids(tree) == [1101] and tree.focus is not None and tree.focus.pid == 1101
    assert not tree.truncated


def test_around_a_process_all_its_descendants_are_drawn(store: Store) -> None:
    tree = process_tree(store, 1100)
    assert [shape(root) for root in tree.roots] == [(1000, [(1100, [(1101, []), (1102, [])])])]


def test_a_host_process_climbs_to_pid_1(db_url: str) -> None:
    trace = Trace()
    init = trace.add(Proc(1, 0, T0_NS - 10**12, "/sbin/init", [], "systemd"))
    sshd = trace.spawn(init, 500, T0_NS, "/usr/sbin/sshd", ["-D"])
    bash = trace.spawn(sshd, 501, T0_NS + SECOND, "/bin/bash", [])
    trace.spawn(bash, 502, T0_NS + 2 * SECOND, "/usr/bin/id", [])
    with open_store(db_url) as store:
        load(store, trace)
        tree = process_tree(store, 502)
        assert [shape(root) for root in tree.roots] == [(1, [(500, [(501, [(502, [])])])])]


def test_a_parent_the_history_lacks_is_drawn_as_missing(db_url: str) -> None:
    trace = Trace()
    orphan = trace.add(Proc(800, 799, T0_NS, "/usr/bin/python3", ["worker.py"], "python3"))
    trace.open(orphan, T0_NS + SECOND, "/data/input.csv")
    with open_store(db_url) as store:
        load(store, trace)
        tree = process_tree(store, 800, events=True)
        [root] = tree.roots
        assert root.missing and root.process.pid == 799
        assert [child.process.pid for child in root.children] == [800]
        assert [event.summary for event in root.children[0].events] == ["open /data/input.csv (read)"]


def test_the_time_chooses_among_processes_that_reused_a_pid(db_url: str) -> None:
    trace = Trace()
    init = trace.add(Proc(1, 0, T0_NS - 10**12, "/sbin/init", [], "init"))
    first = trace.spawn(init, 4242, T0_NS, "/usr/bin/curl", [])
    trace.exit(first, T0_NS + SECOND)
    trace.spawn(init, 4242, T0_NS + 5 * SECOND, "/usr/bin/wget", [])
    with open_store(db_url) as store:
        load(store, trace)
        assert process_tree(store, 4242).focus.exe == "/usr/bin/wget"  # type: ignore[union-attr]
        at_first = process_tree(store, 4242, at=T0 + timedelta(milliseconds=500))
        assert at_first.focus is not None and at_first.focus.exe == "/usr/bin/curl"
        with pytest.raises(NotInHistory, match="was not running at"):
            process_tree(store, 4242, at=T0 + timedelta(seconds=3))


def test_unknown_pids_and_ambiguous_hosts_are_errors(db_url: str) -> None:
    with open_store(db_url) as store:
        with pytest.raises(NotInHistory, match="no process 1234"):
            process_tree(store, 1234)
        for host in ("node-1", "node-2"):
            trace = Trace(host=host)
            trace.exit(trace.add(Proc(1234, 1, T0_NS, "/bin/true", [], "true")), T0_NS)
            load(store, trace)
        with pytest.raises(NotInHistory, match="several hosts"):
            process_tree(store, 1234)
        assert process_tree(store, 1234, host="node-2").focus.host == "node-2"  # type: ignore[union-attr]


def test_around_a_container_every_process_of_it(store: Store) -> None:
    containers = match_workload(store.containers(), "openai-app")
    tree = container_tree(store, containers)
    assert [shape(root) for root in tree.roots] == [(1000, [(1100, [(1101, []), (1102, [])])])]
    assert [container.name for container in tree.containers] == [CONTAINER["name"]]


def test_around_a_container_at_a_time_the_processes_alive_then(store: Store) -> None:
    containers = match_workload(store.containers(), "openai-app")
    tree = container_tree(store, containers, at=T0 + timedelta(seconds=11, milliseconds=500))
    assert [shape(root) for root in tree.roots] == [(1000, [(1100, [(1101, [])])])]
    with pytest.raises(NotInHistory, match="alive at"):
        container_tree(store, containers, at=T0 - timedelta(days=1))


def test_events_hang_under_their_process_capped(store: Store) -> None:
    tree = process_tree(store, 1101, events=True)
    useradd = next(node for node in tree.nodes() if node.process.pid == 1101)
    assert [event.type for event in useradd.events] == ["execve", "openat", "openat"]
    assert useradd.events_left_out == 0


def test_a_big_tree_is_cut(db_url: str) -> None:
    trace = Trace()
    init = trace.add(Proc(1, 0, T0_NS - 10**12, "/sbin/init", [], "init"))
    for pid in range(100, 130):
        trace.spawn(init, pid, T0_NS + pid, "/bin/true", [])
    with open_store(db_url) as store:
        load(store, trace)
        tree = process_tree(store, 1, max_nodes=10)
        assert tree.truncated and len(list(tree.nodes())) == 10
        assert not process_tree(store, 1).truncated
