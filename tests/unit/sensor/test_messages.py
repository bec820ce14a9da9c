"""Parsing bpftrace's JSON lines: every message kind, bytes that are not UTF-8, tabs in paths, bad lines."""

from __future__ import annotations

import pytest

from jackwatch.sensor.messages import (
    Chdir,
    Connect,
    Counters,
    Exec,
    ExecArgs,
    Exit,
    Fork,
    Lost,
    Open,
    Ready,
    SetId,
    Unreadable,
    parse_line,
    parse_printf,
    unescape_buffer,
)

# lines as bpftrace 0.17 printed them for the sensor's program on this machine (fields joined by "\t")


def printf(*fields: bytes) -> bytes:
    """A ``printf`` line of ``bpftrace -f json`` (its text JSON-escaped as bpftrace writes it)."""
    return b'{"type": "printf", "data": "' + rb"\t".join(fields) + rb'\n"}'


EXEC = printf(
    b"E",
    b"3693115271934",
    b"58536109290813",
    b"0",
    b"3693048740491",
    b"1",
    b"python3",
    b"13590",
    b"4294967295",
    b"/root/.pyenv/versions/3.11.7/bin/python3",
)
ARGS = printf(
    b"A", b"13643", b"0", b"17809", b"13643", b"46", rb"bash\\x00/root/.pyenv/libexec/pyenv-which\\x00python3\\x00"
)
FORK = printf(
    b"F",
    b"3691536858648",
    b"58506044519734",
    b"433791697000",
    b"3691536793831",
    b"1",
    b"postgres",
    b"2201",
    b"438086664191",
)
EXIT = printf(
    b"X", b"3693190615418", b"58536109290813", b"0", b"3693048740491", b"1", b"python3", b"13590", b"768", b"768", b"4"
)
OPEN_FAILED = printf(
    b"O",
    b"3691536168084",
    b"44994077403372",
    b"0",
    b"3540911287899",
    b"1",
    b"python3",
    b"18446744069414584220",
    b"0",
    b"/root/.pgpass",
)
OPEN_ODD = printf(
    b"O",
    b"3693041421707",
    b"58527519356219",
    b"0",
    b"3693037743568",
    b"1",
    b"touch",
    b"17179869084",
    b"1881195678017",
    b"/tmp/bt/x/t",
    rb"ab\uffffffc3\uffffffa9\uffffffff",
)
CONNECT4 = printf(
    b"C",
    b"3691536290266",
    b"44994077403372",
    b"0",
    b"3540911287899",
    b"1",
    b"python3",
    b"-115",
    b"2",
    b"5432",
    b"16777343",
    b"0",
    b"56266",
    b"16777343",
    b"6",
)
CONNECT6 = printf(
    b"C",
    b"3693177208419",
    b"58536109290813",
    b"0",
    b"3693048740491",
    b"1",
    b"python3",
    b"-115",
    b"10",
    b"9",
    b"0",
    b"72057594037927936",
    b"0",
    b"100663423",
    b"6",
)
SETUID = printf(
    b"U", b"3693177283425", b"58536109290813", b"0", b"3693048740491", b"1", b"python3", b"u", b"1000", b"-1"
)


def test_exec_line_carries_the_process_and_the_file_executed() -> None:
    message = parse_line(EXEC)
    assert isinstance(message, Exec)
    header = message.header
    assert (header.pid, header.tid, header.uid, header.gid) == (13629, 13629, 0, 0)
    assert (header.time, header.start, header.cgroup, header.comm) == (3693115271934, 3693048740491, 1, b"python3")
    assert (message.ppid, message.euid, message.loginuid) == (13590, 0, -1)
    assert message.filename == b"/root/.pyenv/versions/3.11.7/bin/python3"
    assert message.argv is None


def test_argument_line_is_unescaped_into_the_argument_area() -> None:
    message = parse_line(ARGS)
    assert message == ExecArgs(13643, 0, 17809, 13643, 46, b"bash\0/root/.pyenv/libexec/pyenv-which\0python3\0")


def test_fork_line_unpacks_ids() -> None:
    message = parse_line(FORK)
    assert isinstance(message, Fork)
    assert (message.header.uid, message.header.gid) == (101, 104)
    assert (message.ppid, message.euid, message.loginuid) == (2201, 101, -1)


