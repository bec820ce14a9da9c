"""The ``syscall`` source: records to events, what findings are about (principal, evidence), secrets kept out of
outputs, rules that use fields jackwatch does not provide, and the source's inline tests."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.syscall_records import (
    APP_LINEAGE,
    CONTAINER_ID,
    CONTAINERD_SHIM,
    NS,
    SHELL,
    T0,
    UVICORN,
    Proc,
    connect,
    event,
    execve,
    openat,
)
from tests.unit.secrets.samples import anthropic_key

from jackwatch.model import Event, runtime
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import Engine, compile_ruleset
from jackwatch.rules.fields import ArgMode
from jackwatch.rules.fields.docs import render_field_docs
from jackwatch.rules.fields.syscall import lineage_text, principal, scrub, syscall_fields, to_event
from jackwatch.rules.inline_tests import run_inline_tests
from jackwatch.rules.loader import LoadResult, load_texts
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.sources.reading.records import RecordError

FIELDS = syscall_fields()


@cache
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


def load(text: str) -> LoadResult:
    return load_texts([("rules.yaml", text)], registry())


# --------------------------------------------------------------------------------------------- events


def test_a_record_becomes_an_event() -> None:
    raw = execve(SHELL, at=T0 + 1_500)
    found = to_event(raw, "trace.jsonl")
    assert (found.source, found.name, found.origin) == ("syscall", "execve", "trace.jsonl")
    assert found.time == datetime(2026, 5, 1, 10, 0, 0, 1, tzinfo=UTC)
    assert found.raw is raw
    assert found.id == runtime.event_id(raw)  # type: ignore[arg-type]


def test_events_are_those_the_sensor_makes() -> None:
    rng = random.Random(11)
    for stamp in [0, 1, 999, 1_000, T0, T0 + 999_999_999, *(rng.randrange(2**62) for _ in range(2000))]:
        raw = execve(SHELL, at=stamp)
        ours, sensors = to_event(raw, "x"), runtime.to_event(raw, "x")  # type: ignore[arg-type]
        assert (ours.id, ours.time, ours.name, ours.source) == (sensors.id, sensors.time, sensors.name, sensors.source)


def test_event_ids_are_stable_and_tell_events_apart() -> None:
    def event_id(raw: dict[str, Any]) -> str:
        return event(raw).id

    assert event_id(execve(SHELL)) == event_id(execve(SHELL))
    assert event_id(execve(SHELL)) != event_id(execve(SHELL, at=T0 + 1))
    assert event_id(execve(SHELL)) != event_id(execve(SHELL.but(pid=4243)))
    assert event_id(execve(SHELL)) != event_id(execve(SHELL.but(start=T0 - NS)))  # pid reuse
    assert event_id(execve(SHELL)) != event_id(openat(SHELL, "/etc/hosts"))


def test_hand_written_records_may_give_the_time_in_iso_8601() -> None:
    raw = {"type": "execve", "time": "2026-05-01T10:00:00.5Z", "proc": {"pid": 1, "name": "sh", "args": []}}
    assert to_event(raw, "test").time == datetime(2026, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)
    assert FIELDS.fields["evt.rawtime"].extract(to_event(raw, "test"), None) == T0 + NS // 2


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"type": None}, "missing_field", "missing type"),
        ({"type": 3}, "invalid_field", "type must be a non-empty string"),
        ({"time": None}, "missing_field", "missing time"),
        ({"time": 1.5}, "invalid_field", "time must be nanoseconds since the epoch"),
        ({"time": "soon"}, "invalid_field", "time 'soon' is not an ISO 8601 timestamp"),
        ({"proc": None}, "missing_field", "missing proc"),
        ({"proc": {"name": "sh"}}, "missing_field", "missing proc.pid"),
        ({"proc": {"pid": "7"}}, "invalid_field", "proc.pid must be an integer"),
        ({"lineage": {"pid": 1}}, "invalid_field", "lineage must be a list of objects"),
        ({"lineage": [1]}, "invalid_field", "lineage must be a list of objects"),
        ({"host": 7}, "invalid_field", "host must be a string"),
        ({"time": 10**30}, "invalid_field", "is not a time"),
        ({"time": -(10**30)}, "invalid_field", "is not a time"),
    ],
)
def test_bad_records_are_rejected(change: dict[str, Any], reason: str, message: str) -> None:
    raw = execve(SHELL)
    for key, value in change.items():
        if value is None:
            del raw[key]
        else:
            raw[key] = value
    with pytest.raises(RecordError) as caught:
        to_event(raw, "trace.jsonl")
    assert caught.value.reason == reason
    assert message in caught.value.message


def test_a_record_that_is_not_an_object() -> None:
    with pytest.raises(RecordError, match="not a JSON object"):
        to_event([1, 2], "x")  # type: ignore[arg-type]


def test_a_record_without_lineage_is_read() -> None:
    raw = execve(SHELL)
    del raw["lineage"]
    assert FIELDS.fields["proc.pname"].extract(event(raw), None) is None
    assert lineage_text(event(raw)) == "sh[4242]"


# -------------------------------------------------------------------------------- principal, evidence


def test_findings_are_about_the_container_or_the_host() -> None:
    assert principal(event(execve(SHELL))) == CONTAINER_ID[:12]
    assert principal(event(execve(SHELL, container=None))) == "host:node-1"
    raw = execve(SHELL, container=None)
    del raw["host"]
    assert principal(event(raw)) == "host:unknown"


def test_evidence_of_an_exec() -> None:
    raw = execve(
        Proc(5000, "curl", ["-s", "http://169.254.169.254/"], "/usr/bin/curl", ppid=4242), [SHELL, *APP_LINEAGE]
    )
    assert FIELDS.evidence(event(raw)) == {
        "container": CONTAINER_ID[:12],
        "container_name": "app",
        "image": "ghcr.io/acme/openai-app:1.4.2",
        "pod": "prod/openai-app-7d9f8c6b5-x2kq4",
        "host": "node-1",
        "lineage": "containerd-shim[812] > uvicorn[4100] > sh[4242] > curl[5000]",
        "executable": "/usr/bin/curl",
        "command": "curl -s http://169.254.169.254/",
        "user": "root",
    }


def test_evidence_of_a_file_and_a_connection_on_the_host() -> None:
    opened = FIELDS.evidence(event(openat(SHELL, "/root/.aws/credentials", container=None)))
    assert (opened["container"], opened["file"]) == ("host", "/root/.aws/credentials")
    assert "image" not in opened
    called = FIELDS.evidence(event(connect(UVICORN, "162.159.140.245", 443, [CONTAINERD_SHIM], dns="api.openai.com")))
    assert called["connection"] == "162.159.140.245:443 (api.openai.com)"
    assert FIELDS.evidence(event(connect(UVICORN, "10.0.0.9", 5432)))["connection"] == "10.0.0.9:5432"


def test_secrets_are_redacted_from_commands_and_outputs() -> None:
    key = anthropic_key(random.Random(3)).secret
    command = ["-s", "-H", f"x-api-key: {key}", "https://api.anthropic.com/v1/messages"]
    raw = execve(Proc(5000, "curl", command, "/usr/bin/curl", ppid=4242), [SHELL, *APP_LINEAGE])
    redacted = key[:4] + "\u2026" + key[-3:]
    assert (
        FIELDS.evidence(event(raw))["command"]
        == f"curl -s -H x-api-key: {redacted} https://api.anthropic.com/v1/messages"
    )
    assert FIELDS.fields["proc.cmdline"].extract(event(raw), None) == "curl " + " ".join(command)  # conditions see it
    rules = load(
        "- rule: curl with a key\n  id: t.curl\n  condition: proc.name = curl\n  output: 'cmd=%proc.cmdline'\n"
        "  priority: WARNING\n  desc: d\n"
    )
    [match] = Engine(compile_ruleset(rules.ruleset, registry())).process(event(raw))
    assert match.output == f"cmd=curl -s -H x-api-key: {redacted} https://api.anthropic.com/v1/messages"
    assert scrub("nothing secret here") == "nothing secret here"


# ----------------------------------------------------------------------------------- loader, tests


def test_a_rule_using_a_field_jackwatch_does_not_provide_loads_but_is_not_evaluated() -> None:
    result = load(
        "- rule: env with a proxy\n  condition: evt.type = execve and proc.env contains HTTP_PROXY\n"
        "  output: '%proc.name %proc.exe_ino.ctime'\n  priority: NOTICE\n  desc: d\n"
        "- rule: shells\n  condition: evt.type = execve and proc.name = sh\n  output: '%proc.env'\n"
        "  priority: NOTICE\n  desc: d\n"
    )
    assert result.errors == []
    by_name = {rule.name: rule for rule in result.ruleset.rules}
    assert by_name["env with a proxy"].unsupported == "uses field(s) jackwatch does not provide: proc.env"
    assert by_name["shells"].unsupported == ""  # an unavailable field in an output shows <NA>
    assert [str(w) for w in result.warnings] == [
        "rules.yaml:1: 1 rules of source 'syscall' use fields jackwatch does not provide (proc.env); "
        "loaded but not evaluated"
    ]
    [match] = Engine(compile_ruleset(result.ruleset, registry())).process(event(execve(SHELL)))
    assert match.output == "<NA>"


def test_an_unknown_field_is_still_an_error() -> None:
    result = load("- rule: typo\n  condition: proc.nmae = sh\n  output: x\n  priority: NOTICE\n  desc: d\n")
    assert [error.message for error in result.errors] == [
        "rule 'typo': unknown field 'proc.nmae' for source 'syscall' (did you mean 'proc.name'?)"
    ]


def test_inline_tests_with_runtime_records() -> None:
    text = """
