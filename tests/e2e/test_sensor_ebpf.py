"""The eBPF sensor on this machine: real processes, files, connections and a fake containerd container.

One sensor (``jackwatch sensor run``, as a subprocess) watches while the test execs a program with arguments,
reads /etc/shadow, writes a .env file, connects to a local TCP port after a DNS answer, exits with a code,
changes its uid, imports a package from a site-packages directory, opens a file by a relative path, and, from a
process moved into a cgroup named like a containerd container's, runs ``useradd -d /dev/shm/zeus… nairobi…``.
The records and findings it reports are then checked one by one.

Marked ``ebpf``: they run as root (and always in CI, where a missing bpftrace is a failure, not a skip).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.runner import EXECUTABLE, run_jackwatch

from jackwatch.sensor.capture import EbpfUnavailable, preflight

pytestmark = pytest.mark.ebpf

READY_TIMEOUT = 120.0
CGROUP_ROOT = Path("/sys/fs/cgroup")


def require_ebpf() -> None:
    """Skip when not root outside CI; fail, saying why, when eBPF cannot run."""
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("the eBPF sensor needs root")
    try:
        preflight()
    except EbpfUnavailable as error:
        pytest.fail(f"the eBPF sensor cannot run here: {error} (.ci/run installs bpftrace and mounts tracefs)")


class Sensor:
    """``jackwatch sensor run`` in the background, started once its probes are attached."""

    def __init__(self, *args: str | os.PathLike[str]) -> None:
        command = [str(EXECUTABLE), "sensor", "run", *(os.fspath(arg) for arg in args)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stderr = b""
        assert self.process.stderr is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while b"watching with" not in self.stderr:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                _out, err = self.process.communicate()
                pytest.fail(f"the sensor did not start:\n{(self.stderr + err).decode(errors='replace')}")
            ready, _, _ = select.select([self.process.stderr], [], [], 0.5)
            if ready:
                self.stderr += os.read(self.process.stderr.fileno(), 65536)

    def stop(self, number: int = signal.SIGTERM, timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
        """Signal the sensor (``0``: let it end by itself), then its exit code and JSON report."""
        if number:
            self.process.send_signal(number)
        out, err = self.process.communicate(timeout=timeout)
        self.stderr += err
        assert out, self.stderr.decode(errors="replace")
        return self.process.returncode, json.loads(out)


def run(*command: str, expect: int = 0, **kwargs: Any) -> None:
    """Run an action; it must end with ``expect``."""
    done = subprocess.run(list(command), capture_output=True, timeout=60, check=False, **kwargs)
    assert done.returncode == expect, (command, done.stderr.decode(errors="replace"))


class _DnsHandler(socketserver.BaseRequestHandler):
    """Answers every query with one A record: 127.0.0.1."""

    def handle(self) -> None:
        data, sock = self.request
        question_end = data.index(b"\0", 12) + 5
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 1])
        sock.sendto(
            data[:2] + b"\x81\x80" + data[4:6] + b"\x00\x01\x00\x00\x00\x00" + data[12:question_end] + answer,
            self.client_address,
        )


@dataclass
class Trace:
    """What the sensor reported while the test acted."""

    token: str
    records: list[dict[str, Any]]
    report: dict[str, Any]
    code: int
    port: int
    container_id: str
    pod_uid: str
    dns_name: str
    db: Path
    site: Path

    def __repr__(self) -> str:  # shown when an assertion about the trace fails
        stats = self.report.get("stats", {})
        return f"Trace(seen={stats.get('events_seen')}, dropped={stats.get('events_dropped')})"

    def mine(self) -> list[dict[str, Any]]:
        """Records of the test's own processes (their command line holds the token)."""
        return [r for r in self.records if any(self.token in arg for arg in r["proc"]["args"])]


def _fake_container(pid: int, container_id: str, pod_uid: str) -> list[Path]:
    """Move ``pid`` into cgroups named as containerd names a Kubernetes container's (v1 pids and v2)."""
    relative = Path("kubepods/besteffort") / f"pod{pod_uid}" / f"cri-containerd-{container_id}.scope"
    made = []
    for hierarchy in ("pids", "unified"):
        base = CGROUP_ROOT / hierarchy if (CGROUP_ROOT / hierarchy).is_dir() else CGROUP_ROOT
        path = base / relative
        path.mkdir(parents=True, exist_ok=True)
        (path / "cgroup.procs").write_text(str(pid))
        made.append(path)
        if base == CGROUP_ROOT:
            break
    return made


