"""``jackwatch demo``: the whole pipeline on the demo environment, into a fresh store."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

import orjson
import typer

from jackwatch.cli.common import FormatOption, OutputOption, exit_code, ordered, output_stream, use_color
from jackwatch.cli.scan import store_scan
from jackwatch.correlate.incidents import find_incidents
from jackwatch.cost import load_price_table
from jackwatch.detect.service import Pricing, RuleSelection, build_detector, detect_inputs, store_result
from jackwatch.errors import ConfigError
from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.image import open_image
from jackwatch.inventory.scan import ScanResult, scan_root
from jackwatch.model import Finding
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat, render
from jackwatch.outputs.scan_report import scan_to_dict, write_table
from jackwatch.sources.inputs import ReadRequest
from jackwatch.store import open_store, redact_url, resolve_db_url
from jackwatch.vulns import AdvisoryDb
from jackwatch.vulns.dbfile import bundled_path

DEFAULT_DEMO = Path("examples/openai-app")
SETTINGS_FILE = "jackwatch.yaml"
IMAGE_FOLDER = "image"
"""The app's container image in the environment (an OCI image layout), scanned when present."""
INPUTS = (("cloudtrail", "cloudtrail"), ("bedrock", "bedrock-invocations"), ("usage", "billing"))
"""(input kind, folder of the environment) of what the demo reads; CloudTrail is required, the others are read
when the environment has them."""


def demo_inputs(environment: Path) -> list[str]:
    """The ``KIND:PATH`` inputs of the environment; a :class:`ConfigError` when it has no CloudTrail trace."""
    trail = environment / "cloudtrail"
    if not trail.is_dir():
        raise ConfigError(f"no demo trace at {trail}: run this from the jackwatch checkout or pass the directory")
    return [f"{kind}:{environment / folder}" for kind, folder in INPUTS if (environment / folder).is_dir()]


def scan_image(image: Path) -> ScanResult:
    """Scan the demo image with the bundled advisory database (never the user's, so the demo always shows the
    same matches) and the AI package catalog."""
    with resources.as_file(bundled_path()) as path:
        database = AdvisoryDb.load(path)
    with open_image(image) as root:
        result = scan_root(
            root, db=database, catalog=AiCatalog.load(), stats=root.stats, config=root.config, kind="image"
        )
        result.target = f"image://{root.image_id}"
    return result


def demo(
    environment: Path = typer.Argument(
        DEFAULT_DEMO,
        help="The demo environment directory: cloudtrail/ (the CloudTrail trace), bedrock-invocations/ (Bedrock "
        "model invocation logs), billing/ (a CUR 2.0 export) and image/ (the app's container image).",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store to write to (default: a fresh SQLite file in a temporary directory)."
    ),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
) -> int:
    """Scan the app's image (AI packages, their vulnerabilities, the keys left in it), run detection on the demo's
    CloudTrail trace, Bedrock invocation logs and billing export (the openai-app LLMjacking story), price every
    finding, and print the scan, then the report with the incidents and what they cost."""
    inputs = demo_inputs(environment)
    image = environment / IMAGE_FOLDER
    scan = scan_image(image) if image.is_dir() else None
    settings = environment / SETTINGS_FILE
    detector = build_detector(RuleSelection(settings=settings if settings.is_file() else None), AsnDb.load())
    result = detect_inputs(detector, inputs, ReadRequest(), Pricing(load_price_table()))
    stats = result.stats(detector)
    with tempfile.TemporaryDirectory(prefix="jackwatch-demo-") as scratch:
        url = resolve_db_url(db or str(Path(scratch) / "demo.db"), {})
        with open_store(url) as store:
            store_result(store, result, "demo", inputs, stats)
            found = [] if scan is None else store_scan(store, scan, "demo scan image", str(image), datetime.now(UTC))
            scanned = {finding.id for finding in found}
            stored = [finding for finding in store.findings() if finding.id not in scanned]
        stats["store"] = redact_url(url) if db else "temporary SQLite file (use --db to keep it)"
        with output_stream(output) as stream:
            write_demo_report(fmt, stored, stats, stream, scan, color=use_color(fmt, output))
    return exit_code(stored, None, result.read.files_failed > 0)


def write_demo_report(
    fmt: OutputFormat,
    findings: Sequence[Finding],
    stats: Mapping[str, Any],
    stream: IO[bytes],
    scan: ScanResult | None,
    *,
    color: bool,
) -> None:
    """The detection report as ``detect`` writes it, with the image scan: before it in a table, under ``scan`` in
    JSON (``jsonl`` and ``ocsf`` hold the detection findings only)."""
    shown, incidents = ordered(findings), find_incidents(findings)
    if scan is not None and fmt is OutputFormat.TABLE:
        write_table(scan, stream, color=color)
    if scan is None or fmt is not OutputFormat.JSON:
        render(fmt, shown, stats, stream, color=color, incidents=incidents)
        return
    buffer = io.BytesIO()
    render(fmt, shown, stats, buffer, incidents=incidents)
    body = orjson.loads(buffer.getvalue())
    body["scan"] = scan_to_dict(scan)
    stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
