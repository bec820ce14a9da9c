"""``jackwatch detect``: run the rules over CloudTrail and report the findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from jackwatch.cli.common import DbOption, FormatOption, OutputOption, exit_code, store_url, write_report
from jackwatch.cli.options import load_pricing, parse_moment, parse_rates, parse_severity
from jackwatch.cli.progress import progress_reporter
from jackwatch.detect.service import RuleSelection, build_detector, detect_inputs, store_result
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat
from jackwatch.sources.inputs import INPUT_KIND_HELP, ReadRequest
from jackwatch.store import open_store


def detect(
    inputs: list[str] = typer.Argument(
        ...,
        metavar="[KIND:]SOURCE...",
        help="Logs to read. Without KIND: CloudTrail — FILE, DIR (AWSLogs/ layout or any tree), '-' (stdin), "
        "s3://bucket/prefix, sqs://queue-name-or-url, lookup:// (LookupEvents in every enabled region) or "
        "lookup://us-east-1,eu-west-1. Other kinds: " + INPUT_KIND_HELP,
        show_default=False,
    ),
    rules: list[Path] = typer.Option(
        [],
        "--rules",
        "-r",
        help="Extra rule file, loaded after the built-in pack (may override its lists and rules).",
    ),
    builtin: bool = typer.Option(True, "--builtin-rules/--no-builtin-rules", help="Load the built-in rule pack."),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="Rule settings (YAML): enable/disable rules, thresholds, windows, severities.",
    ),
    since: str | None = typer.Option(None, help="Only events at or after this time (2026-11-24, ISO time, or 24h/7d)."),
    until: str | None = typer.Option(None, help="Only events before this time (same forms as --since)."),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = typer.Option(
        None, "--fail-on", metavar="SEVERITY", help="Exit 1 when a finding is at least this severe."
    ),
    db: str | None = DbOption,
    store: bool = typer.Option(True, "--store/--no-store", help="Record the findings in the store."),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="AWS endpoint to use instead of the default (S3/SQS-compatible servers)."
    ),
    prices: list[Path] = typer.Option(
        [],
        "--prices",
        help="Price file (YAML, the built-in table's schema) overriding or extending the built-in prices.",
    ),
    tokens_per_call: str = typer.Option(
        "1000:500",
        "--tokens-per-call",
        metavar="INPUT:OUTPUT",
        help="Tokens assumed per call when only calls are counted (CloudTrail without invocation logs): "
        "the cost is then marked estimated.",
    ),
    rate: list[str] = typer.Option(
        [],
        "--rate",
        metavar="CUR=RATE",
        help="Convert billing-export amounts in another currency to USD (EUR=1.08: one euro is 1.08 USD); "
        "without a rate such amounts are reported, not converted.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> int:
    """Detect LLMjacking and other abuse in cloud and LLM provider logs; print findings (with what the activity
    behind each cost) and what was read or skipped.

    Exit codes: 0 done; 1 a finding reached --fail-on; 2 bad usage, unreadable input, or a store error (bad
    records inside readable input are counted in the statistics, not failed on).
    """
    now = datetime.now(UTC)
    threshold = parse_severity(fail_on)
    window = (parse_moment(since, now), parse_moment(until, now))
    url = store_url(db) if store else None
    pricing = load_pricing(prices, tokens_per_call)
    rates = parse_rates(rate)
    detector = build_detector(RuleSelection(tuple(rules), builtin, config), AsnDb.load())
    with progress_reporter(not quiet) as progress:
        request = ReadRequest(window[0], window[1], progress, endpoint_url, rates)
        result = detect_inputs(detector, inputs, request, pricing)
    stats = result.stats(detector)
    if url is not None:
        with open_store(url) as opened:
            store_result(opened, result, "detect", inputs, stats)
    findings = [finding for finding, _ in result.findings]
    write_report(fmt, findings, stats, output, result.incidents)
    return exit_code(findings, threshold, result.read.files_failed > 0)
