"""``jackwatch demo``: the whole pipeline on the demo environment, into a fresh store."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from jackwatch.cli.common import FormatOption, OutputOption, exit_code, write_report
from jackwatch.detect.service import RuleSelection, build_detector, detect_cloudtrail, store_result
from jackwatch.errors import ConfigError
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat
from jackwatch.store import open_store, redact_url, resolve_db_url

DEFAULT_DEMO = Path("examples/openai-app")
SETTINGS_FILE = "jackwatch.yaml"


def demo(
    environment: Path = typer.Argument(
        DEFAULT_DEMO, help="The demo environment directory (its cloudtrail/ holds the CloudTrail trace)."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store to write to (default: a fresh SQLite file in a temporary directory)."
    ),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
) -> int:
    """Run detection on the demo's CloudTrail trace (the openai-app LLMjacking story) and print the report."""
    trail = environment / "cloudtrail"
    if not trail.is_dir():
        raise ConfigError(f"no demo trace at {trail}: run this from the jackwatch checkout or pass the directory")
    settings = environment / SETTINGS_FILE
    detector = build_detector(RuleSelection(settings=settings if settings.is_file() else None), AsnDb.load())
    result = detect_cloudtrail(detector, [str(trail)])
    stats = result.stats(detector)
    with tempfile.TemporaryDirectory(prefix="jackwatch-demo-") as scratch:
        url = resolve_db_url(db or str(Path(scratch) / "demo.db"), {})
        with open_store(url) as store:
            store_result(store, result, "demo", [str(trail)], stats)
            stored = store.findings()
        stats["store"] = redact_url(url) if db else "temporary SQLite file (use --db to keep it)"
        write_report(fmt, stored, stats, output)
    return exit_code(stored, None, result.read.files_failed > 0)
