"""``jackwatch demo``: the whole pipeline on the demo environment, into a fresh store."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from jackwatch.cli.common import FormatOption, OutputOption, exit_code, write_report
from jackwatch.correlate.incidents import find_incidents
from jackwatch.cost import load_price_table
from jackwatch.detect.service import Pricing, RuleSelection, build_detector, detect_inputs, store_result
from jackwatch.errors import ConfigError
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat
from jackwatch.sources.inputs import ReadRequest
from jackwatch.store import open_store, redact_url, resolve_db_url

DEFAULT_DEMO = Path("examples/openai-app")
SETTINGS_FILE = "jackwatch.yaml"
INPUTS = (("cloudtrail", "cloudtrail"), ("bedrock", "bedrock-invocations"), ("usage", "billing"))
"""(input kind, folder of the environment) of what the demo reads; CloudTrail is required, the others are read
when the environment has them."""


def demo_inputs(environment: Path) -> list[str]:
    """The ``KIND:PATH`` inputs of the environment; a :class:`ConfigError` when it has no CloudTrail trace."""
    trail = environment / "cloudtrail"
    if not trail.is_dir():
        raise ConfigError(f"no demo trace at {trail}: run this from the jackwatch checkout or pass the directory")
    return [f"{kind}:{environment / folder}" for kind, folder in INPUTS if (environment / folder).is_dir()]


def demo(
    environment: Path = typer.Argument(
        DEFAULT_DEMO,
        help="The demo environment directory: cloudtrail/ (the CloudTrail trace), bedrock-invocations/ (Bedrock "
        "model invocation logs) and billing/ (a CUR 2.0 export).",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store to write to (default: a fresh SQLite file in a temporary directory)."
    ),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
) -> int:
    """Run detection on the demo's CloudTrail trace, Bedrock invocation logs and billing export (the openai-app
    LLMjacking story), price every finding, and print the report with the incidents and what they cost."""
    inputs = demo_inputs(environment)
    settings = environment / SETTINGS_FILE
    detector = build_detector(RuleSelection(settings=settings if settings.is_file() else None), AsnDb.load())
    result = detect_inputs(detector, inputs, ReadRequest(), Pricing(load_price_table()))
    stats = result.stats(detector)
    with tempfile.TemporaryDirectory(prefix="jackwatch-demo-") as scratch:
        url = resolve_db_url(db or str(Path(scratch) / "demo.db"), {})
        with open_store(url) as store:
            store_result(store, result, "demo", inputs, stats)
            stored = store.findings()
        stats["store"] = redact_url(url) if db else "temporary SQLite file (use --db to keep it)"
        write_report(fmt, stored, stats, output, find_incidents(stored))
    return exit_code(stored, None, result.read.files_failed > 0)
