"""The /proc poller: processes that appear and go, files held open or mapped, outbound TCP connections."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jackwatch.sensor.clock import Clock
from jackwatch.sensor.containers import CgroupIds, ContainerMetadata, Containers
from jackwatch.sensor.fallback import (
    BLIND_SPOTS,
    Connection,
    ProcPoller,
    connections,
    mapped_files,
    open_files,
    snapshot,
)
from jackwatch.sensor.records import RecordBuilder
from jackwatch.sensor.stats import SensorStats
from jackwatch.sensor.users import UserNames

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
TAIL = "00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"


def builder() -> RecordBuilder:
    containers = Containers(CgroupIds(None), ContainerMetadata(Path("/nonexistent")))
    return RecordBuilder(Clock.now(), containers, UserNames())


def test_outbound_connections_from_proc_net(tmp_path: Path) -> None:
    (tmp_path / "tcp").write_text(
        HEADER
        + "   0: 0100007F:1538 00000000:0000 0A "
        + TAIL.format(inode=111)  # listening on 5432
        + "   1: 0500000A:C350 F58C9FA2:01BB 01 "
        + TAIL.format(inode=222)  # 10.0.0.5:50000 -> 162.159.140.245:443
        + "   2: 0100007F:1538 0100007F:C351 01 "
        + TAIL.format(inode=333)  # accepted on 5432: inbound
        + "   3: 0500000A:C352 F58C9FA2:01BB 06 "
        + TAIL.format(inode=0)  # TIME_WAIT, no socket
        + "   4: garbage\n"
    )
    (tmp_path / "tcp6").write_text(
        HEADER
        + "   0: 0000000000000000FFFF00000500000A:C353 0000000000000000FFFF0000F58C9FA2:01BB 02 "
        + TAIL.format(inode=444)
        + "   1: 00000000000000000000000001000000:C354 00000000000000000000000001000000:0050 01 "
        + TAIL.format(inode=555)
    )
    assert connections(tmp_path) == [
        Connection(222, "ipv4", "10.0.0.5", 50000, "162.159.140.245", 443),
        Connection(444, "ipv4", "10.0.0.5", 50003, "162.159.140.245", 443),
        Connection(555, "ipv6", "::1", 50004, "::1", 80),
    ]
    assert connections(tmp_path / "missing") == []


def test_files_held_open_and_mapped_by_this_process(tmp_path: Path) -> None:
    held = tmp_path / ".env"
    with held.open("w"):
        files, sockets = open_files(Path("/proc"), os.getpid())
    assert any(item.path == str(held) and item.flags & os.O_WRONLY for item in files)
    assert all(not item.path.startswith("/usr/lib/x86_64") for item in files)
    assert isinstance(sockets, set)
    import orjson  # a compiled extension in site-packages: mapped

    mapped = {item.path for item in mapped_files(Path("/proc"), os.getpid())}
    assert any(path.endswith(".so") and "site-packages" in path for path in mapped), mapped
    assert orjson.__name__ == "orjson"
    assert open_files(Path("/proc"), 2**22 + 7) == ([], set())


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process that holds a credential file open and waits."""
    target = tmp_path / "credentials"
    target.write_text("[default]\n")
    code = (
        f"import sys, time; f = open({str(target)!r}); sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    yield child
    child.kill()
    child.wait()


def test_poller_sees_a_new_process_its_files_and_its_exit(holder: subprocess.Popen[bytes], tmp_path: Path) -> None:
    stats = SensorStats("proc")
    poller = ProcPoller(builder(), stats, interval=0.05)
    poller.start()
    first = poller.poll(first=True)
    assert not [r for r in first if r["type"] == "execve"]  # what ran before the sensor is no exec
    opened = [r for r in first if r["type"] == "openat" and r["proc"]["pid"] == holder.pid]
    assert str(tmp_path / "credentials") in [r["fd"]["name"] for r in opened]
    late = subprocess.Popen(["sleep", "30"])
    try:
        records = poller.poll()
        assert [r["proc"]["args"] for r in records if r["type"] == "execve" and r["proc"]["pid"] == late.pid] == [
            ["30"]
        ]
        assert not [r for r in records if r["type"] == "openat" and r["proc"]["pid"] == holder.pid]  # known already
    finally:
        late.kill()
        late.wait()
    gone = poller.poll()
    assert [r["proc"]["pid"] for r in gone if r["type"] == "procexit"] == [late.pid]
    times = [r["time"] for r in first + records + gone]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert stats.blind_spots == BLIND_SPOTS and stats.seen["execve"] >= 1


def test_records_stop_when_asked(holder: subprocess.Popen[bytes]) -> None:
    poller = ProcPoller(builder(), SensorStats("proc"), interval=0.05)
    poller.start()
    deadline = time.monotonic() + 0.3
    records = list(poller.records(lambda: time.monotonic() > deadline))
    assert any(r["proc"]["pid"] == holder.pid for r in records)


def test_snapshot_lists_what_running_processes_hold(holder: subprocess.Popen[bytes], tmp_path: Path) -> None:
    live = builder()
    live.seed()
    records = snapshot(live)
    assert any(r["proc"]["pid"] == holder.pid and r["fd"]["name"] == str(tmp_path / "credentials") for r in records)
    assert all(r["type"] == "openat" for r in records)
