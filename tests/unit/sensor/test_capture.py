"""Reading bpftrace: a stand-in program that writes what bpftrace writes (in pieces, with bad lines), and stops."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest
from tests.unit.sensor.test_messages import ARGS, EXEC, OPEN_ODD, printf

from jackwatch.sensor.capture import (
    PAGE,
    PERF_BUFFER_TOTAL_MIB,
    Bpftrace,
    EbpfSource,
    EbpfUnavailable,
    Environment,
    perf_pages,
)
from jackwatch.sensor.clock import Clock
from jackwatch.sensor.containers import CgroupIds, ContainerMetadata, Containers
from jackwatch.sensor.ordering import ExecPairer
from jackwatch.sensor.program import Program
from jackwatch.sensor.records import RecordBuilder
from jackwatch.sensor.stats import SensorStats
from jackwatch.sensor.users import UserNames

FAKE = """#!{python}
import signal, sys, time
out = sys.stdout.buffer
stopped = []
signal.signal(signal.SIGINT, lambda *_: stopped.append(1))
out.write(b'{{"type": "attached_probes", "data": {{"probes": 34}}}}\\n')
out.write(b'{{"type": "printf", "data": "R\\\\t4242\\\\n"}}\\n')
out.flush()
for line in {lines!r}:
    half = len(line) // 2  # each line in two writes: the sensor must join them
    out.write(line[:half]); out.flush(); time.sleep(0.01)
    out.write(line[half:] + b"\\n"); out.flush()
while not stopped:
    time.sleep(0.05)
for line in {at_exit!r}:
    out.write(line + b"\\n")
"""


def _fake(tmp_path: Path, lines: list[bytes], at_exit: list[bytes] | None = None) -> Environment:
    path = tmp_path / "bpftrace"
    path.write_text(FAKE.format(python=sys.executable, lines=lines, at_exit=at_exit or []))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return Environment(str(path), (0, 17, 0), tmp_path)


def _source(tmp_path: Path, environment: Environment) -> EbpfSource:
    proc = tmp_path / "proc"
    proc.mkdir(exist_ok=True)
    containers = Containers(CgroupIds(None), ContainerMetadata(tmp_path))
    clock = Clock(monotonic_offset=0, boot_offset=0)
    builder = RecordBuilder(clock, containers, UserNames(tmp_path, proc), proc=proc, host="h")
    return EbpfSource(Bpftrace(environment, Program("BEGIN {}", ("syscalls/sys_enter_open",)), os.getpid()), builder,
                      SensorStats("ebpf"), lateness=0)  # fmt: skip


def _now(line: bytes) -> bytes:
    """``line`` with its event time set to now (so that the reorder releases it at once)."""
    parts = line.split(b"\\t")
    parts[1] = str(time.monotonic_ns()).encode()
    return b"\\t".join(parts)


def test_events_are_read_joined_and_counted(tmp_path: Path) -> None:
    lines = [
        _now(EXEC),
        ARGS.replace(b"13643", b"13629", 1),  # the A line of the exec above (same thread)
        _now(OPEN_ODD),
        b'{"type": "printf", "data": "O\\tnot a number',  # cut short
        b'{"type": "lost_events", "data": {"events": 2}}',
        # what the kernel program prints once the sensor stopped it: its counts, then S
        b'{"type": "map", "data": {"@emitted": {"E": 1, "A": 1, "O": 3, "X": 1}}}',
        b'{"type": "map", "data": {"@opens": 500}}',
        printf(b"S"),
    ]
    source = _source(tmp_path, _fake(tmp_path, lines))
    source.pairer = ExecPairer(timeout=600 * 10**9)  # however slow the machine, the A line is waited for
    source.start(timeout=30)
    assert source.ready and source.stats.missing_tracepoints == ("syscalls/sys_enter_open",)
    deadline = time.monotonic() + 3
    records = list(source.records(lambda: time.monotonic() > deadline))
    assert [r["type"] for r in records] == ["execve", "openat"]
    exec_, opened = records
    assert exec_["proc"]["args"] == ["/root/.pyenv/libexec/pyenv-which", "python3"]
    assert opened["fd"]["name"] == "/tmp/bt/x/t\tabé\ufffd" and opened["lossy"] is True
    stats = source.stats.as_dict()
    assert stats["events_seen"] == {"execve": 1, "openat": 1}
    assert stats["kernel_lost_events"] == 2
    assert stats["events_dropped"] == {"openat": 2, "procexit": 1, "unreadable_invalid_json": 1}
    assert stats["problems"][0].startswith("<bpftrace>:6: not JSON")
    assert stats["opens_seen_by_kernel"] == 500 and stats["opens_kept"] == 3
    process = source.bpftrace.process
    assert process is not None
    assert process.wait(timeout=10) == -9  # the counts came before it exits: it is killed, not waited for


def test_without_the_stop_marker_the_counts_come_when_bpftrace_exits(tmp_path: Path) -> None:
    counts = [b'{"type": "map", "data": {"@emitted": {"O": 2}}}']
    source = _source(tmp_path, _fake(tmp_path, [_now(OPEN_ODD)], at_exit=counts))
    source.start(timeout=30)
    records = list(source.records(lambda: bool(source.stats.seen)))
    assert [r["type"] for r in records] == ["openat"]
    assert not source.stopped and source.stats.as_dict()["events_dropped"] == {"openat": 1}


def test_bpftrace_that_fails_to_load_says_why(tmp_path: Path) -> None:
    script = tmp_path / "bpftrace"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stderr.write('ERROR: Error loading program: x\\n')\n")
    script.chmod(0o755)
    source = _source(tmp_path, Environment(str(script), (0, 17, 0), tmp_path))
    with pytest.raises(EbpfUnavailable, match="could not load the sensor program:\nERROR: Error loading program: x"):
        source.start(timeout=30)


def test_perf_buffer_pages_are_a_power_of_two_within_the_total() -> None:
    for cpus in (1, 2, 64, 512):
        pages = perf_pages(cpus)
        assert pages & (pages - 1) == 0
        assert pages * PAGE * cpus <= PERF_BUFFER_TOTAL_MIB * 1024 * 1024
    assert perf_pages(2) * PAGE == 8 * 1024 * 1024
