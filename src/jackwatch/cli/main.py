"""Entry point: the ``jackwatch`` Typer application and the translation of errors into exit codes.

Exit codes: 0 success; 1 a finding reached ``--fail-on`` or rules failed validation/tests; 2 bad usage,
unreadable input or a store/configuration error.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from jackwatch import __version__
from jackwatch.cli import accept as accept_cli
from jackwatch.cli import assets, db, demo, detect, findings, fix, incidents, prices, rules
from jackwatch.cli import history as history_cli
from jackwatch.cli import inuse as inuse_cli
from jackwatch.cli import paths as paths_cli
from jackwatch.cli import proctree as proctree_cli
from jackwatch.cli import risks as risks_cli
from jackwatch.cli import sbom as sbom_cli
from jackwatch.cli import scan as scan_cli
from jackwatch.cli import sensor as sensor_cli
from jackwatch.cli import timeline as timeline_cli
from jackwatch.errors import JackwatchError
from jackwatch.sources.bedrock_invocation.native import reader_in_use

EXIT_USAGE = 2

app = typer.Typer(
    name="jackwatch",
    help="Find LLMjacking — stolen cloud and LLM credentials used to run models on your bill — in cloud and LLM "
    "provider logs, put a price on it, and find the weak points that let it happen in images, Kubernetes and cloud "
    "accounts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
app.command(name="detect")(detect.detect)
app.command(name="findings")(findings.findings)
app.command(name="fix")(fix.fix)
app.command(name="incidents")(incidents.incidents)
app.command(name="risks")(risks_cli.risks)
app.command(name="paths")(paths_cli.paths)
app.command(name="accept")(accept_cli.accept)
app.command(name="assets")(assets.assets)
app.command(name="demo")(demo.demo)
app.command(name="prices")(prices.prices)
app.add_typer(rules.app, name="rules")
app.add_typer(db.app, name="db")
app.add_typer(scan_cli.app, name="scan")
app.command(name="sbom")(sbom_cli.sbom)
app.command(name="proctree")(proctree_cli.proctree)
app.command(name="timeline")(timeline_cli.timeline)
app.command(name="inuse")(inuse_cli.inuse)
app.add_typer(history_cli.app, name="history")
app.add_typer(sensor_cli.app, name="sensor")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jackwatch {__version__}\ninvocation log reader: {reader_in_use()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Show the version, and whether invocation logs are read by the compiled reader.",
    ),
) -> None:
    """jackwatch: LLMjacking detection for AWS CloudTrail (more sources to come)."""


def main() -> None:
    """Run the CLI and exit with its code; a :class:`JackwatchError` becomes a one-line message and exit 2."""
    try:
        result = app(standalone_mode=False)
    except typer.TyperException as error:
        _show_usage_error(error)
        sys.exit(error.exit_code)
    except typer.Abort:
        Console(stderr=True).print("Aborted.")
        sys.exit(130)
    except JackwatchError as error:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {escape(str(error))}")
        sys.exit(EXIT_USAGE)
    sys.exit(result if isinstance(result, int) else 0)


def _show_usage_error(error: typer.TyperException) -> None:
    """Print a command-line error as Typer shows it: usage line, hint and message (or the help text)."""
    show = getattr(error, "show", None)
    if callable(show):
        show()
    else:
        typer.echo(f"Error: {error.format_message()}", err=True)
