"""Reading Falco's JSON alerts: records, JSON Lines files with Falco's log lines between them, stdin, directories,
bad alerts counted with their location, the time window, and the ``falco:`` input kind."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.falco.alerts import DROP_ALERT, HOST_ALERT, SHADOW_ALERT, SHELL_ALERT, alert
from tests.unit.sources.sourcekit import gzipped_lines, json_lines, put, reader_of, rejection

from jackwatch.errors import ConfigError, SourceError
from jackwatch.sources.falco import ReadOptions, read_falco_alerts, to_event
from jackwatch.sources.inputs import ReadRequest, kinds_of, read_inputs
from jackwatch.sources.reading.records import content_id
from jackwatch.sources.stats import ReadStats

read = reader_of(read_falco_alerts)


def test_an_alert_becomes_an_event_named_after_its_rule() -> None:
    event = to_event(SHELL_ALERT, "alerts.jsonl")
    assert (event.source, event.name, event.origin) == ("falco_alert", "Terminal shell in container", "alerts.jsonl")
    assert event.time == datetime(2026, 5, 1, 10, 12, 7, 498271, tzinfo=UTC)
    assert event.id == content_id(SHELL_ALERT)
    assert event.raw is SHELL_ALERT
    assert to_event(alert(SHELL_ALERT, uuid="6f1c1a1e-7d61-4b1f-9d0e-4b8e9b3c2a10"), "x").id.startswith("6f1c1a1e")
    assert to_event(alert(SHADOW_ALERT, output_fields=None), "x").name == "Read sensitive file untrusted"


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"rule": None}, "missing_field", "missing rule"),
        ({"rule": " "}, "invalid_field", "rule must be a non-empty string"),
        ({"priority": None}, "missing_field", "missing priority"),
        ({"priority": "Urgent"}, "invalid_field", "priority 'Urgent' is not a Falco priority"),
        ({"time": None}, "missing_field", "missing time"),
        ({"time": "yesterday"}, "invalid_field", "time 'yesterday' is not an RFC 3339 timestamp"),
        ({"output_fields": ["container.id"]}, "invalid_field", "output_fields must be an object"),
        ({"tags": "container"}, "invalid_field", "tags must be a list of strings"),
    ],
)
def test_bad_alerts_are_rejected(change: dict[str, object], reason: str, message: str) -> None:
    error = rejection(to_event, alert(SHELL_ALERT), change, "alerts.jsonl")
    assert error.reason == reason
    assert message in error.message


def test_priorities_in_any_case() -> None:
    for priority in ("EMERGENCY", "alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"):
        assert to_event(alert(SHELL_ALERT, priority=priority), "x").name == "Terminal shell in container"


def test_a_falco_file_output_with_log_lines_and_broken_alerts(tmp_path: Path) -> None:
    lines = [
        b"Fri May  1 10:12:00 2026: Falco version: 0.39.2 (x86_64)\n",
        json_lines([SHELL_ALERT]),
        b"Fri May  1 10:12:00 2026: Loading rules from file /etc/falco/falco_rules.yaml\n",
        json_lines([SHADOW_ALERT, alert(HOST_ALERT, priority="Urgent"), DROP_ALERT]),
        b'{"output": "10:20:00.0: Warning cut short',
    ]
    path = put(tmp_path / "falco_events.json", b"".join(lines))
    events, stats = read([path])
    assert [event.name for event in events] == [
        "Terminal shell in container",
        "Read sensitive file untrusted",
        "Falco internal: syscall event drop",
    ]
    assert stats.events_read == 3
    assert dict(stats.skipped) == {"invalid_json": 1, "invalid_field": 1}
    where = {(problem.reason, problem.location.line) for problem in stats.problems}
    assert where == {("ignored", 1), ("invalid_field", 5), ("invalid_json", 7)}
    assert "2 line(s) of Falco's own log (not alerts) left out" in [problem.message for problem in stats.problems]


def test_log_lines_across_chunks_and_a_last_line_without_newline(tmp_path: Path) -> None:
    data = json_lines([SHELL_ALERT]) + b"Falco initialized with configuration files:\n" + json_lines([SHADOW_ALERT])
    path = put(tmp_path / "falco.log", data + b"Fri May  1 10:30:00 2026: SIGINT received, exiting...")
    for threshold in (len(data) * 2, len(json_lines([SHELL_ALERT])) + 100):  # in one piece, then line by line
        events, stats = read([path], options=ReadOptions(stream_threshold=threshold))
        assert [event.name for event in events] == ["Terminal shell in container", "Read sensitive file untrusted"]
        assert [(problem.reason, problem.location.line) for problem in stats.problems] == [("ignored", 2)]
        assert stats.events_skipped == 0


def test_standard_input(tmp_path: Path) -> None:
    stdin = io.BytesIO(json_lines([SHELL_ALERT, HOST_ALERT]))
    events, stats = read(["-"], options=ReadOptions(stdin=stdin))
    assert [event.origin for event in events] == ["<stdin>", "<stdin>"]
    assert stats.events_read == 2


def test_a_directory_of_rotated_files(tmp_path: Path) -> None:
    put(tmp_path / "falco" / "events.json", json_lines([SHELL_ALERT]))
    put(tmp_path / "falco" / "events.json.1.gz", gzipped_lines([SHADOW_ALERT, HOST_ALERT]))
    put(tmp_path / "falco" / "falco.yaml", b"json_output: true\n")
    events, stats = read([tmp_path / "falco"])
    assert sorted(event.name for event in events) == sorted(
        ["Terminal shell in container", "Read sensitive file untrusted", "Netcat/Socat Remote Code Execution on Host"]
    )
    assert stats.files_read == 2


def test_the_time_window(tmp_path: Path) -> None:
    path = put(tmp_path / "alerts.jsonl", json_lines([SHELL_ALERT, SHADOW_ALERT, HOST_ALERT]))
    events, _ = read(
        [path], since=datetime(2026, 5, 1, 10, 13, tzinfo=UTC), until=datetime(2026, 5, 1, 10, 14, tzinfo=UTC)
    )
    assert [event.name for event in events] == ["Read sensitive file untrusted"]


def test_inputs_are_checked_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="local files or standard input"):
        read(["https://falco.example/alerts"])
    with pytest.raises(ConfigError, match="only once"):
        read(["-", "-"])
    with pytest.raises(SourceError, match="no such file"):
        read([tmp_path / "missing.jsonl"])


def test_the_falco_input_kind(tmp_path: Path) -> None:
    path = put(tmp_path / "alerts.jsonl", json_lines([SHELL_ALERT, SHADOW_ALERT]))
    stats = ReadStats()
    events = list(read_inputs([f"falco:{path}"], stats, ReadRequest()))
    assert [event.source for event in events] == ["falco_alert", "falco_alert"]
    assert kinds_of([f"falco:{path}"]) == frozenset({"falco_alert"})


def test_an_indented_array_of_alerts(tmp_path: Path) -> None:
    """``jq -s . falco_events.json``: every line of the array but the brackets starts with a blank."""
    path = put(tmp_path / "alerts.json", orjson.dumps([SHELL_ALERT, HOST_ALERT], option=orjson.OPT_INDENT_2))
    events, stats = read([path])
    assert [event.name for event in events] == ["Terminal shell in container", HOST_ALERT["rule"]]
    assert stats.problems == []