def _remove_cgroups(paths: list[Path]) -> None:
    for path in paths:
        for directory in [path, *path.parents]:
            if directory in (CGROUP_ROOT, CGROUP_ROOT / "pids", CGROUP_ROOT / "unified"):
                break
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trace]:
    require_ebpf()
    token = secrets.token_hex(4)
    work = tmp_path_factory.mktemp("sensor")
    user, home = f"nairobi{token}", f"/dev/shm/zeus-{token}"
    container_id, pod_uid = secrets.token_hex(32), "0d3c1f7e-7d2c-4e4b-9a51-" + secrets.token_hex(6)
    dns_name = f"llm-{token}.example"
    site = work / "lib" / "python3.11" / "site-packages"
    for package in (f"fakeai_{token}", f"otherai_{token}"):
        (site / package).mkdir(parents=True)
        (site / package / "__init__.py").write_text("VALUE = 1\n")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # an address of its own on port 53 (all of 127/8 is loopback): test workers each start a sensor at once
    dns_server = (f"127.0.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}", 53)
    dns = socketserver.UDPServer(dns_server, _DnsHandler)
    threading.Thread(target=dns.serve_forever, daemon=True).start()
    events, db = work / "events.jsonl", work / "sensor.db"
    sensor = Sensor("--duration", "300", "--events", events, "--format", "json", "--db", db)
    cgroups: list[Path] = []
    try:
        python = sys.executable
        tag = f"# jw-{token}\n"  # first: the kernel hands over the first 200 bytes of a command line
        run("/bin/echo", f"jw-{token}", "two words")
        run(python, "-c", f"{tag}import os; os.close(os.open('/etc/shadow', os.O_RDONLY))")
        run(python, "-c", f"{tag}open({str(work / '.env')!r}, 'w').write('K=v')")
        run(python, "-c", f"{tag}import socket; socket.create_connection(('127.0.0.1', {port})).close()")
        query = (
            f"{tag}import socket, struct; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            f"s.connect({dns_server!r}); "
            f"q = struct.pack('>HHHHHH', 7, 0x100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p.encode() "
            f"for p in {dns_name!r}.split('.')) + b'\\0' + struct.pack('>HH', 1, 1); s.send(q); s.recv(512); "
            f"socket.create_connection(('127.0.0.1', {port})).close()"
        )
        run(python, "-c", query)
        run("sh", "-c", "exit 7", f"jw-{token}", expect=7)
        run(python, "-c", f"{tag}import os; os.setuid(65534)")
        run(python, "-c", f"{tag}import fakeai_{token}", env={**os.environ, "PYTHONPATH": str(site)})
        run("cat", "hostname", f"jw-{token}", cwd="/etc", expect=1)  # the second file does not exist
        # the intruder, in a container: waits to be moved into the container's cgroup, then adds a user
        code = (
            f"{tag}import subprocess, sys; sys.stdin.readline(); "
            f"subprocess.run(['useradd', '-d', {home!r}, {user!r}], check=True); "
            f"subprocess.run(['id', '-u', {user!r}], stdout=subprocess.DEVNULL, check=True)"
        )
        intruder = subprocess.Popen([python, "-c", code], stdin=subprocess.PIPE)
        cgroups = _fake_container(intruder.pid, container_id, pod_uid)
        assert intruder.stdin is not None
        intruder.stdin.write(b"go\n")
        intruder.stdin.close()
        assert intruder.wait(timeout=60) == 0
        time.sleep(1.5)  # let the last events reach the sensor
        code_, report = sensor.stop(signal.SIGTERM)
        records = [json.loads(line) for line in events.read_text().splitlines()]
        yield Trace(token, records, report, code_, port, container_id, pod_uid, dns_name, db, site)
    finally:
        if sensor.process.poll() is None:
            sensor.process.kill()
            sensor.process.wait()
        subprocess.run(["userdel", user], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)
        _remove_cgroups(cgroups)
        dns.shutdown()
        dns.server_close()
        listener.close()


def test_sensor_stopped_cleanly_on_sigterm(trace: Trace) -> None:
    assert trace.code == 0, trace.report
    stats = trace.report["stats"]
    assert stats["mode"] == "ebpf"
    for kind in ("execve", "clone", "procexit", "openat", "connect", "setuid"):
        assert stats["events_seen"].get(kind, 0) > 0, (kind, stats["events_seen"])
    assert isinstance(stats["events_dropped"], dict) and stats["drop_ratio"] < 0.5
    assert stats["opens_seen_by_kernel"] >= stats["opens_kept"] > 0


def test_exec_with_its_arguments(trace: Trace) -> None:
    (echo,) = [r for r in trace.mine() if r["type"] == "execve" and r["proc"]["name"] == "echo"]
    assert echo["proc"]["args"] == [f"jw-{trace.token}", "two words"]
    assert echo["proc"]["exe"] == "/bin/echo" and echo["proc"]["exepath"] == "/bin/echo"
    assert echo["lineage"][0]["pid"] == os.getpid()
    assert echo["res"] == 0 and echo["user"] == {"uid": 0, "name": "root"}


