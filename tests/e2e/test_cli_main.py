"""The ``jackwatch`` entry point: help, version, and usage errors without tracebacks."""

from __future__ import annotations

import pytest
from tests.e2e.runner import run_cli, run_jackwatch

from jackwatch import __version__


def test_version_from_the_console_script() -> None:
    result = run_jackwatch("--version")
    assert result.code == 0, result.describe()
    version, reader = result.text.strip().splitlines()
    assert version == f"jackwatch {__version__}"
    assert reader.startswith("invocation log reader: ")


def test_version_says_the_compiled_reader_is_turned_off() -> None:
    result = run_jackwatch("--version", env={"JACKWATCH_NATIVE": "0"})
    assert result.code == 0, result.describe()
    assert result.text.strip().splitlines()[1] == "invocation log reader: Python (JACKWATCH_NATIVE=0)"


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.code == 0, result.describe()
    for command in ("detect", "findings", "demo", "rules"):
        assert command in result.text
    assert "LLMjacking" in result.text


def test_detect_help_explains_the_inputs_and_options() -> None:
    result = run_cli("detect", "--help")
    assert result.code == 0, result.describe()
    text = " ".join(result.text.split())
    for phrase in ("FILE", "DIR", "'-' (stdin)", "s3://bucket/prefix", "sqs://", "lookup://"):
        assert phrase in text, phrase
    for option in ("--format", "--output", "--since", "--until", "--fail-on", "--rules", "--config", "--db"):
        assert option in text, option


def test_help_flows_paragraphs_and_keeps_placeholders() -> None:
    """A docstring's line breaks are not the help's: a command's summary is one line on a wide terminal, and
    ``<placeholders>`` in option help are shown, not taken for markup."""
    wide = {"COLUMNS": "400"}
    commands = run_jackwatch("--help", env=wide)
    assert commands.code == 0, commands.describe()
    summary = "print findings (with what the activity behind each cost) and what was read or skipped."
    assert any(summary in line for line in commands.text.splitlines()), commands.text
    update = run_jackwatch("db", "update", "--help", env=wide)
    assert "(<URL>/<ecosystem>/all.zip)" in update.text, update.text


@pytest.mark.parametrize("command", [("findings",), ("demo",), ("rules",), ("rules", "validate")])
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = run_cli(*command, "--help")
    assert result.code == 0, result.describe()
    assert f"Usage: jackwatch {' '.join(command)}" in " ".join(result.text.split())


def test_no_command_shows_the_help_and_fails() -> None:
    result = run_cli()
    assert result.code == 2, result.describe()
    assert "detect" in result.stderr + result.text


@pytest.mark.parametrize(
    "args",
    [("frobnicate",), ("detect",), ("detect", "-", "--no-such-option"), ("rules", "lint")],
    ids=["unknown-command", "no-input", "unknown-option", "unknown-subcommand"],
)
def test_usage_errors_exit_2_with_a_hint(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert "--help" in result.stderr and "Traceback" not in result.stderr
