"""The one-line summaries of runtime events."""

from __future__ import annotations

from typing import Any

import pytest

from jackwatch.runtime.summary import MAX_SUMMARY, open_mode, summarize

PROC = {
    "pid": 7,
    "ppid": 1,
    "exe": "useradd",
    "exepath": "/usr/sbin/useradd",
    "name": "useradd",
    "args": ["-d", "/dev/shm/zeus", "nairobi"],
}


@pytest.mark.parametrize(
    ("record", "summary"),
    [
        ({"type": "execve", "proc": PROC}, "exec /usr/sbin/useradd -d /dev/shm/zeus nairobi"),
        ({"type": "execve", "proc": {"pid": 7}}, "exec ?"),
        ({"type": "clone", "child_pid": 8, "proc": PROC}, "fork: child 8"),
        ({"type": "procexit", "exit_code": 137, "proc": PROC}, "exit 137"),
        ({"type": "procexit", "proc": PROC}, "exit"),
        ({"type": "openat", "res": 3, "fd": {"name": "/etc/shadow", "flags": 0}}, "open /etc/shadow (read)"),
        (
            {"type": "openat", "res": -13, "fd": {"name": "/etc/shadow", "flags": 0}},
            "open /etc/shadow (read) failed (EACCES)",
        ),
        ({"type": "openat", "fd": {"name": "/etc/x", "flags": 0o1101}}, "open /etc/x (write, create, truncate)"),
        ({"type": "connect", "res": 0, "fd": {"dip": "169.254.169.254", "dport": 80}}, "connect 169.254.169.254:80"),
        (
            {"type": "connect", "fd": {"dip": "2606:4700::1", "dport": 443, "dns": "api.openai.com"}},
            "connect [2606:4700::1]:443 (api.openai.com)",
        ),
        (
            {"type": "connect", "res": -111, "fd": {"name": "/run/app.sock"}},
            "connect /run/app.sock failed (ECONNREFUSED)",
        ),
        ({"type": "setuid", "target_uid": 0}, "setuid 0"),
        ({"type": "setgid"}, "setgid ?"),
        ({"type": "openat", "fd": "bad"}, "open ? (open)"),
    ],
)
def test_summaries(record: dict[str, Any], summary: str) -> None:
    assert summarize(record) == summary


def test_long_summaries_are_cut() -> None:
    record = {"type": "openat", "fd": {"name": "/" + "a" * 1000, "flags": 0}}
    assert len(summarize(record)) == MAX_SUMMARY and summarize(record).endswith("…")


def test_open_modes() -> None:
    assert open_mode(None) == "open"
    assert open_mode(0o2 | 0o2000) == "read-write, append"
    assert open_mode(3) == "open"