def test_read_of_etc_shadow_with_its_flags(trace: Trace) -> None:
    opens = [r for r in trace.mine() if r["type"] == "openat" and r["fd"]["name"] == "/etc/shadow"]
    assert opens, "no open of /etc/shadow"
    assert opens[0]["fd"]["flags"] & 0o3 == os.O_RDONLY and opens[0]["res"] >= 0


def test_write_of_a_dotenv_file(trace: Trace) -> None:
    (write,) = [r for r in trace.mine() if r["type"] == "openat" and r["fd"]["name"].endswith("/.env")]
    wanted = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    assert write["fd"]["flags"] & wanted == wanted and write["fd"]["mode"] == 0o666


def test_connect_to_a_local_port(trace: Trace) -> None:
    connects = [r for r in trace.mine() if r["type"] == "connect" and r["fd"]["dport"] == trace.port]
    assert len(connects) == 2
    fd = connects[0]["fd"]
    assert (fd["type"], fd["dip"], fd["l4proto"], fd["sip"]) == ("ipv4", "127.0.0.1", "tcp", "127.0.0.1")
    assert fd["name"] == f"127.0.0.1:{fd['sport']}->127.0.0.1:{trace.port}" and connects[0]["res"] in (0, -115)


def test_connect_named_from_the_dns_answer(trace: Trace) -> None:
    named = [r for r in trace.mine() if r["type"] == "connect" and r["fd"].get("dns") == trace.dns_name]
    assert named and named[0]["fd"]["dport"] == trace.port


def test_exit_code(trace: Trace) -> None:
    exits = [r for r in trace.mine() if r["type"] == "procexit" and r["proc"]["name"] == "sh"]
    assert [r["exit_code"] for r in exits] == [7]


def test_uid_change(trace: Trace) -> None:
    (change,) = [r for r in trace.mine() if r["type"] == "setuid"]
    assert change["target_uid"] == 65534 and change["res"] == 0


def test_packages_imported_from_site_packages(trace: Trace) -> None:
    opened = {r["fd"]["name"] for r in trace.records if r["type"] == "openat"}
    assert str(trace.site / f"fakeai_{trace.token}" / "__init__.py") in opened
    assert not [name for name in opened if f"otherai_{trace.token}" in name]


def test_relative_open_below_etc(trace: Trace) -> None:
    opens = [r for r in trace.mine() if r["type"] == "openat" and r["proc"]["name"] == "cat"]
    assert "/etc/hostname" in [r["fd"]["name"] for r in opens]


def test_container_process_is_attributed_to_its_container(trace: Trace) -> None:
    inside = [r for r in trace.records if (r.get("container") or {}).get("id") == trace.container_id]
    names = {r["proc"]["name"] for r in inside}
    interpreter = Path(sys.executable).name[:15]  # the kernel names a process after the path it was started by
    assert {interpreter, "useradd", "id"} <= names, names
    container = inside[0]["container"]
    assert container["runtime"] == "containerd" and container["pod_uid"] == trace.pod_uid
    assert not [r for r in trace.mine() if r["proc"]["name"] == "echo" and r.get("container")]


def test_user_home_in_tmpfs_reported_with_the_process_tree(trace: Trace) -> None:
    findings = [f for f in trace.report["findings"] if f["rule_id"] == "runtime.user_home_in_tmpfs"]
    assert findings, [f["rule_id"] for f in trace.report["findings"]]
    finding = findings[0]
    assert finding["severity"] == "critical"
    assert finding["principal"] == trace.container_id[:12]
    assert finding["container"]["id"] == trace.container_id
    assert finding["process"]["name"] == "useradd"
    assert any(trace.token in " ".join(a.get("args", [])) for a in finding["lineage"])  # the python parent
    assert finding["lineage"][-1]["pid"] in (1, os.getpid()) or len(finding["lineage"]) >= 2


def test_process_tree_from_the_store(trace: Trace) -> None:
    result = run_jackwatch("proctree", trace.container_id[:12], "--db", trace.db, "--format", "json")
    assert result.code == 0, result.describe()
    assert "useradd" in result.text


def test_stops_by_itself_after_the_duration() -> None:
    require_ebpf()
    started = time.monotonic()
    sensor = Sensor("--duration", "2", "--format", "json", "--no-store")
    code, report = sensor.stop(0)
    assert code == 0 and report["stats"]["mode"] == "ebpf"
    assert report["stats"]["seconds"] >= 2 and time.monotonic() - started < READY_TIMEOUT


def test_stops_cleanly_on_sigint() -> None:
    require_ebpf()
    sensor = Sensor("--format", "json", "--no-store")
    time.sleep(0.5)
    code, report = sensor.stop(signal.SIGINT)
    assert code == 0
    assert "events_dropped" in report["stats"] and report["findings"] is not None