- rule: shell below the app
  id: t.shell_below_app
  condition: evt.type = execve and proc.name in (sh, bash) and proc.aname in (uvicorn, gunicorn)
  output: shell %proc.cmdline below %proc.aname[2]
  priority: WARNING
  desc: d
  tests:
    - name: sh -c below uvicorn
      events:
        - type: execve
          time: "2026-05-01T10:00:00Z"
          proc: {pid: 42, ppid: 17, name: sh, exe: /bin/sh, args: [-c, id], uid: 1000, gid: 1000}
          lineage: [{pid: 17, name: python3}, {pid: 1, name: uvicorn}]
      expect: {matches: 1}
    - name: sh -c below bash
      events:
        - type: execve
          time: 1777629600000000000
          proc: {pid: 42, ppid: 17, name: sh, exe: /bin/sh, args: [-c, id], uid: 0, gid: 0}
          lineage: [{pid: 17, name: bash}]
      expect: {matches: 0}
    - name: a record without proc
      events:
        - {type: execve, time: 1777629600000000000}
      expect: {matches: 0}
"""
    outcomes = run_inline_tests(load(text), registry())
    assert [(outcome.name, outcome.passed) for outcome in outcomes] == [
        ("sh -c below uvicorn", True),
        ("sh -c below bash", True),
        ("a record without proc", False),
    ]
    assert "cannot be read as a syscall event: missing proc" in outcomes[2].message


def test_field_reference_page() -> None:
    page = render_field_docs(FIELDS)
    assert page.startswith("# Fields of the `syscall` source")
    assert "only tried on events of those names" in page
    assert "| `proc.aname[<arg>]` (argument optional) |" in page
    assert "| `proc.env` | **Not available**: the sensor does not read process environments. |" in page


def test_events_of_other_sources_are_not_met() -> None:
    rules = load("- rule: any exec\n  condition: evt.type = execve\n  output: x\n  priority: NOTICE\n  desc: d\n")
    engine = Engine(compile_ruleset(rules.ruleset, registry()))
    other = Event("aws_cloudtrail", "execve", datetime(2026, 5, 1, tzinfo=UTC), "x", {})
    assert engine.process(other) == []
    assert len(engine.process(event(execve(SHELL)))) == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_RECORDS = [
    execve(SHELL),
    openat(SHELL, "/etc/shadow"),
    connect(UVICORN, "1.2.3.4", 443, dns="x.example"),
    execve(SHELL) | {"type": "setuid", "target_uid": 0},
]


_KEYS = [
    *("name", "args", "exe", "exepath", "pid", "ppid", "tid", "start", "uid", "euid", "loginuid", "sid", "tty", "cwd"),
    *("id", "image", "pod", "namespace", "type", "flags", "mode", "dip", "sip", "dport", "sport", "dns", "nameraw"),
    *("exe_upper_layer", "time", "res", "lineage", "host", "target_uid", "exit_code", "proc", "fd", "container"),
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_RECORDS),
    st.lists(
        st.tuples(st.sampled_from(["", "proc", "fd", "container", "user", "lineage"]), st.sampled_from(_KEYS), _JSON)
    ),
)
def test_any_values_in_a_record_never_crash_a_field(base: dict[str, Any], changes: list[tuple[str, str, Any]]) -> None:
    raw = copy.deepcopy(base)
    for section, key, value in changes:
        target = raw if not section else raw.get(section)
        if isinstance(target, list) and target:
            target = target[0]
        if isinstance(target, dict):
            target[key] = value
    try:
        found = to_event(raw, "fuzz")
    except RecordError:
        return
    for field in FIELDS.fields.values():
        if field.arg is not ArgMode.REQUIRED:
            field.extract(found, None)
        if field.arg is not ArgMode.NONE:
            field.extract(found, "2")
    assert isinstance(principal(found), str)
    assert all(isinstance(value, str) for value in FIELDS.evidence(found).values())


BAD_VALUES = [None, 0, -1, 2**70, 1.5, True, "", "x", [], [1, None, "a"], {"a": [1]}]


@pytest.mark.parametrize("section", ["", "proc", "fd", "container", "user", "group", "lineage"])
def test_every_key_with_a_wrong_value_never_crashes_a_field(section: str) -> None:
    for base in _RECORDS:
        for key in _KEYS:
            for bad in BAD_VALUES:
                raw = copy.deepcopy(base)
                target = raw if not section else raw.get(section)
                target = target[0] if isinstance(target, list) and target else target
                if isinstance(target, dict):
                    target[key] = bad
                try:
                    found = to_event(raw, "bad")
                except RecordError:
                    continue
                for field in FIELDS.fields.values():
                    if field.arg is not ArgMode.REQUIRED:
                        field.extract(found, None)
                    if field.arg is not ArgMode.NONE:
                        field.extract(found, "1")
                assert isinstance(principal(found), str)
                assert all(isinstance(value, str) for value in FIELDS.evidence(found).values())
