"""Run the ``jackwatch`` command line in this process (through ``jackwatch.cli.main.main``) or as a real
subprocess of the installed console script, and capture its exit code, stdout bytes and stderr text."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from jackwatch.cli.main import main

REPO = Path(__file__).resolve().parents[2]
EXECUTABLE = Path(sys.executable).with_name("jackwatch")
"""The console script installed beside the interpreter running the tests (``.venv/bin/jackwatch``)."""

SUBPROCESS_TIMEOUT = 120


@dataclass(frozen=True, slots=True)
class CliResult:
    """What one run of the command line did."""

    code: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        """Standard output as text."""
        return self.stdout.decode("utf-8")

    def json(self) -> Any:
        """Standard output parsed as one JSON document."""
        return json.loads(self.stdout)

    def jsonl(self) -> list[Any]:
        """Standard output parsed as JSON Lines."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def report(self) -> dict[str, Any]:
        """The ``{"findings": [...], "stats": {...}}`` object of ``--format json``."""
        body = self.json()
        assert isinstance(body, dict), body
        return body

    def describe(self) -> str:
        """The run, for assertion messages."""
        return f"exit {self.code}\n--- stderr ---\n{self.stderr}\n--- stdout ---\n{self.text[:4000]}"


def _text_stream(data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", write_through=True)


@contextmanager
def _swapped_stdio(stdin: TextIO, stdout: TextIO, stderr: TextIO, argv: list[str]) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv
    sys.stdin, sys.stdout, sys.stderr, sys.argv = stdin, stdout, stderr, argv
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.argv = saved


def run_cli(*args: str | os.PathLike[str], stdin: bytes = b"") -> CliResult:
    """Run ``jackwatch ARGS…`` in this process, as the console script does, and return what it did."""
    out, err = _text_stream(), _text_stream()
    argv = ["jackwatch", *(os.fspath(arg) for arg in args)]
    with _swapped_stdio(_text_stream(stdin), out, err, argv):
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code
        else:
            raise AssertionError("jackwatch.cli.main.main() returned without sys.exit")
    out.flush()
    err.flush()
    assert isinstance(out.buffer, io.BytesIO) and isinstance(err.buffer, io.BytesIO)
    number = code if isinstance(code, int) else (0 if code is None else 1)
    return CliResult(number, out.buffer.getvalue(), err.buffer.getvalue().decode("utf-8"))


def run_jackwatch(
    *args: str | os.PathLike[str],
    stdin: bytes = b"",
    cwd: Path = REPO,
    env: Mapping[str, str] | None = None,
) -> CliResult:
    """Run the installed ``jackwatch`` console script as a subprocess."""
    completed = subprocess.run(
        [str(EXECUTABLE), *(os.fspath(arg) for arg in args)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr.decode("utf-8", "replace"))
