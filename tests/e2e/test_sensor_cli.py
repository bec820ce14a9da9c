"""``jackwatch sensor run`` without eBPF (/proc polling): reports, events file, store, and when it cannot run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.runner import run_cli


def test_proc_polling_reports_what_it_saw_and_its_blind_spots(tmp_path: Path) -> None:
    held = tmp_path / "credentials"
    held.write_text("[default]\n")
    code = f"import sys, time; f = open({str(held)!r}); print('ready', flush=True); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        events = tmp_path / "out" / "events.jsonl"
        result = run_cli(
            "sensor", "run", "--no-ebpf", "--duration", "1", "--interval", "0.2", "--events", events,
            "--format", "json", "--db", tmp_path / "store.db",
        )  # fmt: skip
    finally:
        child.kill()
        child.wait()
    assert result.code == 0, result.describe()
    assert "watching with /proc polling (no eBPF: turned off with --no-ebpf)" in result.stderr
    report = result.report()
    stats = report["stats"]
    assert stats["mode"] == "proc" and stats["blind_spots"] and stats["events_dropped"] == {}
    assert stats["events_seen"]["openat"] >= 1 and stats["processes_seeded"] > 1
    assert report["findings"] == [] or all("lineage" in finding for finding in report["findings"])
    records = [json.loads(line) for line in events.read_text().splitlines()]
    assert any(r["proc"]["pid"] == child.pid and r["fd"]["name"] == str(held) for r in records if r["type"] == "openat")


def test_table_report(tmp_path: Path) -> None:
    result = run_cli("sensor", "run", "--no-ebpf", "-d", "0.3", "--no-store", "-q")
    assert result.code == 0, result.describe()
    assert "sensor: proc" in result.text and "events seen:" in result.text
    assert result.stderr == ""


def test_no_way_to_watch_is_exit_2_with_the_reason() -> None:
    result = run_cli("sensor", "run", "--no-ebpf", "--proc", "/nonexistent", "--no-store", "-d", "1")
    assert result.code == 2
    assert "the sensor cannot run here: no eBPF (turned off with --no-ebpf) and no /proc at /nonexistent" in (
        result.stderr
    )


def test_unwritable_events_file_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("sensor", "run", "--no-ebpf", "-d", "0.1", "--no-store", "--events", blocker / "events.jsonl")
    assert result.code == 2
    assert f"cannot write events to {blocker / 'events.jsonl'}" in result.stderr


def test_ocsf_is_not_a_sensor_format() -> None:
    result = run_cli("sensor", "run", "--no-ebpf", "-d", "0.1", "--no-store", "--format", "ocsf")
    assert result.code == 2 and "table, json or jsonl" in result.stderr
