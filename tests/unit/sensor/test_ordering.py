"""Exec halves joined by thread, messages released in time order once late enough."""

from __future__ import annotations

from tests.unit.sensor.kit import MS, execve, open_

from jackwatch.sensor.messages import ExecArgs
from jackwatch.sensor.ordering import ExecPairer, Reorder

SECOND = 1000 * MS


def test_exec_is_joined_with_its_argument_line() -> None:
    pairer = ExecPairer()
    whole = execve(10, 5 * MS, [b"cat", b"/etc/shadow"])
    assert whole.argv is not None
    bare = whole.__class__(whole.header, whole.ppid, whole.euid, whole.loginuid, whole.filename)
    assert list(pairer.add_exec(bare)) == []
    (joined,) = pairer.add_args(whole.argv)
    assert joined == whole


def test_argument_line_first_waits_for_its_exec() -> None:
    pairer = ExecPairer()
    whole = execve(10, 5 * MS, [b"id"])
    assert whole.argv is not None
    assert list(pairer.add_args(whole.argv)) == []
    bare = whole.__class__(whole.header, whole.ppid, whole.euid, whole.loginuid, whole.filename)
    assert list(pairer.add_exec(bare)) == [whole]


def test_exec_without_argument_line_is_released_bare() -> None:
    pairer = ExecPairer(timeout=SECOND)
    first = execve(10, 5 * MS, [b"a"])
    second = execve(10, 9 * MS, [b"b"])
    bare = [m.__class__(m.header, m.ppid, m.euid, m.loginuid, m.filename) for m in (first, second)]
    assert list(pairer.add_exec(bare[0])) == []
    assert list(pairer.add_exec(bare[1])) == [bare[0]]  # its A line never came, another exec of the thread did
    assert list(pairer.expired(9 * MS + SECOND // 2)) == []
    assert list(pairer.expired(9 * MS + 2 * SECOND)) == [bare[1]]
    assert pairer.unpaired == 2
    assert list(pairer.add_args(ExecArgs(11, 0, 0, 0, 2, b"x\0"))) == []
    assert list(pairer.flush()) == []


def test_reorder_releases_in_time_order_after_the_lateness() -> None:
    reorder = Reorder(lateness=100 * MS)
    for time in (30, 10, 20, 250):
        reorder.push(open_(1, time * MS, b"/etc/x"))
    assert [m.header.time // MS for m in reorder.due(125 * MS)] == [10, 20]
    assert [m.header.time // MS for m in reorder.due(200 * MS)] == [30]
    reorder.push(open_(1, 240 * MS, b"/etc/y"))
    assert len(reorder) == 2
    assert [m.header.time // MS for m in reorder.flush()] == [240, 250]
