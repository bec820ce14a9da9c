"""Falco alerts as Falco writes them with ``json_output: true`` (the shapes of Falco 0.3x and of 0.38+)."""

from __future__ import annotations

import copy
from typing import Any

SHELL_ALERT: dict[str, Any] = {
    "hostname": "node-1",
    "output": "10:12:07.498271289: Notice A shell was spawned in a container with an attached terminal | "
    "evt_type=execve user=root user_uid=0 user_loginuid=-1 process=sh proc_exepath=/bin/dash parent=runc "
    "command=sh terminal=34816 exe_flags=EXE_WRITABLE container_id=3f2a9c1b7d4e container_name=app",
    "output_fields": {
        "container.id": "3f2a9c1b7d4e",
        "container.image.repository": "ghcr.io/acme/openai-app",
        "container.image.tag": "1.4.2",
        "container.name": "app",
        "evt.arg.flags": "EXE_WRITABLE",
        "evt.time": 1777630327498271289,
        "evt.type": "execve",
        "k8s.ns.name": "prod",
        "k8s.pod.name": "openai-app-7d9f8c6b5-x2kq4",
        "proc.cmdline": "sh",
        "proc.exepath": "/bin/dash",
        "proc.name": "sh",
        "proc.pname": "runc",
        "proc.tty": 34816,
        "user.loginuid": -1,
        "user.name": "root",
        "user.uid": 0,
    },
    "priority": "Notice",
    "rule": "Terminal shell in container",
    "source": "syscall",
    "tags": ["T1059", "container", "maturity_stable", "mitre_execution", "shell"],
    "time": "2026-05-01T10:12:07.498271289Z",
}
"""Falco 0.38+: ``hostname``, ``source`` and ``tags`` beside the alert."""

SHADOW_ALERT: dict[str, Any] = {
    "output": "10:13:00.100000000: Warning Sensitive file opened for reading by non-trusted program | "
    "file=/etc/shadow gparent=uvicorn ggparent=containerd-shim gggparent=<NA> evt_type=openat user=app "
    "user_uid=1000 user_loginuid=-1 process=cat proc_exepath=/usr/bin/cat parent=sh command=cat /etc/shadow "
    "terminal=0 container_id=3f2a9c1b7d4e container_name=app",
    "priority": "Warning",
    "rule": "Read sensitive file untrusted",
    "time": "2026-05-01T10:13:00.100000000Z",
    "output_fields": {
        "container.id": "3f2a9c1b7d4e",
        "container.name": "app",
        "evt.time": 1777630380100000000,
        "evt.type": "openat",
        "fd.name": "/etc/shadow",
        "proc.aname[2]": "uvicorn",
        "proc.aname[3]": "containerd-shim",
        "proc.aname[4]": None,
        "proc.cmdline": "cat /etc/shadow",
        "proc.exepath": "/usr/bin/cat",
        "proc.name": "cat",
        "proc.pname": "sh",
        "proc.tty": 0,
        "user.loginuid": -1,
        "user.name": "app",
        "user.uid": 1000,
    },
}
"""Falco 0.3x: no ``hostname``, ``source`` or ``tags``; a missing value is ``null``."""

HOST_ALERT: dict[str, Any] = {
    "hostname": "node-1",
    "output": "10:14:00.000000000: Warning Netcat runs on host | command=nc -l 4444",
    "output_fields": {
        "container.id": "host",
        "container.name": "host",
        "proc.cmdline": "nc -l 4444",
        "proc.name": "nc",
    },
    "priority": "Warning",
    "rule": "Netcat/Socat Remote Code Execution on Host",
    "source": "syscall",
    "tags": ["T1059", "host", "maturity_sandbox", "mitre_execution"],
    "time": "2026-05-01T10:14:00.000000000Z",
}
"""An alert about a process of the host."""

DROP_ALERT: dict[str, Any] = {
    "hostname": "node-1",
    "output": "Falco internal: syscall event drop. 3 system calls dropped in last second.",
    "output_fields": {"ebpf_enabled": "1", "n_drops": "3", "n_drops_buffer_total": "3", "n_evts": "84210"},
    "priority": "Debug",
    "rule": "Falco internal: syscall event drop",
    "time": "2026-05-01T10:15:00.000000000Z",
}
"""Falco's report of dropped system calls."""


def alert(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level ``changes`` (a ``None`` value removes the key)."""
    found = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            found.pop(key, None)
        else:
            found[key] = value
    return found
