"""``jackwatch rules``: validate, test, list and document rule files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from jackwatch.errors import ConfigError
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.docs import render_rule_docs
from jackwatch.rules.fields.docs import render_field_docs
from jackwatch.rules.inline_tests import run_inline_tests
from jackwatch.rules.loader import LoadResult, builtin_rule_files, load_rules
from jackwatch.rules.sources import default_registry

app = typer.Typer(help="Validate, test, list and document rule files.", no_args_is_help=True)

FilesArgument = typer.Argument(
    None,
    metavar="[FILE]...",
    help="Rule files in load order (default: the built-in rule pack).",
    show_default=False,
)


WithBuiltinOption = typer.Option(
    False,
    "--with-builtin",
    help="Load the built-in rule pack first, so that FILEs may use and override its lists, macros and rules.",
)


def _paths(files: list[Path] | None, with_builtin: bool) -> list[Path]:
    """The files to load, in order: the built-in pack when asked for (or when no file is given), then ``files``."""
    return [*(builtin_rule_files() if with_builtin or not files else []), *(files or [])]


def _load(files: list[Path] | None, with_builtin: bool) -> LoadResult:
    return load_rules(_paths(files, with_builtin), default_registry(AsnDb.load()))


def _stderr() -> Console:
    """The console for messages: stderr, never wrapped (so ``file:line`` stays whole for tools)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _report_problems(loaded: LoadResult, console: Console) -> None:
    for error in loaded.errors:
        console.print(f"[bold red]error[/] {escape(str(error))}")
    for warning in loaded.warnings:
        console.print(f"[yellow]warning[/] {escape(str(warning))}")


@app.command()
def validate(files: list[Path] = FilesArgument, with_builtin: bool = WithBuiltinOption) -> int:
    """Load rule files and report every error (file:line) and warning; exit 1 on any error."""
    loaded = _load(files, with_builtin)
    console = _stderr()
    _report_problems(loaded, console)
    rules = loaded.ruleset.rules
    unsupported = sum(1 for rule in rules if rule.unsupported)
    console.print(
        f"{len(rules)} rule(s), {len(loaded.ruleset.macros)} macro(s), {len(loaded.ruleset.lists)} list(s); "
        f"{len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s); {unsupported} rule(s) not run "
        "(their source is not read yet, or they use fields jackwatch does not provide)"
    )
    return 1 if loaded.errors else 0


@app.command("test")
def test_rules(files: list[Path] = FilesArgument, with_builtin: bool = WithBuiltinOption) -> int:
    """Run the inline tests of the rules; exit 1 if a test fails or a file does not load."""
    registry = default_registry(AsnDb.load())
    loaded = load_rules(_paths(files, with_builtin), registry)
    console = _stderr()
    _report_problems(loaded, console)
    if loaded.errors:
        return 1
    outcomes = run_inline_tests(loaded, registry)
    for outcome in outcomes:
        mark = "[green]pass[/]" if outcome.passed else "[bold red]FAIL[/]"
        detail = "" if outcome.passed else f" — {outcome.message} ({outcome.location})"
        console.print(f"{mark} {escape(f'{outcome.rule_id}: {outcome.name}{detail}')}")
    failed = sum(1 for outcome in outcomes if not outcome.passed)
    console.print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


@app.command("list")
def list_rules(files: list[Path] = FilesArgument, with_builtin: bool = WithBuiltinOption) -> int:
    """Show every rule: id, name, severity, source, tags (and whether it is enabled and evaluated)."""
    loaded = _load(files, with_builtin)
    table = Table(title=f"{len(loaded.ruleset.rules)} rule(s)", expand=True)
    for column in ("id", "name", "severity", "source", "tags", "status"):
        table.add_column(column, overflow="fold", no_wrap=column == "id")
    for rule in loaded.ruleset.rules:
        status = "unsupported source" if rule.unsupported else ("enabled" if rule.enabled else "disabled")
        cells = (rule.id, rule.name, rule.severity.value, rule.source, ", ".join(rule.tags), status)
        table.add_row(*(Text(cell) for cell in cells))
    Console(width=180).print(table)
    _report_problems(loaded, _stderr())
    return 1 if loaded.errors else 0


@app.command()
def docs(
    files: list[Path] = FilesArgument,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the Markdown to this file."),
    with_builtin: bool = WithBuiltinOption,
    source: str | None = typer.Option(None, "--source", help="Only the rules of this event source (aws_cloudtrail…)."),
) -> int:
    """Generate the Markdown rule reference (what, why, false positives, response, parameters)."""
    loaded = _load(files, with_builtin)
    if loaded.errors:
        _report_problems(loaded, _stderr())
        return 1
    _write(render_rule_docs(loaded.ruleset, source), output)
    return 0


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


@app.command()
def fields(
    source: str = typer.Argument("aws_cloudtrail", help="The event source whose fields to list."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the Markdown to this file."),
) -> int:
    """List the fields rule conditions and outputs can use for a source (Markdown)."""
    found = default_registry(AsnDb.load()).get(source)
    if found is None:
        raise ConfigError(f"jackwatch does not read the source {source!r}")
    _write(render_field_docs(found.fields), output)
    return 0