@pytest.mark.parametrize(
    ("code", "group", "flags", "status"),
    [(768, 768, 4, 3), (0, 0, 4, 0), (9, 9, 4, 137), (256, 0, 0, 1), (0, 15, 4, 143)],
)
def test_exit_status_is_the_code_or_128_plus_the_signal(code: int, group: int, flags: int, status: int) -> None:
    line = EXIT.replace(b"\\t768\\t768\\t4", f"\\t{code}\\t{group}\\t{flags}".encode())
    message = parse_line(line)
    assert isinstance(message, Exit)
    assert message.status == status


def test_failed_open_has_a_negative_result_and_the_cwd_descriptor() -> None:
    message = parse_line(OPEN_FAILED)
    assert isinstance(message, Open)
    assert (message.ret, message.dfd, message.flags, message.mode) == (-2, -100, 0, 0)
    assert message.path == b"/root/.pgpass"


def test_path_with_a_tab_and_bytes_that_are_not_utf8_comes_back_exactly() -> None:
    message = parse_line(OPEN_ODD)
    assert isinstance(message, Open)
    assert message.path == b"/tmp/bt/x/t\tab\xc3\xa9\xff"
    assert (message.flags, message.mode) == (0o4501, 0o666)  # O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK, mode 0666
    assert message.ret == 3 and message.dfd == -100


def test_an_escaped_backslash_before_u_is_left_alone() -> None:
    line = printf(b"O", b"1", b"4294967297", b"0", b"1", b"1", b"cat", b"17179869084", b"0", rb"/tmp/a\\uffffff41")
    message = parse_line(line)
    assert isinstance(message, Open)
    assert message.path == b"/tmp/a\\uffffff41"


def test_connect_lines_give_addresses_and_ports() -> None:
    v4 = parse_line(CONNECT4)
    assert isinstance(v4, Connect)
    assert (v4.ret, v4.family, v4.daddr, v4.dport, v4.saddr, v4.sport, v4.proto) == (
        -115,
        2,
        "127.0.0.1",
        5432,
        "127.0.0.1",
        56266,
        6,
    )
    v6 = parse_line(CONNECT6)
    assert isinstance(v6, Connect)
    assert (v6.family, v6.daddr, v6.dport, v6.saddr) == (10, "::1", 9, "")


def test_setuid_line() -> None:
    message = parse_line(SETUID)
    assert message == SetId(message.header, "u", 1000, -1)  # type: ignore[union-attr]


def test_chdir_line() -> None:
    chdir = parse_line(printf(b"W", b"5", b"4294967297", b"0", b"1", b"1", b"sh", b"-100", b"/etc"))
    assert isinstance(chdir, Chdir) and (chdir.fd, chdir.path) == (-100, b"/etc")
    fchdir = parse_line(printf(b"W", b"5", b"4294967297", b"0", b"1", b"1", b"sh", b"3", b""))
    assert isinstance(fchdir, Chdir) and (fchdir.fd, fchdir.path) == (3, b"")


def test_control_lines() -> None:
    assert parse_line(b'{"type": "lost_events", "data": {"events": 15}}') == Lost(15)
    counters = parse_line(b'{"type": "map", "data": {"@emitted": {"U": 1, "O": 2217}}}')
    assert counters == Counters("@emitted", {"U": 1, "O": 2217})
    assert parse_line(b'{"type": "map", "data": {"@opens": 9815}}') == Counters("@opens", {"": 9815})
    assert parse_line(b'{"type": "attached_probes", "data": {"probes": 34}}') == Ready(probes=34)
    assert parse_line(b'{"type": "printf", "data": "R\\t13598\\n"}') == Ready(pid=13598)
    assert parse_line(b'{"type": "time", "data": "10:00:00"}') is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"type": "printf", "data": "O\\t1\\t2', "invalid_json"),  # cut in the middle
        (b"[1, 2]", "invalid_json"),
        (b'{"type": "printf", "data": "O\\t1\\t2\\t3\\n"}', "bad_fields"),
        (b'{"type": "printf", "data": "C\\tx\\ty\\t1\\t1\\t1\\tc\\t1\\t2\\t3\\t4\\t5\\t6\\t7\\t8\\n"}', "bad_fields"),
        (b'{"type": "printf", "data": "Z\\t1\\n"}', "unknown_message"),
    ],
)
def test_bad_lines_are_unreadable_with_a_reason(line: bytes, reason: str) -> None:
    message = parse_line(line)
    assert isinstance(message, Unreadable)
    assert message.reason == reason
    assert message.detail


def test_buffer_escapes() -> None:
    assert unescape_buffer(rb"a\x00b\x0a\xff") == b"a\0b\n\xff"
    assert unescape_buffer(b"plain") == b"plain"
    assert isinstance(parse_printf(b"E\tnot\tenough"), Unreadable)
