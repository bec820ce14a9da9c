"""The sensor service: records to the sinks and through the rules, findings with their process, stops."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from jackwatch.detect.service import RuleSelection, build_detector
from jackwatch.model.runtime import RuntimeRecord, event_id
from jackwatch.normalize.asn import AsnDb
from jackwatch.sensor.run import (
    EventsFile,
    SensorOptions,
    SensorUnavailable,
    Stop,
    open_source,
    run_sensor,
    stop_on_signals,
)
from jackwatch.sensor.stats import SensorStats

NS = 1_000_000_000
T0 = 1_780_000_000 * NS
CONTAINER = {"id": "ab" * 32, "runtime": "containerd", "pod": "openai-app", "namespace": "prod"}

RULES = """
- rule: Shadow file read
  id: test.shadow_read
  desc: a process read /etc/shadow
  condition: evt.type = openat and fd.name = /etc/shadow
  output: shadow read by %proc.name
  priority: WARNING
  source: syscall
"""


def record(kind: str, seconds: int, pid: int, name: str, **extra: object) -> RuntimeRecord:
    proc = {"pid": pid, "ppid": 1, "exe": name, "name": name, "args": [], "uid": 0, "gid": 0, "start": T0 - NS}
    lineage = [{"pid": 1, "name": "uvicorn", "exe": "uvicorn", "start": T0 - 9 * NS}]
    base = {"type": kind, "time": T0 + seconds * NS, "proc": proc, "lineage": lineage, "host": "node-1"}
    return {**base, **extra}  # type: ignore[return-value]


class ListSource:
    """Records from a list, for the service's tests."""

    def __init__(self, records: list[RuntimeRecord]) -> None:
        self.items = records
        self.stats = SensorStats("test")

    def records(self, stop: Callable[[], bool]) -> Iterator[RuntimeRecord]:
        for item in self.items:
            if stop():
                return
            yield item


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(RULES)
    return build_detector(RuleSelection((path,), builtin=False), AsnDb.load())


def test_findings_carry_the_container_process_and_lineage(detector) -> None:  # type: ignore[no-untyped-def]
    shadow = record("openat", 2, 42, "cat", fd={"type": "file", "name": "/etc/shadow", "flags": 0}, res=3)
    shadow["container"] = CONTAINER  # type: ignore[typeddict-item]
    shadow["user"] = {"uid": 0, "name": "root"}
    other = record("openat", 1, 43, "cat", fd={"type": "file", "name": "/etc/hostname", "flags": 0}, res=3)
    written: list[RuntimeRecord] = []
    matches: list[str] = []
    run = run_sensor(
        detector,
        ListSource([other, shadow]),
        lambda: False,
        [written.append],
        on_finding=lambda r, _: matches.append(r),
    )
    assert written == [other, shadow]
    assert matches == ["test.shadow_read"]
    (finding,) = run.findings
    assert finding.rule_id == "test.shadow_read" and finding.event_ids == (event_id(shadow),)
    assert finding.evidence["container"] == CONTAINER
    assert finding.evidence["process"]["name"] == "cat" and finding.evidence["process"]["user"] == "root"
    assert [a["name"] for a in finding.evidence["lineage"]] == ["uvicorn"]
    assert run.detection.read.events_read == 2 and run.detection.matches["test.shadow_read"] == 1


def test_prelude_comes_first_and_stop_ends_the_run(detector) -> None:  # type: ignore[no-untyped-def]
    first = record("execve", 0, 1, "init")
    items = [record("execve", n, 100 + n, "sh") for n in range(1, 6)]
    seen: list[RuntimeRecord] = []
    stop_after = iter(range(100))
    run_sensor(detector, ListSource(items), lambda: next(stop_after) >= 2, [seen.append], prelude=[first])
    assert seen == [first, items[0], items[1]]


def test_events_file_writes_lines_and_survives_a_full_disk() -> None:
    buffer = io.BytesIO()
    stats = SensorStats("test")
    writer = EventsFile(buffer, stats, "events.jsonl")
    writer(record("execve", 0, 1, "sh"))
    writer.close()
    assert orjson.loads(buffer.getvalue().splitlines()[0])["proc"]["name"] == "sh"
    with open("/dev/full", "wb", buffering=0) as full:
        writer = EventsFile(full, stats, "events.jsonl")
        writer(record("execve", 0, 1, "sh"))
        writer(record("execve", 1, 2, "sh"))
        writer.close()
    assert stats.errors[0].startswith("events.jsonl: No space left on device")
    assert stats.errors[-1] == "events.jsonl: 1 event(s) not written"


def test_stop_by_deadline_or_signal() -> None:
    assert Stop(0.0)()
    assert not Stop(None)()
    with stop_on_signals(None) as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


def test_without_ebpf_and_without_proc_the_sensor_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(SensorUnavailable, match="no /proc"):
        open_source(SensorOptions(ebpf=False, proc=tmp_path))


def test_without_ebpf_the_sensor_polls_proc() -> None:
    opened = open_source(SensorOptions(ebpf=False, interval=0.05))
    assert opened.fallback_reason == "turned off with --no-ebpf"
    assert opened.source.stats.mode == "proc" and opened.source.stats.blind_spots
