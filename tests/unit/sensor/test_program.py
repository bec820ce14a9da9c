"""The program the sensor loads: filters pasted in, probes of missing tracepoints left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jackwatch.sensor import filters
from jackwatch.sensor.program import REQUIRED_TRACEPOINTS, build, drop_missing, fill, source, tracefs_exists

ALL_TRACEPOINTS = sorted({f"{g}/{n}" for g, n in re.findall(r"tracepoint:(\w+):(\w+)", source())})


def test_every_placeholder_is_filled() -> None:
    text = fill(source())
    assert not re.search(r"@[A-Z_]+@", text)
    assert filters.name_rules().splitlines()[0] in text
    assert text.count("$rule = 2;") == 3  # the path rules in each of the three enters


def test_an_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(ValueError, match="@NOPE@"):
        fill("BEGIN { @NOPE@ }")


def test_probes_of_missing_tracepoints_are_left_out() -> None:
    text = fill(source())
    absent = {"syscalls/sys_enter_open", "syscalls/sys_exit_open", "syscalls/sys_enter_openat2"}
    program = drop_missing(text, lambda name: name not in absent)
    assert set(program.missing) == absent
    assert "tracepoint:syscalls:sys_enter_open " not in program.text
    assert "sys_enter_openat2" not in program.text
    # a probe attached to several tracepoints keeps the others
    assert re.search(r"tracepoint:syscalls:sys_exit_openat,\s*tracepoint:syscalls:sys_exit_openat2", program.text)
    assert "sys_exit_open," not in program.text and "sys_exit_open\n" not in program.text
    assert "BEGIN" in program.text and "END" in program.text


def test_a_probe_whose_tracepoints_are_all_missing_goes_whole() -> None:
    text = "BEGIN { }\ntracepoint:a:b, tracepoint:a:c\n{\n  x;\n}\ntracepoint:a:d { y; }\n"
    program = drop_missing(text, lambda name: name == "a/d")
    assert program.text == "BEGIN { }\ntracepoint:a:d { y; }\n"
    assert program.missing == ("a/b", "a/c")


def test_build_reads_the_tracepoints_of_a_tracefs(tmp_path: Path) -> None:
    for name in ALL_TRACEPOINTS:
        if name != "syscalls/sys_enter_openat2":
            (tmp_path / "events" / name).mkdir(parents=True)
    program = build(tmp_path)
    assert program.missing == ("syscalls/sys_enter_openat2",)
    assert tracefs_exists(tmp_path)("sched/sched_process_exec")
    assert set(REQUIRED_TRACEPOINTS) <= set(ALL_TRACEPOINTS)
