"""Entry point: the ``jackwatch`` Typer application and the translation of errors into exit codes.

Exit codes: 0 success; 1 a finding reached ``--fail-on`` or rules failed validation/tests; 2 bad usage,
unreadable input or a store/configuration error.
"""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console

from jackwatch import __version__
from jackwatch.cli import demo, detect, findings, rules
from jackwatch.errors import JackwatchError

EXIT_USAGE = 2

app = typer.Typer(
    name="jackwatch",
    help="Find LLMjacking — stolen cloud and LLM credentials used to run models on your bill — in cloud audit logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.command(name="detect")(detect.detect)
app.command(name="findings")(findings.findings)
app.command(name="demo")(demo.demo)
app.add_typer(rules.app, name="rules")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jackwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """jackwatch: LLMjacking detection for AWS CloudTrail (more sources to come)."""


def main() -> None:
    """Run the CLI and exit with its code; a :class:`JackwatchError` becomes a one-line message and exit 2."""
    try:
        result = app(standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        Console(stderr=True).print("Aborted.")
        sys.exit(130)
    except JackwatchError as error:
        Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {error}")
        sys.exit(EXIT_USAGE)
    sys.exit(result if isinstance(result, int) else 0)
