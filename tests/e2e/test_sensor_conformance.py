"""Falco conformance and package use with the eBPF sensor on this machine: real actions, upstream rules, in-use.

One sensor (``jackwatch sensor run``, as a subprocess) runs with Falco's three upstream rule files, loaded
unchanged after the built-in pack, and a later file enabling the sandbox's hidden-file rule (as Falco users do).
While it watches, the test reads /etc/shadow from Python, writes and removes a file below /etc, creates a hidden
file, searches for AWS credentials and private keys with ``find``, and, from a process moved into a cgroup named
like a containerd container's, opens a shell on a terminal (a pseudo-terminal) and one without. A Python process of
a throw-away virtualenv, with two wheels built here installed before the sensor starts, imports one of them.

The sensor's findings must name the upstream rules, and the in-use state read from the store it wrote must say
``in_use`` for the imported package and ``not_seen`` (or ``unknown``, still learning) for the other.

``Terminal shell in container`` needs the shell's parent to be a container entrypoint (``proc.pname`` ``runc``,
``containerd-shim``… or none), so the Python parent is started through a link named ``runc``: a Python parent
under its own name is the app's child, which that rule leaves to ``Run shell untrusted`` and the runtime pack.

Marked ``ebpf``: they run as root (and always in CI, where a missing bpftrace is a failure, not a skip).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.datasets import DATASETS, needs
from tests.e2e.runner import run_jackwatch
from tests.e2e.test_sensor_ebpf import Sensor, _fake_container, _remove_cgroups, require_ebpf, run
from tests.unit.inventory.trees import build_wheel

from jackwatch.runtime import RootUsage, UsageState, in_use_report
from jackwatch.store import open_store

RULES = DATASETS / "falco-rules" / "rules"
FALCO_FILES = [RULES / name for name in ("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml")]
ENABLE_HIDDEN_FILES = "- rule: Create Hidden Files or Directories\n  enabled: true\n"

pytestmark = [pytest.mark.ebpf, needs(RULES)]

TERMINAL_PARENT = """
import os, pty, sys
sys.stdin.readline()
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", "exit 0", "tty-{token}"])
while True:
    try:
        if not os.read(fd, 1024):
            break
    except OSError:
        break
os.waitpid(pid, 0)
os.spawnv(os.P_WAIT, "/bin/sh", ["sh", "-c", "exit 0", "notty-{token}"])
"""
"""A container entrypoint: once moved into the container, a shell on a new terminal, then one without."""

IMPORTER = "# jw-{token}\nimport {used}\nprint({used}.__file__)\n"


def _env() -> dict[str, str]:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def _virtualenv(top: Path, used: str, unused: str) -> Path:
    """A virtualenv (without pip) with two wheels built here installed by this interpreter's pip, no index."""
    wheels = top / "wheels"
    wheels.mkdir()
    build_wheel(wheels, used, "1.0.0", modules=[used])
    build_wheel(wheels, unused, "2.0.0", modules=[unused])
    run(sys.executable, "-m", "venv", "--without-pip", str(top / "venv"))
    python = top / "venv" / "bin" / "python"
    for name in (used, unused):
        pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index"]
        run(*pip, "--find-links", str(wheels), name, env=_env())
    return top / "venv"


@dataclass
class Conformance:
    """What the sensor reported while the test acted."""

    token: str
    report: dict[str, Any]
    records: list[dict[str, Any]]
    container_id: str
    db: Path
    venv: Path
    used: str
    unused: str
    etc_file: str
    hidden: Path

    def __repr__(self) -> str:  # shown when an assertion fails
        return f"Conformance(rules={sorted({f['rule_id'] for f in self.report['findings']})})"

    def findings(self, rule_id: str) -> list[dict[str, Any]]:
        return [finding for finding in self.report["findings"] if finding["rule_id"] == rule_id]


