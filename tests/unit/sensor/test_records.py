"""Records from kernel messages: process, lineage, container, users; what is missing stays missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.unit.sensor.kit import MS, chdir, connect, dns, execve, exit_, fork, open_, setuid
from tests.unit.sensor.test_dns import response

from jackwatch.sensor.clock import Clock
from jackwatch.sensor.containers import CgroupIds, ContainerMetadata, Containers
from jackwatch.sensor.messages import Connect, ExecArgs
from jackwatch.sensor.records import RecordBuilder, normalize
from jackwatch.sensor.users import UserNames

CONTAINER_ID = "3f2a9c1b7d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
EPOCH = 1_780_000_000 * 1000 * MS
CLOCK = Clock(monotonic_offset=EPOCH, boot_offset=EPOCH - 5 * MS, ticks_per_second=100)


@pytest.fixture
def builder(tmp_path: Path) -> RecordBuilder:
    host = tmp_path / "host"
    (host / "etc").mkdir(parents=True)
    (host / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n")
    (host / "etc" / "group").write_text("root:x:0:\napp:x:1000:\n")
    cgroups = tmp_path / "cgroup"
    (cgroups / f"kubepods/besteffort/pod0d3c1f7e-7d2c-4e4b-9a51-2f6f3c9b8e10/{CONTAINER_ID}").mkdir(parents=True)
    proc = tmp_path / "proc"  # processes that are gone: nothing in /proc
    proc.mkdir()
    containers = Containers(CgroupIds(cgroups, min_interval=0.0), ContainerMetadata(tmp_path / "state"))
    return RecordBuilder(CLOCK, containers, UserNames(host, proc), proc=proc, host="node-1")


def test_a_process_story(builder: RecordBuilder) -> None:
    shell = builder.build(execve(100, 10 * MS, [b"bash"], start=1 * MS))
    clone = builder.build(fork(200, 100, 20 * MS, start=19 * MS, comm=b"bash"))
    cat = builder.build(execve(200, 21 * MS, [b"cat", b"/etc/shadow"], ppid=100, start=19 * MS))
    opened = builder.build(open_(200, 22 * MS, b"/etc//shadow", start=19 * MS, comm=b"cat"))
    gone = builder.build(exit_(200, 23 * MS, start=19 * MS, code=1, comm=b"cat"))
    assert shell and clone and cat and opened and gone
    assert shell["type"] == "execve" and shell["proc"]["exe"] == "bash" and shell["res"] == 0
    assert shell["time"] == EPOCH + 10 * MS and shell["host"] == "node-1"
    assert clone["type"] == "clone" and clone["proc"]["pid"] == 100 and clone["child_pid"] == 200
    assert cat["proc"]["name"] == "cat" and cat["proc"]["args"] == ["/etc/shadow"]
    assert cat["proc"]["exepath"] == "/usr/bin/cat" and cat["proc"]["start"] == EPOCH + 14 * MS
    assert [(a["pid"], a["name"]) for a in cat["lineage"]] == [(100, "bash")]
    assert opened["fd"] == {"type": "file", "name": "/etc/shadow", "flags": 0, "nameraw": "/etc//shadow"}
    assert opened["res"] == 3 and opened["proc"] is cat["proc"]
    assert gone["type"] == "procexit" and gone["exit_code"] == 1
    assert cat["user"] == {"uid": 0, "name": "root"} and cat["group"] == {"gid": 0, "name": "root"}
    assert "container" not in cat


def test_the_fork_can_come_after_the_childs_exec(builder: RecordBuilder) -> None:
    builder.build(execve(100, 10 * MS, [b"python3", b"app.py"], start=1 * MS))
    early = builder.build(execve(200, 21 * MS, [b"sh", b"-c", b"id"], ppid=100, start=19 * MS))
    builder.build(fork(200, 100, 20 * MS, start=19 * MS, comm=b"python3"))
    later = builder.build(open_(200, 22 * MS, b"/tmp/x", start=19 * MS))
    assert early and later
    assert [a["name"] for a in early["lineage"]] == ["python3"]
    assert later["proc"]["exe"] == "sh"  # the fork did not undo the exec
    assert [a["name"] for a in later["lineage"]] == ["python3"]


def test_events_of_a_reused_pid_go_to_the_right_process(builder: RecordBuilder) -> None:
    builder.build(execve(300, 10 * MS, [b"old"], start=5 * MS))
    builder.build(exit_(300, 11 * MS, start=5 * MS))
    builder.build(execve(300, 900 * MS, [b"new"], start=800 * MS))
    late = builder.build(open_(300, 12 * MS, b"/etc/hostname", start=5 * MS))
    now = builder.build(open_(300, 901 * MS, b"/etc/hostname", start=800 * MS))
    assert late and now
    assert late["proc"]["exe"] == "old" and now["proc"]["exe"] == "new"


def test_container_and_user_of_a_container_process(builder: RecordBuilder, tmp_path: Path) -> None:
    scope = tmp_path / "cgroup" / "kubepods/besteffort/pod0d3c1f7e-7d2c-4e4b-9a51-2f6f3c9b8e10" / CONTAINER_ID
    record = builder.build(execve(400, 10 * MS, [b"id"], cgroup=scope.stat().st_ino, uid=1000))
    assert record
    assert record["container"] == {
        "id": CONTAINER_ID,
        "runtime": "containerd",
        "pod_uid": "0d3c1f7e-7d2c-4e4b-9a51-2f6f3c9b8e10",
    }
    # the process is gone, so its container's /etc/passwd cannot be read: the uid stays without a name
    assert record["user"] == {"uid": 1000}


def test_relative_paths_use_the_working_directory(builder: RecordBuilder, tmp_path: Path) -> None:
    unresolved = builder.build(open_(500, 10 * MS, b"../etc/shadow", dfd=-100))
    assert unresolved and unresolved["fd"]["name"] == "../etc/shadow"
    assert builder.stats["path_unresolved"] == 1
    (tmp_path / "proc" / "500").mkdir()
    (tmp_path / "proc" / "500" / "cwd").symlink_to("/srv/app")
    (tmp_path / "proc" / "500" / "fd").mkdir()
    (tmp_path / "proc" / "500" / "fd" / "7").symlink_to("/var/lib")
    resolved = builder.build(open_(500, 11 * MS, b"../../etc/shadow"))
    at_fd = builder.build(open_(500, 12 * MS, b"secret.env", dfd=7))
    assert resolved and at_fd
    assert resolved["fd"]["name"] == "/etc/shadow" and resolved["fd"]["nameraw"] == "../../etc/shadow"
    assert at_fd["fd"]["name"] == "/var/lib/secret.env"


def test_secrets_in_arguments_are_redacted(builder: RecordBuilder) -> None:
    key = "sk-proj-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5m"
    record = builder.build(execve(600, 10 * MS, [b"curl", b"-H", f"Authorization: Bearer {key}".encode()]))
    assert record
    assert key not in str(record)
    assert record["proc"]["args"][1].startswith("Authorization: Bearer sk-p…")


def test_a_long_command_line_of_a_process_gone_is_kept_as_received(builder: RecordBuilder) -> None:
    message = execve(700, 10 * MS, [b"python3", b"-c", b"x" * 400])
    assert message.argv is not None
    cut = replace(message, argv=ExecArgs(700, 0, 700, 700, message.argv.length, message.argv.argv[:200]))
    record = builder.build(cut)
    assert record
    assert record["proc"]["args"][0] == "-c" and len(record["proc"]["args"][1]) < 400
    assert builder.stats["argv_truncated"] == 1
    bare = builder.build(replace(message, argv=None))
    assert bare and bare["proc"]["args"] == [] and builder.stats["argv_missing"] == 1


def test_bytes_that_are_not_utf8_are_replaced_and_flagged(builder: RecordBuilder) -> None:
    record = builder.build(open_(800, 10 * MS, b"/tmp/caf\xc3\xa9-\xff"))
    assert record
    assert record["fd"]["name"] == "/tmp/café-\ufffd" and record["lossy"] is True


def test_connections_are_named_from_dns_answers_seen_before(builder: RecordBuilder) -> None:
    assert builder.build(dns(900, 10 * MS, response("api.openai.com", [(1, bytes([162, 159, 140, 245]))]))) is None
    record = builder.build(connect(900, 11 * MS, "162.159.140.245", 443))
    assert record
    assert record["fd"] == {
        "type": "ipv4",
        "dip": "162.159.140.245",
        "dport": 443,
        "l4proto": "tcp",
        "sport": 40000,
        "sip": "10.0.0.5",
        "name": "10.0.0.5:40000->162.159.140.245:443",
        "dns": "api.openai.com",
    }
    assert record["res"] == -115
    mapped = builder.build(Connect(connect(900, 12 * MS, "", 0).header, 0, 10, 80, "::ffff:10.1.2.3", 0, "", 6))
    assert mapped and mapped["fd"]["type"] == "ipv4" and mapped["fd"]["dip"] == "10.1.2.3"
    assert "sip" not in mapped["fd"] and "sport" not in mapped["fd"]


def test_uid_changes(builder: RecordBuilder) -> None:
    builder.build(execve(1000, 10 * MS, [b"su"], uid=1000))
    changed = builder.build(setuid(1000, 11 * MS, 0, uid=1000))
    failed = builder.build(setuid(1000, 12 * MS, 4242, ret=-1, uid=1000))
    assert changed and failed
    assert changed["type"] == "setuid" and changed["target_uid"] == 0 and changed["res"] == 0
    assert failed["target_uid"] == 4242 and failed["res"] == -1 and failed["proc"]["euid"] == 0


@pytest.mark.parametrize(
    ("path", "normal"), [("/a/./b//c/../d", "/a/b/d"), ("//etc/shadow", "/etc/shadow"), ("", ""), ("x/../y", "y")]
)
def test_normalize(path: str, normal: str) -> None:
    assert normalize(path) == normal


def test_seed_reads_this_machines_processes() -> None:
    containers = Containers(CgroupIds(None), ContainerMetadata(Path("/nonexistent")))
    live = RecordBuilder(Clock.now(), containers, UserNames())
    assert live.seed() > 1
    import os

    me = live.table.get(os.getpid())
    assert me is not None and me.info["name"] and me.info["args"]
    assert [a["pid"] for a in live.table.lineage(me)][:1] == [os.getppid()]


def test_working_directory_follows_chdir(builder: RecordBuilder) -> None:
    builder.build(execve(1100, 10 * MS, [b"sh"]))
    assert builder.build(chdir(1100, 11 * MS, b"/etc")) is None
    first = builder.build(open_(1100, 12 * MS, b"shadow"))
    builder.build(chdir(1100, 13 * MS, b"../root/.aws"))
    second = builder.build(open_(1100, 14 * MS, b"credentials"))
    builder.build(chdir(1100, 15 * MS, b"", fd=5))  # fchdir of a process gone: the directory is not known
    third = builder.build(open_(1100, 16 * MS, b"x.env"))
    assert first and second and third
    assert first["fd"]["name"] == "/etc/shadow"
    assert second["fd"]["name"] == "/root/.aws/credentials"
    assert third["fd"]["name"] == "x.env" and "cwd" not in third["proc"]
    assert builder.stats["cwd_unknown"] == 1
