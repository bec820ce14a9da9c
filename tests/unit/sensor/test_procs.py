"""The process table: identity by (pid, start), lineage after parents exit, pid reuse, loops."""

from __future__ import annotations

from jackwatch.model.runtime import ProcessInfo
from jackwatch.sensor.procs import Process, ProcessTable

TICK = 10_000_000


def proc(pid: int, ppid: int, start: int, name: str) -> Process:
    info: ProcessInfo = {"pid": pid, "ppid": ppid, "exe": name, "name": name, "args": [], "uid": 0, "gid": 0}
    return Process(pid, start, info)


def test_a_process_is_found_by_pid_and_start_within_a_tick() -> None:
    table = ProcessTable(tolerance=TICK)
    added = table.add(proc(10, 1, 5 * TICK, "bash"))
    assert table.get(10) is added
    assert table.get(10, 5 * TICK + TICK // 2) is added
    assert table.get(10, 9 * TICK) is None
    assert table.add(proc(10, 1, 5 * TICK + 1, "bash")) is added  # the same process, seen again


def test_lineage_survives_the_parents_exit() -> None:
    table = ProcessTable()
    init, server, shell = proc(1, 0, 0, "init"), proc(50, 1, 10, "uvicorn"), proc(60, 50, 20, "sh")
    for item in (init, server, shell):
        table.add(item)
    table.set_parent(shell, server)
    table.set_parent(server, init)
    table.exit(server, 30)
    assert table.get(50) is None  # no longer running…
    assert table.get(50, 10) is server  # …but remembered
    assert [a["name"] for a in table.lineage(shell)] == ["uvicorn", "init"]
    assert table.lineage(shell)[0]["start"] == 10


def test_a_reused_pid_is_a_new_process_and_not_an_ancestor_of_older_ones() -> None:
    table = ProcessTable(tolerance=TICK)
    old_parent, child = proc(50, 1, 10 * TICK, "python"), proc(60, 50, 20 * TICK, "sh")
    table.add(old_parent)
    table.add(child)
    table.exit(old_parent, 25 * TICK)
    newcomer = table.add(proc(50, 1, 40 * TICK, "nginx"))
    assert table.get(50) is newcomer
    assert table.get(50, 10 * TICK) is old_parent
    assert table.lineage(child) == []  # its parent is gone and pid 50 is now someone younger
    table.set_parent(child, old_parent)
    assert [a["name"] for a in table.lineage(child)] == ["python"]


def test_replacing_a_live_process_with_the_same_pid_retires_it() -> None:
    table = ProcessTable()
    first = table.add(proc(7, 1, 10, "a"))
    second = table.add(proc(7, 1, 10 + 5 * TICK, "b"))
    assert table.get(7) is second
    assert table.get(7, 10) is first and first.exited is not None


def test_a_loop_in_parents_ends() -> None:
    table = ProcessTable()
    a, b = table.add(proc(2, 3, 10, "a")), table.add(proc(3, 2, 5, "b"))
    table.set_parent(a, b)
    table.set_parent(b, a)
    assert [item["name"] for item in table.lineage(a)] == ["b"]


def test_info_is_replaced_not_changed() -> None:
    item = proc(5, 1, 0, "sh")
    before = item.info
    item.update(name="bash", uid=None)
    assert before["name"] == "sh" and item.info["name"] == "bash"
    same = item.info
    item.update(name="bash")
    assert item.info is same