@pytest.fixture(scope="module")
def conformance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Conformance]:
    require_ebpf()
    token = secrets.token_hex(4)
    work = tmp_path_factory.mktemp("conformance")
    used, unused = f"jwused{token}", f"jwunused{token}"
    venv = _virtualenv(work, used, unused)  # before the sensor starts: pip's writes are no use of the packages
    enable = work / "enable.yaml"
    enable.write_text(ENABLE_HIDDEN_FILES)
    runc = work / "runc"  # a Python interpreter under a container entrypoint's name
    runc.symlink_to(os.path.realpath(sys.executable))
    container_id = secrets.token_hex(32)
    pod_uid = "7c1e0a52-3b4d-4f6e-8a9b-" + secrets.token_hex(6)
    etc_file, hidden = f"/etc/jw-conformance-{token}", work / f".jw-hidden-{token}"
    events, db = work / "events.jsonl", work / "sensor.db"
    rules = [arg for path in (*FALCO_FILES, enable) for arg in ("--rules", path)]
    sensor = Sensor("--duration", "300", "--events", events, "--format", "json", "--db", db, *rules)
    cgroups: list[Path] = []
    try:
        python, tag = sys.executable, f"# jw-{token}\n"
        run(str(venv / "bin" / "python"), "-c", IMPORTER.format(token=token, used=used))
        run(python, "-c", f"{tag}import os; os.close(os.open('/etc/shadow', os.O_RDONLY))")
        run(python, "-c", f"{tag}import os; os.close(os.open('/etc/hostname', os.O_RDONLY))")
        run(python, "-c", f"{tag}open({etc_file!r}, 'w').write('x')")
        Path(etc_file).unlink()  # undone at once
        run(python, "-c", f"{tag}open({str(hidden)!r}, 'w').write('x')")
        hidden.unlink()
        run("find", str(work), "-path", f"*/jw-{token}/.aws/credentials")
        run("find", str(work), "-name", "id_rsa", "-path", f"*jw-{token}*")
        parent = subprocess.Popen(
            [str(runc), "-c", TERMINAL_PARENT.format(token=token)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        cgroups = _fake_container(parent.pid, container_id, pod_uid)
        assert parent.stdin is not None
        parent.stdin.write(b"go\n")
        parent.stdin.close()
        assert parent.wait(timeout=60) == 0
        time.sleep(2.0)
        run("/bin/true")  # the host is observed for more than the short learning period of the in-use tests
        time.sleep(1.5)  # let the last events reach the sensor
        code, report = sensor.stop(signal.SIGTERM)
        assert code == 0, sensor.stderr.decode(errors="replace")
        records = [json.loads(line) for line in events.read_text().splitlines()]
        yield Conformance(token, report, records, container_id, db, venv, used, unused, etc_file, hidden)
    finally:
        if sensor.process.poll() is None:
            sensor.process.kill()
            sensor.process.wait()
        Path(etc_file).unlink(missing_ok=True)
        hidden.unlink(missing_ok=True)
        _remove_cgroups(cgroups)


def test_the_upstream_files_loaded_next_to_the_builtin_pack(conformance: Conformance) -> None:
    stats = conformance.report["stats"]
    assert stats["mode"] == "ebpf"
    assert stats["rules_loaded"] > 25 + 31 + 37 and stats["rules_loaded"] - stats["rules_evaluated"] == 22
    # the only warning: the 13 rules whose fields are not provided (docs/falco.md); 9 more are disabled upstream
    [warning] = stats["rule_warnings"]
    assert "13 rules of source 'syscall' use fields jackwatch does not provide" in warning


def test_read_sensitive_file_untrusted(conformance: Conformance) -> None:
    (finding,) = conformance.findings("read_sensitive_file_untrusted")
    files = finding["evidence"]["files"]
    assert "/etc/shadow" in files and "/etc/hostname" not in files
    assert finding["principal"].startswith("host:")


def test_write_below_etc(conformance: Conformance) -> None:
    findings = conformance.findings("write_below_etc")
    assert findings, conformance
    assert any(conformance.etc_file in finding["evidence"]["files"] for finding in findings)
    assert not Path(conformance.etc_file).exists()


def test_create_hidden_files_or_directories(conformance: Conformance) -> None:
    findings = conformance.findings("create_hidden_files_or_directories")
    assert findings, conformance
    assert any(str(conformance.hidden) in finding["evidence"]["files"] for finding in findings)


def test_find_aws_credentials_and_private_keys(conformance: Conformance) -> None:
    for rule_id, word in (("find_aws_credentials", ".aws/credentials"), ("search_private_keys_or_passwords", "id_rsa")):
        findings = conformance.findings(rule_id)
        assert findings, (rule_id, conformance)
        commands = [command for finding in findings for command in finding["evidence"]["commands"]]
        assert any(word in command and conformance.token in command for command in commands), commands


def test_terminal_shell_in_container(conformance: Conformance) -> None:
    findings = conformance.findings("terminal_shell_in_container")
    # other containers (of tests running at the same time) may have their own finding: ours is about our container
    (finding,) = [f for f in findings if f["principal"] == conformance.container_id[:12]]
    assert finding["container"]["id"] == conformance.container_id
    commands = " ".join(finding["evidence"]["commands"])
    assert f"tty-{conformance.token}" in commands and f"notty-{conformance.token}" not in commands
    assert finding["lineage"][0]["name"] == "runc"


def _venv_root(conformance: Conformance, learning: timedelta) -> RootUsage:
    with open_store(f"sqlite:///{conformance.db}") as store:
        report = in_use_report(store, learning=learning)
    (root,) = [usage for usage in report if conformance.used in {p.use.name for p in usage.packages}]
    return root


def test_the_imported_package_is_in_use_and_the_other_is_not(conformance: Conformance) -> None:
    root = _venv_root(conformance, timedelta(seconds=1))
    assert root.root.ref.startswith("file://") and root.learning_over
    states = {package.use.name: package for package in root.packages}
    used, unused = states[conformance.used], states[conformance.unused]
    assert used.state is UsageState.IN_USE
    assert used.use.example_path is not None and str(conformance.venv) in used.use.example_path
    assert unused.state is UsageState.NOT_SEEN and unused.use.first_used is None


def test_the_other_package_is_unknown_while_learning(conformance: Conformance) -> None:
    root = _venv_root(conformance, timedelta(hours=24))
    states = {package.use.name: package.state for package in root.packages}
    assert states[conformance.used] is UsageState.IN_USE
    assert states[conformance.unused] is UsageState.UNKNOWN and not root.learning_over


def test_inuse_command_on_the_sensors_store(conformance: Conformance) -> None:
    result = run_jackwatch("inuse", "--db", conformance.db, "--learning", "1s", "--format", "json")
    assert result.code == 0, result.describe()
    done_roots = json.loads(result.text)["roots"]
    states = {p["name"]: p["state"] for root in done_roots for p in root["packages"]}
    assert states[conformance.used] == "in_use" and states[conformance.unused] == "not_seen"
